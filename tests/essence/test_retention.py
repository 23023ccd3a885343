"""Each retention job touches exactly what is older than its period, records its counts,
and two runs at once do no double work."""

import datetime
import os
import threading

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.models import UsageEvent, User, Workspace
from accounts.selectors import workspace_for_user
from credits.models import LedgerEntry, StripeEvent
from essence import retention
from essence.models import RetentionRun
from tests.factories import ensure_seed_data, make_user

NOW = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=datetime.UTC)


def days_ago(days, hours=0):
    return NOW - datetime.timedelta(days=days, hours=hours)


@pytest.mark.django_db
def test_unverified_signups_older_than_7_days_are_deleted(settings):
    settings.RETENTION_UNVERIFIED_SIGNUP_DAYS = 7
    old_unverified = make_user(email="old@example.com", verified=False, date_joined=days_ago(7, hours=1))
    new_unverified = make_user(email="new@example.com", verified=False, date_joined=days_ago(6, hours=23))
    old_verified = make_user(email="kept@example.com", verified=True, date_joined=days_ago(400))
    old_staff = make_user(email="staff@essencecrm.io", verified=False, is_staff=True, date_joined=days_ago(30))
    old_workspace = workspace_for_user(user=old_unverified)
    grant_id = LedgerEntry.objects.get(workspace=old_workspace).id

    run = retention.run("unverified_signups", now=NOW)

    assert run.status == RetentionRun.Status.DONE and run.counts == {"users_deleted": 1}
    assert not User.objects.filter(id=old_unverified.id).exists()
    assert not Workspace.objects.filter(id=old_workspace.id).exists()
    kept = {new_unverified.email, old_verified.email, old_staff.email}
    assert set(User.objects.values_list("email", flat=True)) == kept
    assert LedgerEntry.objects.get(id=grant_id).workspace_id is None  # kept for accounting, anonymised


@pytest.mark.django_db
def test_a_user_who_verified_a_later_address_is_kept(settings):
    user = make_user(email="moved@example.com", verified=True, date_joined=days_ago(30))
    EmailAddress.objects.create(user=user, email="second@example.com", verified=False, primary=False)
    retention.run("unverified_signups", now=NOW)
    assert User.objects.filter(id=user.id).exists()


@pytest.mark.django_db
def test_usage_events_older_than_13_months_are_anonymised(alice, settings):
    settings.USAGE_EVENTS_ANONYMISE_DAYS = 395
    workspace = workspace_for_user(user=alice)
    old = UsageEvent.objects.create(workspace=workspace, user=alice, action="contact.create", created_at=days_ago(396))
    edge = UsageEvent.objects.create(workspace=workspace, user=alice, action="contact.create", created_at=days_ago(394))

    run = retention.run("usage_events", now=NOW, batch_size=1)

    assert run.counts == {"usage_events_anonymised": 1}
    old.refresh_from_db()
    edge.refresh_from_db()
    assert (old.workspace_id, old.user_id, old.action) == (None, None, "contact.create")
    assert old.anonymised_at is not None
    assert (edge.workspace_id, edge.user_id, edge.anonymised_at) == (workspace.id, alice.id, None)


@pytest.mark.django_db
def test_webhook_payloads_older_than_90_days_are_trimmed_to_ids():
    def event(event_id, days):
        with time_machine.travel(days_ago(days), tick=False):
            return StripeEvent.objects.create(
                event_id=event_id, type="checkout.session.completed",
                payload={"id": event_id, "data": {"object": {"customer_details": {"email": "x@example.com"}}}},
            )

    old, recent = event("evt_old", 91), event("evt_recent", 89)
    run = retention.run("stripe_webhook_payloads", now=NOW)
    assert run.counts == {"webhook_payloads_trimmed": 1}
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.payload == {"id": "evt_old", "type": "checkout.session.completed", "trimmed": True}
    assert "data" in recent.payload


@pytest.mark.django_db
def test_a_run_that_finds_the_lock_taken_does_nothing(settings):
    make_user(email="old@example.com", verified=False, date_joined=days_ago(10))
    held = threading.Event()
    release = threading.Event()

    def hold_lock():
        from django.db import connections

        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [retention._lock_key("unverified_signups")])
            held.set()
            release.wait(10)
            cursor.execute("SELECT pg_advisory_unlock(%s)", [retention._lock_key("unverified_signups")])
        connections["default"].close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    held.wait(10)
    try:
        run = retention.run("unverified_signups", now=NOW)
    finally:
        release.set()
        holder.join()
    assert run.status == RetentionRun.Status.SKIPPED
    assert User.objects.filter(email="old@example.com").exists()


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_do_no_double_work(settings):
    ensure_seed_data()
    settings.RETENTION_BATCH_SIZE = 2
    for i in range(9):
        make_user(email=f"stale{i}@example.com", verified=False, date_joined=days_ago(10))
    runs, errors = [], []

    def run_job():
        try:
            runs.append(retention.run("unverified_signups", now=NOW))
        except Exception as exc:  # pragma: no cover - surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run_job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(run.counts.get("users_deleted", 0) for run in runs) == 9
    assert User.objects.count() == 0
    assert sorted(run.status for run in runs) in (["done", "done"], ["done", "skipped"])


@pytest.mark.django_db
def test_the_command_runs_every_job_and_records_each(settings):
    with time_machine.travel(NOW):
        call_command("runretention")
    assert set(RetentionRun.objects.values_list("job", flat=True)) == set(retention.JOBS)
    assert timezone.now()  # sanity: time restored


@pytest.mark.django_db
def test_every_retention_job_is_scheduled_in_beat(settings):
    scheduled = {entry["args"][0] for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
                 if entry["task"] == "essence.tasks.retention_run_task"}
    assert scheduled == set(retention.JOBS) == {
        "unverified_signups", "usage_events", "stripe_webhook_payloads", "consent_records", "trashed_contacts",
        "contact_export_files", "data_export_files", "scheduled_account_deletions", "import_files",
    }


@pytest.mark.django_db
def test_anonymous_consent_records_lose_their_cookie_id_after_the_period(settings):
    from privacy.models import ConsentRecord

    settings.CONSENT_RECORD_ANONYMISE_DAYS = 395
    with time_machine.travel(days_ago(396), tick=False):
        old = ConsentRecord.objects.create(anonymous_id="visitor-1", analytics=True, policy_version=1)
    recent = ConsentRecord.objects.create(anonymous_id="visitor-2", analytics=False, policy_version=1)
    run = retention.run("consent_records", now=NOW)
    assert run.counts == {"consent_records_anonymised": 1}
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.anonymous_id, old.analytics) == ("", True)
    assert recent.anonymous_id == "visitor-2"


@pytest.mark.django_db
def test_expired_contact_export_files_are_deleted(alice, settings):
    from django.core.files.base import ContentFile

    from contacts.models import ContactExport

    workspace = workspace_for_user(user=alice)
    old = ContactExport.objects.create(workspace=workspace, format="csv", status="ready", expires_at=days_ago(0, 1))
    old.file.save("old.csv", ContentFile(b"x"))
    fresh = ContactExport.objects.create(workspace=workspace, format="csv", status="ready",
                                         expires_at=NOW + datetime.timedelta(days=2))
    fresh.file.save("fresh.csv", ContentFile(b"y"))
    path = old.file.path
    run = retention.run("contact_export_files", now=NOW)
    assert run.counts == {"export_files_deleted": 1}
    old.refresh_from_db()
    assert old.status == "expired" and not old.file
    assert not os.path.exists(path) and os.path.exists(fresh.file.path)
