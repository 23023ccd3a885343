from django.conf import settings

from accounts.models import Membership
from essence.emails import EmailCategory, send_templated_email


def _owner(workspace_id: int):
    membership = (
        Membership.objects.select_related("user")
        .filter(workspace_id=workspace_id, role=Membership.Role.OWNER, user__is_active=True)
        .first()
    )
    return membership.user if membership else None


def send_low_balance(*, workspace_id: int, balance: int) -> None:
    owner = _owner(workspace_id)
    if owner is None:
        return
    send_templated_email(
        template="low_balance",
        to=[owner.email],
        user=owner,
        category=EmailCategory.SERVICE,
        context={"user": owner, "balance": balance, "threshold": settings.LOW_BALANCE_THRESHOLD,
                 "billing_url": f"{settings.SITE_URL}/billing/"},
    )


def send_receipt(*, purchase) -> None:
    """Receipt for a granted purchase, to the person who bought (or the owner)."""
    from credits.templatetags.credits_tags import money

    recipient = purchase.created_by if purchase.created_by and purchase.created_by.is_active else None
    recipient = recipient or (_owner(purchase.workspace_id) if purchase.workspace_id else None)
    if recipient is None:
        return
    send_templated_email(
        template="credits_receipt",
        to=[recipient.email],
        user=recipient,
        category=EmailCategory.TRANSACTIONAL,
        context={
            "user": recipient,
            "credits": purchase.credits,
            "amount": money(purchase.amount, purchase.currency),
            "paid_at": purchase.paid_at,
            "receipt_url": purchase.receipt_url,
            "billing_url": f"{settings.SITE_URL}/billing/",
            "reference": purchase.stripe_checkout_session_id,
        },
    )
