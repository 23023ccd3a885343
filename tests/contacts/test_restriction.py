"""Restricted processing (privacy center) freezes contacts: read-only, no reminders sent or
charged, imports pause; reading and exporting stay open."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contacts import services
from contacts.importing import services as import_services
from contacts.models import Contact, ImportJob, Reminder
from credits.selectors import balance_for
from privacy import services as privacy_services
from tests.contacts.conftest import make_contact


def restrict(user, on=True):
    privacy_services.privacy_settings_update(user=user, analytics_objected=False, marketing_objected=False,
                                             processing_restricted=on)


@pytest.mark.django_db
def test_restricted_contacts_are_read_only_but_readable_and_exportable(alice, alice_client, alice_ws):
    contact = make_contact(alice, given_name="Ada")
    restrict(alice)

    for url, data in [("/contacts/new/", {"given_name": "New"}), (f"/contacts/{contact.id}/edit/", {}),
                      (f"/contacts/{contact.id}/notes/", {"body": "hi"}), (f"/contacts/{contact.id}/trash/", {}),
                      ("/contacts/bulk/", {"action": "trash", "ids": [contact.id]}), ("/contacts/import/", {})]:
        response = alice_client.post(url, data)
        assert response.status_code == 403, url
        assert "read-only" in response.content.decode()
    contact.refresh_from_db()
    assert contact.deleted_at is None and not contact.notes.exists()
    assert Contact.objects.filter(workspace=alice_ws).count() == 1
    assert alice_client.get("/contacts/").status_code == 200
    assert alice_client.get(f"/contacts/{contact.id}/").status_code == 200
    export = alice_client.get("/contacts/export/?format=csv&download=1")
    assert b"Ada" in b"".join(export.streaming_content)

    restrict(alice, on=False)
    assert alice_client.post(f"/contacts/{contact.id}/notes/", {"body": "back"}).status_code == 302
    assert contact.notes.count() == 1


@pytest.mark.django_db
def test_no_reminder_is_sent_or_charged_while_restricted(alice, alice_ws, mailoutbox,
                                                         django_capture_on_commit_callbacks):
    contact = make_contact(alice)
    reminder = services.reminder_create(contact=contact, user=alice, due_at=timezone.now() + timedelta(minutes=1),
                                        message="Call back")
    Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    restrict(alice)
    balance = balance_for(workspace=alice_ws)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminder_send(reminder_id=reminder.id) == "skipped"
    reminder.refresh_from_db()
    assert (reminder.status, reminder.sent_at) == ("pending", None)
    assert balance_for(workspace=alice_ws) == balance and mailoutbox == []

    restrict(alice, on=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminder_send(reminder_id=reminder.id) == "sent"
    assert balance_for(workspace=alice_ws) == balance - 1 and len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_running_import_pauses_when_processing_is_restricted(alice, alice_ws):
    job = import_services.import_upload(workspace=alice_ws, user=alice,
                                        uploaded=SimpleUploadedFile("a.csv", b"Name,Email\nAda,ada@example.com\n"))
    ImportJob.objects.filter(pk=job.pk).update(status="queued")
    restrict(alice)
    job = import_services.import_run(job_id=job.pk)
    assert job.status == "paused" and "restricted" in job.message
    assert not Contact.objects.filter(workspace=alice_ws).exists()
