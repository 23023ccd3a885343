"""Every change to credits. The ledger is append-only; a workspace's cached balance
changes only here, in the same transaction as its entry, with the account row locked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.models import User, Workspace
from credits.exceptions import InsufficientCredits, UnknownAction
from credits.models import CreditAccount, LedgerEntry, Price, Purchase
from credits.signals import credits_added


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
