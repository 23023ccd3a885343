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
