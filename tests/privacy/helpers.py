"""Data the privacy tests need, built the way the product builds it."""

import uuid

from accounts import services as account_services
from accounts.selectors import workspace_for_user
from credits import services as credit_services
from credits.models import CreditAccount, CreditPack, LedgerEntry, Purchase


def make_purchase(*, user, receipt_url="https://pay.stripe.com/receipts/acct_x/rcpt_x") -> Purchase:
    """A paid purchase and its ledger entry, as the Stripe webhook leaves them."""
    workspace = workspace_for_user(user=user)
    account = CreditAccount.objects.get(workspace=workspace)
    pack = CreditPack.objects.order_by("sort_order").first()
    purchase = Purchase.objects.create(
        workspace=workspace, account_anonymous_id=account.anonymous_id, created_by=user, pack=pack,
        credits=pack.credits, amount=pack.price_amount, currency=pack.currency, status=Purchase.Status.PAID,
        stripe_checkout_session_id=f"cs_test_{uuid.uuid4().hex}", stripe_payment_intent_id="pi_test_1",
        receipt_url=receipt_url,
    )
    credit_services.grant(workspace=workspace, amount=pack.credits, kind=LedgerEntry.Kind.PURCHASE,
                          idempotency_key=f"purchase-{purchase.pk}", purchase=purchase)
    return purchase


def make_usage(*, user, action="contact_create", n=2):
    workspace = workspace_for_user(user=user)
    return [account_services.usage_event_record(workspace=workspace, user=user, action=action, credits=1)
            for _ in range(n)]
