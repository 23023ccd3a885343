import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from accounts.models import UsageEvent
from accounts.selectors import workspace_for_user
from credits import services
from credits.exceptions import InsufficientCredits
from credits.models import CreditAccount, LedgerEntry, LedgerImmutableError
from credits.selectors import balance_for, balance_mismatches


@pytest.fixture
def workspace(alice):
    return workspace_for_user(user=alice)


def set_balance(workspace, target):
    current = balance_for(workspace=workspace)
    if target != current:
        services.adjust(workspace=workspace, amount=target - current, reason="test setup",
                        created_by=None, idempotency_key=f"setup-{target}-{current}")


@pytest.mark.django_db
def test_a_new_workspace_starts_with_the_signup_grant(workspace, settings):
    assert balance_for(workspace=workspace) == settings.SIGNUP_GRANT_CREDITS == 25
    entry = LedgerEntry.objects.get(workspace=workspace)
    assert entry.kind == LedgerEntry.Kind.SIGNUP_GRANT and entry.amount == 25 and entry.balance_after == 25


@pytest.mark.django_db
def test_it_refuses_spend_beyond_balance(workspace):
    set_balance(workspace, 5)
    with pytest.raises(InsufficientCredits) as excinfo:
        services.spend(workspace=workspace, action="contact.import", idempotency_key="big", quantity=10)
    assert "needs 10 credits and you have 5" in str(excinfo.value)
    assert balance_for(workspace=workspace) == 5
    assert not LedgerEntry.objects.filter(idempotency_key="big").exists()

    services.spend(workspace=workspace, action="contact.import", idempotency_key="fits", quantity=5)
    assert balance_for(workspace=workspace) == 0


@pytest.mark.django_db
def test_spending_twice_with_one_key_charges_once(workspace):
    first = services.spend(workspace=workspace, action="contact.create", idempotency_key="k1")
    again = services.spend(workspace=workspace, action="contact.create", idempotency_key="k1")
    assert first.pk == again.pk
    assert balance_for(workspace=workspace) == 24
    assert UsageEvent.objects.filter(workspace=workspace, action="contact.create").count() == 1


@pytest.mark.django_db
def test_a_failed_action_is_never_charged(workspace):
    with (
        pytest.raises(RuntimeError),
        services.charge_for(workspace=workspace, action="contact.create", idempotency_key="boom"),
    ):
        raise RuntimeError("the contact could not be saved")
    assert balance_for(workspace=workspace) == 25
    assert not LedgerEntry.objects.filter(idempotency_key="boom").exists()
    assert not UsageEvent.objects.filter(workspace=workspace).exists()
    assert balance_mismatches() == []


@pytest.mark.django_db
def test_a_negative_balance_refuses_spending_with_a_reason(workspace):
    services.take_back(workspace=workspace, amount=30, kind=LedgerEntry.Kind.REFUND, idempotency_key="refund-1")
    assert balance_for(workspace=workspace) == -5
    with pytest.raises(InsufficientCredits) as excinfo:
        services.spend(workspace=workspace, action="contact.create", idempotency_key="after-refund")
    assert "negative" in str(excinfo.value)


@pytest.mark.django_db
def test_ledger_entries_cannot_be_edited_or_deleted_through_the_orm(workspace):
    entry = LedgerEntry.objects.get(workspace=workspace)
    entry.amount = 1000
    with pytest.raises(LedgerImmutableError):
        entry.save()
    with pytest.raises(LedgerImmutableError):
        entry.delete()
    with pytest.raises(LedgerImmutableError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=1000)
    with pytest.raises(LedgerImmutableError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert LedgerEntry.objects.get(pk=entry.pk).amount == 25


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    ["UPDATE credits_ledgerentry SET amount = 1000 WHERE id = %s", "DELETE FROM credits_ledgerentry WHERE id = %s"],
)
def test_the_database_refuses_edits_and_deletes(workspace, sql):
    entry = LedgerEntry.objects.get(workspace=workspace)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [entry.pk])
    assert LedgerEntry.objects.get(pk=entry.pk).amount == 25


@pytest.mark.django_db
def test_deleting_a_workspace_keeps_its_entries_anonymised(workspace):
    account = CreditAccount.objects.get(workspace=workspace)
    entry_id = LedgerEntry.objects.get(workspace=workspace).pk
    workspace.delete()
    entry = LedgerEntry.objects.get(pk=entry_id)
    assert entry.workspace_id is None
    assert entry.account_anonymous_id == account.anonymous_id


@pytest.mark.django_db
def test_checkbalances_passes_and_catches_a_drift(workspace, charlie):
    call_command("checkbalances")
    CreditAccount.objects.filter(workspace=workspace).update(balance=999)  # simulate a bug
    assert balance_mismatches() == [(workspace.id, 999, 25)]
    with pytest.raises(CommandError):
        call_command("checkbalances")


@pytest.mark.django_db
def test_low_balance_email_once_per_crossing(
    workspace, alice, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.LOW_BALANCE_THRESHOLD = 10
    set_balance(workspace, 11)
    with django_capture_on_commit_callbacks(execute=True):
        services.spend(workspace=workspace, action="contact.create", idempotency_key="a")  # 10
        services.spend(workspace=workspace, action="contact.create", idempotency_key="b")  # 9: crosses
        services.spend(workspace=workspace, action="contact.create", idempotency_key="c")  # 8: already told
    assert [m.to for m in mailoutbox] == [[alice.email]]
    assert "9 credits left" in mailoutbox[0].subject

    with django_capture_on_commit_callbacks(execute=True):
        services.grant(workspace=workspace, amount=20, kind=LedgerEntry.Kind.PURCHASE, idempotency_key="buy")
        services.spend(workspace=workspace, action="contact.import", quantity=20, idempotency_key="d")  # 8 again
    assert len(mailoutbox) == 2
