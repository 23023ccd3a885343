"""Every change to credits. The ledger is append-only; a workspace's cached balance
changes only here, in the same transaction as its entry, with the account row locked."""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User, Workspace
from credits import stripe_api
from credits.exceptions import BuyingDisabled, CheckoutFailed, InsufficientCredits, UnknownAction
from credits.models import CreditAccount, CreditPack, LedgerEntry, Price, Purchase, StripeEvent
from credits.signals import credits_added

logger = logging.getLogger(__name__)


def price_for(*, action: str) -> int:
    try:
        return Price.objects.only("credits").get(action=action).credits
    except Price.DoesNotExist as exc:
        raise UnknownAction(f"No price is set for {action!r}.") from exc


def _locked_account(workspace: Workspace) -> CreditAccount:
    # get_or_create first so two first-ever entries for a workspace cannot both insert.
    CreditAccount.objects.get_or_create(workspace=workspace)
    return CreditAccount.objects.select_for_update().get(workspace=workspace)


def _existing(workspace: Workspace, idempotency_key: str) -> LedgerEntry | None:
    return LedgerEntry.objects.filter(workspace=workspace, idempotency_key=idempotency_key).first()


@transaction.atomic
def _record(
    *,
    workspace: Workspace,
    amount: int,
    kind: str,
    idempotency_key: str,
    refuse_below_zero: bool,
    action: str = "",
    quantity: int = 1,
    purchase: Purchase | None = None,
    stripe_event_id: str = "",
    reason: str = "",
    created_by: User | None = None,
) -> tuple[LedgerEntry, bool]:
    """Append one entry and move the cached balance. Returns (entry, created)."""
    account = _locked_account(workspace)
    # Checked under the lock: a concurrent call with the same key has committed by now.
    if existing := _existing(workspace, idempotency_key):
        return existing, False
    balance_before = account.balance
    balance_after = balance_before + amount
    if refuse_below_zero and amount < 0 and balance_after < 0:
        raise InsufficientCredits(needed=-amount, balance=balance_before)
    entry = LedgerEntry.objects.create(
        workspace=workspace,
        account_anonymous_id=account.anonymous_id,
        amount=amount,
        balance_after=balance_after,
        kind=kind,
        action=action,
        quantity=quantity,
        idempotency_key=idempotency_key,
        purchase=purchase,
        stripe_event_id=stripe_event_id,
        reason=reason,
        created_by=created_by,
    )
    account.balance = balance_after
    threshold = settings.LOW_BALANCE_THRESHOLD
    crossed_down = balance_before >= threshold > balance_after and not account.low_balance_notified
    if crossed_down and kind == LedgerEntry.Kind.SPEND:
        account.low_balance_notified = True
        transaction.on_commit(lambda: _notify_low_balance(workspace.id, balance_after))
    elif balance_after >= threshold:
        account.low_balance_notified = False
    account.save(update_fields=["balance", "low_balance_notified", "updated_at"])
    if amount > 0:
        transaction.on_commit(lambda: credits_added.send(sender=LedgerEntry, workspace_id=workspace.id))
    return entry, True


def _notify_low_balance(workspace_id: int, balance: int) -> None:
    from credits import emails

    emails.send_low_balance(workspace_id=workspace_id, balance=balance)


def spend(
    *, workspace: Workspace, action: str, idempotency_key: str, quantity: int = 1, user: User | None = None
) -> LedgerEntry | None:
    """Charge the price of ``quantity`` × ``action``, or raise InsufficientCredits changing nothing.

    Calling again with the same key returns the first entry and charges nothing. A free
    action (price 0) records only a usage event and returns None.
    """
    from accounts import services as account_services

    cost = price_for(action=action) * quantity
    with transaction.atomic():
        entry, created = None, True
        if cost:
            entry, created = _record(
                workspace=workspace,
                amount=-cost,
                kind=LedgerEntry.Kind.SPEND,
                idempotency_key=idempotency_key,
                refuse_below_zero=True,
                action=action,
                quantity=quantity,
            )
        if created:
            account_services.usage_event_record(
                workspace=workspace, user=user, action=action, credits=cost, quantity=quantity
            )
        return entry


@contextmanager
def charge_for(
    *, workspace: Workspace, action: str, idempotency_key: str, quantity: int = 1, user: User | None = None
) -> Iterator[LedgerEntry]:
    """Spend for an action and do it in one transaction: if the block raises, neither happens.

        with credit_services.charge_for(workspace=ws, action="contact.create", idempotency_key=key):
            contact = Contact.objects.create(...)
    """
    with transaction.atomic():
        entry = spend(
            workspace=workspace, action=action, idempotency_key=idempotency_key, quantity=quantity, user=user
        )
        yield entry


def grant(
    *,
    workspace: Workspace,
    amount: int,
    kind: str,
    idempotency_key: str,
    purchase: Purchase | None = None,
    stripe_event_id: str = "",
    reason: str = "",
    created_by: User | None = None,
) -> LedgerEntry:
    """Add credits (signup grant, purchase, dispute won, positive adjustment)."""
    if amount <= 0:
        raise ValueError("grant() adds credits; use take_back() or adjust() to remove them.")
    return _record_idempotently(
        workspace=workspace, amount=amount, kind=kind, idempotency_key=idempotency_key,
        refuse_below_zero=False, purchase=purchase, stripe_event_id=stripe_event_id,
        reason=reason, created_by=created_by,
    )


def take_back(
    *,
    workspace: Workspace,
    amount: int,
    kind: str,
    idempotency_key: str,
    purchase: Purchase | None = None,
    stripe_event_id: str = "",
) -> LedgerEntry:
    """Remove credits after a refund or dispute. The balance may go negative."""
    if amount <= 0:
        raise ValueError("take_back() amount is the number of credits to remove, > 0.")
    return _record_idempotently(
        workspace=workspace, amount=-amount, kind=kind, idempotency_key=idempotency_key,
        refuse_below_zero=False, purchase=purchase, stripe_event_id=stripe_event_id,
    )


def adjust(*, workspace: Workspace, amount: int, reason: str, created_by: User, idempotency_key: str) -> LedgerEntry:
    """A staff correction, positive or negative, always with a reason."""
    if amount == 0:
        raise ValueError("An adjustment changes the balance; 0 does nothing.")
    if not reason.strip():
        raise ValueError("An adjustment needs a reason.")
    return _record_idempotently(
        workspace=workspace, amount=amount, kind=LedgerEntry.Kind.ADJUSTMENT, idempotency_key=idempotency_key,
        refuse_below_zero=False, reason=reason.strip(), created_by=created_by,
    )


def signup_grant(*, workspace: Workspace) -> LedgerEntry | None:
    amount = settings.SIGNUP_GRANT_CREDITS
    if amount <= 0:
        return None
    return grant(
        workspace=workspace, amount=amount, kind=LedgerEntry.Kind.SIGNUP_GRANT, idempotency_key="signup-grant"
    )


def _record_idempotently(**kwargs) -> LedgerEntry:
    try:
        return _record(**kwargs)[0]
    except IntegrityError:
        # Lost a race on the unique (workspace, key): the other call's entry is the answer.
        existing = _existing(kwargs["workspace"], kwargs["idempotency_key"])
        if existing is None:
            raise
        return existing


# --- Stripe Checkout -------------------------------------------------------------------------


def purchase_checkout_start(*, workspace: Workspace, user: User, pack: CreditPack) -> tuple[Purchase, str]:
    """Create a Stripe Checkout Session for ``pack`` and record a pending Purchase.

    Returns the purchase and the Checkout URL to redirect to. Grants nothing: credits come
    only from the signed webhook. Raises BuyingDisabled / CheckoutFailed (nothing recorded).
    """
    if not stripe_api.buying_enabled():
        raise BuyingDisabled()
    try:
        session = stripe_api.checkout_session_create(
            workspace_id=workspace.id, pack_code=pack.code, pack_name=pack.name, credits=pack.credits,
            amount=pack.price_amount, currency=pack.currency, customer_email=user.email,
            idempotency_key=f"checkout-{uuid.uuid4()}",
        )
    except stripe.StripeError as exc:
        logger.error("Stripe checkout session create failed for workspace %s pack %s: %s",
                     workspace.id, pack.code, exc)
        raise CheckoutFailed() from exc
    account, _ = CreditAccount.objects.get_or_create(workspace=workspace)
    purchase = Purchase(
        workspace=workspace, account_anonymous_id=account.anonymous_id, created_by=user, pack=pack,
        credits=pack.credits, amount=pack.price_amount, currency=pack.currency,
        stripe_checkout_session_id=session.id,
        stripe_payment_intent_id=_id_of(getattr(session, "payment_intent", None)),
    )
    purchase.full_clean()
    purchase.save()
    return purchase, session.url


# --- Stripe webhook events --------------------------------------------------------------------


def _id_of(value) -> str:
    """Stripe fields are an id or an expanded object; always return the id (or "")."""
    if not value:
        return ""
    if isinstance(value, str):
        return value
    return (value.get("id") if isinstance(value, dict) else getattr(value, "id", None)) or ""


def stripe_event_is_handled(event_type: str) -> bool:
    return event_type in _HANDLERS


def stripe_event_process(*, event: dict) -> bool:
    """Apply one verified Stripe event exactly once. Returns False for a duplicate.

    The event id is inserted first, in the same transaction as its effect: a concurrent
    delivery of the same id waits on the unique index, then fails and has no effect; if the
    effect fails, the id is rolled back too and Stripe's retry processes it again.
    """
    handler = _HANDLERS.get(event["type"])
    with transaction.atomic():
        try:
            with transaction.atomic():
                StripeEvent.objects.create(event_id=event["id"], type=event["type"], payload=event)
        except IntegrityError:
            return False
        if handler is not None:
            handler(obj=event["data"]["object"], event_id=event["id"])
    return True


def _purchase_for_session(session_id: str) -> Purchase | None:
    purchase = Purchase.objects.select_for_update().filter(stripe_checkout_session_id=session_id).first()
    if purchase is None:
        logger.warning("Stripe session %s matches no purchase; ignored", session_id)
    return purchase


def _purchase_for_charge(*, payment_intent_id: str, charge_id: str) -> Purchase | None:
    purchase = None
    if payment_intent_id:
        purchase = Purchase.objects.select_for_update().filter(stripe_payment_intent_id=payment_intent_id).first()
    if purchase is None and charge_id:
        purchase = Purchase.objects.select_for_update().filter(stripe_charge_id=charge_id).first()
    if purchase is None:
        logger.warning("Stripe charge %s / payment intent %s matches no purchase; ignored",
                       charge_id, payment_intent_id)
    return purchase


def _on_session_completed(*, obj: dict, event_id: str) -> None:
    if obj.get("payment_status") == "paid":
        _purchase_grant(obj=obj, event_id=event_id)
    else:
        # Delayed payment methods: the purchase stays pending until async_payment_succeeded.
        purchase = _purchase_for_session(obj["id"])
        if purchase is not None and not purchase.stripe_payment_intent_id and obj.get("payment_intent"):
            purchase.stripe_payment_intent_id = _id_of(obj.get("payment_intent"))
            purchase.save(update_fields=["stripe_payment_intent_id"])


def _on_session_async_succeeded(*, obj: dict, event_id: str) -> None:
    _purchase_grant(obj=obj, event_id=event_id)


def _on_session_async_failed(*, obj: dict, event_id: str) -> None:
    purchase = _purchase_for_session(obj["id"])
    if purchase is not None and purchase.status == Purchase.Status.PENDING:
        purchase.status = Purchase.Status.FAILED
        purchase.save(update_fields=["status"])


def _purchase_grant(*, obj: dict, event_id: str) -> None:
    purchase = _purchase_for_session(obj["id"])
    if purchase is None or purchase.workspace is None:
        return
    amount_total = obj.get("amount_total")
    if amount_total is not None and (amount_total != purchase.amount
                                     or (obj.get("currency") or purchase.currency).lower() != purchase.currency):
        logger.error("Stripe session %s paid %s %s but purchase %s expects %s %s; not granted",
                     obj["id"], amount_total, obj.get("currency"), purchase.id, purchase.amount, purchase.currency)
        return
    if purchase.paid_at is not None:
        return  # already granted (completed + async_succeeded, or a second event id)
    grant(
        workspace=purchase.workspace, amount=purchase.credits, kind=LedgerEntry.Kind.PURCHASE,
        idempotency_key=f"purchase:{purchase.stripe_checkout_session_id}", purchase=purchase,
        stripe_event_id=event_id,
    )
    purchase.status = Purchase.Status.PAID
    purchase.paid_at = timezone.now()
    purchase.stripe_payment_intent_id = _id_of(obj.get("payment_intent")) or purchase.stripe_payment_intent_id
    purchase.save(update_fields=["status", "paid_at", "stripe_payment_intent_id"])
    purchase_id = purchase.id
    # robust: a broker hiccup must not turn a committed grant into a 500 (manage.py sendreceipts
    # picks up any receipt that was not queued).
    transaction.on_commit(lambda: _enqueue_receipt(purchase_id), robust=True)


def _enqueue_receipt(purchase_id: int) -> None:
    from credits.tasks import purchase_receipt_task

    purchase_receipt_task.delay(purchase_id)


def _credits_for(purchase: Purchase, money: int) -> int:
    """Credits that ``money`` (minor units) of this purchase bought, rounded down. Integers only."""
    money = max(0, min(money, purchase.amount))
    return purchase.credits * money // purchase.amount if purchase.amount else 0


def _on_charge_refunded(*, obj: dict, event_id: str) -> None:
    purchase = _purchase_for_charge(payment_intent_id=_id_of(obj.get("payment_intent")), charge_id=obj.get("id", ""))
    if purchase is None or purchase.paid_at is None:
        return  # nothing was granted, so nothing to take back
    amount_refunded = min(int(obj.get("amount_refunded") or 0), purchase.amount)
    if amount_refunded <= purchase.amount_refunded:
        return  # an older (or the same) cumulative figure: already applied
    target = _credits_for(purchase, amount_refunded)
    to_take = target - purchase.credits_refunded
    if to_take > 0 and purchase.workspace is not None:
        take_back(
            workspace=purchase.workspace, amount=to_take, kind=LedgerEntry.Kind.REFUND,
            idempotency_key=f"refund:{obj.get('id', '')}:{amount_refunded}", purchase=purchase,
            stripe_event_id=event_id,
        )
    purchase.amount_refunded = amount_refunded
    purchase.credits_refunded = max(target, purchase.credits_refunded)
    purchase.stripe_charge_id = purchase.stripe_charge_id or obj.get("id", "")
    purchase.status = (Purchase.Status.REFUNDED if amount_refunded >= purchase.amount
                       else Purchase.Status.PARTIALLY_REFUNDED)
    purchase.save(update_fields=["amount_refunded", "credits_refunded", "stripe_charge_id", "status"])


def _on_dispute_created(*, obj: dict, event_id: str) -> None:
    purchase = _purchase_for_charge(payment_intent_id=_id_of(obj.get("payment_intent")),
                                    charge_id=_id_of(obj.get("charge")))
    if purchase is None or purchase.paid_at is None or purchase.workspace is None:
        return
    # Never take back more than is still held: what refunds and earlier disputes took stays taken.
    held = purchase.credits - purchase.credits_refunded - purchase.credits_disputed
    to_take = min(_credits_for(purchase, int(obj.get("amount") or 0)), max(held, 0))
    if to_take > 0:
        take_back(
            workspace=purchase.workspace, amount=to_take, kind=LedgerEntry.Kind.DISPUTE,
            idempotency_key=f"dispute:{obj['id']}", purchase=purchase, stripe_event_id=event_id,
        )
        purchase.credits_disputed += to_take
    purchase.status = Purchase.Status.DISPUTED
    purchase.save(update_fields=["credits_disputed", "status"])


def _on_dispute_closed(*, obj: dict, event_id: str) -> None:
    purchase = _purchase_for_charge(payment_intent_id=_id_of(obj.get("payment_intent")),
                                    charge_id=_id_of(obj.get("charge")))
    if purchase is None or purchase.workspace is None:
        return
    if obj.get("status") != "won":
        return  # lost (or warning_closed): what the dispute took stays taken
    taken = LedgerEntry.objects.filter(
        workspace=purchase.workspace, idempotency_key=f"dispute:{obj['id']}"
    ).first()
    if taken is None:
        return
    grant(
        workspace=purchase.workspace, amount=-taken.amount, kind=LedgerEntry.Kind.DISPUTE_REVERSAL,
        idempotency_key=f"dispute-won:{obj['id']}", purchase=purchase, stripe_event_id=event_id,
    )
    purchase.credits_disputed = max(0, purchase.credits_disputed + taken.amount)
    purchase.status = (Purchase.Status.REFUNDED if purchase.amount_refunded >= purchase.amount
                       else Purchase.Status.PARTIALLY_REFUNDED if purchase.amount_refunded
                       else Purchase.Status.PAID)
    purchase.save(update_fields=["credits_disputed", "status"])


_HANDLERS = {
    "checkout.session.completed": _on_session_completed,
    "checkout.session.async_payment_succeeded": _on_session_async_succeeded,
    "checkout.session.async_payment_failed": _on_session_async_failed,
    "charge.refunded": _on_charge_refunded,
    "charge.dispute.created": _on_dispute_created,
    "charge.dispute.closed": _on_dispute_closed,
}


# --- Receipt (Celery) -------------------------------------------------------------------------


def purchase_receipts_pending(*, older_than_minutes: int = 10) -> list[int]:
    """Paid purchases whose receipt was never sent (e.g. the broker was down when they were paid)."""
    cutoff = timezone.now() - datetime.timedelta(minutes=older_than_minutes)
    return list(Purchase.objects.filter(paid_at__lt=cutoff, receipt_sent_at=None).values_list("id", flat=True))


def purchase_receipt_send(*, purchase_id: int, fetch_receipt_url: bool = True) -> bool:
    """Fetch the Stripe receipt URL (if missing) and email the receipt once. Safe to repeat.

    Raises on a Stripe API error so the task can retry; returns True if the email was sent now.
    """
    purchase = Purchase.objects.select_related("workspace", "created_by").filter(id=purchase_id).first()
    if purchase is None or purchase.paid_at is None or purchase.receipt_sent_at is not None:
        return False
    if (fetch_receipt_url and not purchase.receipt_url and purchase.stripe_payment_intent_id
            and stripe_api.buying_enabled()):
        intent = stripe_api.payment_intent_retrieve(payment_intent_id=purchase.stripe_payment_intent_id)
        charge = getattr(intent, "latest_charge", None)
        if charge and not isinstance(charge, str):
            Purchase.objects.filter(id=purchase.id).update(
                receipt_url=getattr(charge, "receipt_url", None) or "",
                stripe_charge_id=purchase.stripe_charge_id or getattr(charge, "id", None) or "",
            )
            purchase.refresh_from_db()
    claimed = Purchase.objects.filter(id=purchase.id, receipt_sent_at=None).update(receipt_sent_at=timezone.now())
    if claimed != 1:
        return False
    from credits import emails

    emails.send_receipt(purchase=purchase)
    return True
