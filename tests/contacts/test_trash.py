"""Acceptance 8 and the trash pages: soft delete, restore, delete forever, purge."""

import logging
from datetime import timedelta

import time_machine
from django.utils import timezone

from contacts import services
from contacts.models import Contact, ContactEmail
from essence.tasks import retention_run_task
from tests.contacts.conftest import give_credits, make_contact


def test_the_purge_deletes_only_contacts_trashed_longer_than_the_period(alice, alice_ws, charlie, settings, caplog):
    settings.CONTACTS_TRASH_DAYS = 30
    give_credits(alice_ws, 5)
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=40), tick=False):
        old = make_contact(alice, given_name="Old", emails=["old@example.com"])
        make_contact(alice, given_name="StillLive")
    with time_machine.travel(now - timedelta(days=31), tick=False):
        services.contact_trash(contact=old, user=alice)
        theirs = make_contact(charlie, given_name="TheirOld")
        services.contact_trash(contact=theirs, user=charlie)
    with time_machine.travel(now - timedelta(days=29), tick=False):
        recent = make_contact(alice, given_name="Recent")
        services.contact_trash(contact=recent, user=alice)
    with time_machine.travel(now - timedelta(days=30) + timedelta(minutes=1), tick=False):
        edge = make_contact(alice, given_name="Edge")
        services.contact_trash(contact=edge, user=alice)

    with time_machine.travel(now, tick=False), caplog.at_level(logging.INFO, logger="contacts.services"):
        retention_run_task.delay("trashed_contacts")
    assert set(Contact.objects.values_list("given_name", flat=True)) == {"StillLive", "Recent", "Edge"}
    assert not ContactEmail.objects.filter(value="old@example.com").exists()
    assert "'contacts_deleted': 2" in caplog.text  # the RetentionRun log line

    # Idempotent: running again deletes nothing more.
    with time_machine.travel(now, tick=False):
        assert services.contacts_purge_trashed() == 0
    with time_machine.travel(now + timedelta(days=2), tick=False):
        assert services.contacts_purge_trashed(batch_size=1) == 2  # batches of one still finish
    assert list(Contact.objects.values_list("given_name", flat=True)) == ["StillLive"]


def test_trash_restore_and_delete_forever_through_the_pages(alice, alice_client):
    contact = make_contact(alice, given_name="Tina", family_name="Trash")
    assert alice_client.post(f"/contacts/{contact.id}/delete/").status_code == 404  # only from the trash
    alice_client.post(f"/contacts/{contact.id}/trash/")
    link = f'href="/contacts/{contact.id}/"'.encode()
    assert link not in alice_client.get("/contacts/").content
    assert link in alice_client.get("/contacts/trash/").content
    alice_client.post(f"/contacts/{contact.id}/restore/")
    assert link in alice_client.get("/contacts/").content
    kinds = list(contact.activities.order_by("created_at", "id").values_list("kind", flat=True))
    assert kinds == ["created", "trashed", "restored"]
    alice_client.post(f"/contacts/{contact.id}/trash/")
    alice_client.post(f"/contacts/{contact.id}/delete/")
    assert not Contact.objects.filter(pk=contact.pk).exists()
