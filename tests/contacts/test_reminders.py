"""Acceptance 7: a due reminder is emailed exactly once through the Celery task, even when
two runs of the job overlap; one that cannot be paid is marked and shown, then retried."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from contacts import services
from contacts.models import Activity, Reminder
from contacts.tasks import reminders_send_due_task
from credits import selectors as credit_selectors
from credits.models import LedgerEntry
from tests.contacts.conftest import give_credits, make_contact, workspace_of
from tests.factories import ensure_seed_data, make_user


def _due_reminder(user, message="Call about the contract"):
    contact = make_contact(user, given_name="Rita", family_name="Due")
    reminder = services.reminder_create(contact=contact, user=user, due_at=timezone.now() + timedelta(minutes=5),
                                        message=message)
    Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    return contact, reminder


@pytest.mark.django_db(transaction=True)
def test_a_due_reminder_is_emailed_once_when_two_ticks_overlap(monkeypatch, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ensure_seed_data()
    owner = make_user(email="owner@example.com", full_name="Olive Owner")
    ws = workspace_of(owner)
    contact, reminder = _due_reminder(owner)
    balance_before = credit_selectors.balance_for(workspace=ws)
    mail.outbox = []

    # Both ticks read the due list before either claims: the overlap is certain, not lucky.
    both_listed = threading.Barrier(2, timeout=10)
    original = services.reminders_due_ids

    def listed_then_wait(**kwargs):
        ids = original(**kwargs)
        both_listed.wait()
        return ids

    monkeypatch.setattr(services, "reminders_due_ids", listed_then_wait)
    errors = []

    def tick():
        try:
            reminders_send_due_task.delay()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []

    reminder.refresh_from_db()
    assert reminder.status == "sent" and reminder.sent_at is not None
    sent = [m for m in mail.outbox if m.to == ["owner@example.com"] and "Reminder" in m.subject]
    assert len(sent) == 1
    assert "Call about the contract" in sent[0].body and f"/contacts/{contact.id}/" in sent[0].body
    assert LedgerEntry.objects.filter(workspace=ws, action="reminder.email").count() == 1
    assert credit_selectors.balance_for(workspace=ws) == balance_before - 1
    assert Activity.objects.filter(contact=contact, kind="reminder_sent").count() == 1

    # A third run later sends nothing more.
    monkeypatch.setattr(services, "reminders_due_ids", original)
    reminders_send_due_task.delay()
    assert len([m for m in mail.outbox if "Reminder" in m.subject]) == 1


def test_an_unpaid_reminder_is_marked_shown_and_sent_after_buying(alice, alice_ws, alice_client, mailoutbox,
                                                                 django_capture_on_commit_callbacks):
    contact, reminder = _due_reminder(alice, message="Send the quote")
    from credits import services as credit_services

    credit_services.adjust(workspace=alice_ws, amount=-credit_selectors.balance_for(workspace=alice_ws),
                           reason="test: empty the balance", created_by=alice, idempotency_key="empty")
    reminders_send_due_task.delay()
    reminder.refresh_from_db()
    assert reminder.status == "unpaid" and reminder.sent_at is None
    assert [m for m in mailoutbox if "Reminder" in m.subject] == []
    page = alice_client.get(f"/contacts/{contact.id}/").content.decode()
    assert "not sent: not enough credits" in page and 'href="/billing/"' in page
    assert "not sent: not enough credits" in alice_client.get("/contacts/reminders/").content.decode()
    assert Activity.objects.filter(contact=contact, kind="reminder_unpaid").count() == 1

    reminders_send_due_task.delay()  # still no credits: still unpaid, one timeline line only
    assert Activity.objects.filter(contact=contact, kind="reminder_unpaid").count() == 1

    give_credits(alice_ws, 5)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send_due_task.delay()
    reminder.refresh_from_db()
    assert reminder.status == "sent"
    assert len([m for m in mailoutbox if "Send the quote" in m.body]) == 1
    assert credit_selectors.balance_for(workspace=alice_ws) == 4


def test_reminders_not_due_done_or_on_trashed_contacts_are_not_sent(alice, mailoutbox):
    contact, due = _due_reminder(alice)
    later = services.reminder_create(contact=contact, user=alice, due_at=timezone.now() + timedelta(hours=1),
                                     message="later")
    services.reminder_mark_done(reminder=due, user=alice)
    other, on_trashed = _due_reminder(alice)
    services.contact_trash(contact=other, user=alice)
    assert services.reminders_send_due() == {"sent": 0, "unpaid": 0, "skipped": 0}
    for r in (due, later, on_trashed):
        r.refresh_from_db()
        assert r.sent_at is None
    assert mailoutbox == []


def test_the_beat_schedule_runs_the_jobs(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "contacts.tasks.reminders_send_due_task" in tasks
    assert settings.CELERY_BEAT_SCHEDULE["retention-trashed_contacts"]["args"] == ["trashed_contacts"]
