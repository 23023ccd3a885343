"""The database keeps every row of a contact in the contact's workspace (migration 0005):
a row pointing at another workspace's contact, or a contact tag at another workspace's
tag, is refused, whatever code wrote it."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from contacts.models import (
    Activity,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Note,
    Reminder,
    Tag,
)
from tests.contacts.conftest import give_credits, make_contact

ROWS = {
    "email": lambda ws, c: ContactEmail(workspace=ws, contact=c, value="x@example.com",
                                        value_normalised="x@example.com"),
    "phone": lambda ws, c: ContactPhone(workspace=ws, contact=c, number="+442071838750"),
    "address": lambda ws, c: ContactAddress(workspace=ws, contact=c, city="Leeds"),
    "note": lambda ws, c: Note(workspace=ws, contact=c, body="hello"),
    "activity": lambda ws, c: Activity(workspace=ws, contact=c, kind=Activity.Kind.EDITED),
    "reminder": lambda ws, c: Reminder(workspace=ws, contact=c, message="call",
                                       due_at=timezone.now() + datetime.timedelta(days=1)),
}


def _checked_now(save):
    """Save, then check the deferred keys at once (they are otherwise checked at commit)."""
    with transaction.atomic():
        save()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.fixture
def contacts(alice, alice_ws, charlie, charlie_ws):
    give_credits(alice_ws, 1)
    give_credits(charlie_ws, 1)
    return make_contact(alice, given_name="Alice's"), make_contact(charlie, given_name="Charlie's")


@pytest.mark.parametrize("kind", sorted(ROWS))
def test_a_row_of_a_contact_must_be_in_the_contacts_workspace(kind, alice_ws, charlie_ws, contacts):
    alices_contact, _ = contacts
    _checked_now(lambda: ROWS[kind](alice_ws, alices_contact).save())  # its own workspace: fine
    with pytest.raises(IntegrityError):
        _checked_now(lambda: ROWS[kind](charlie_ws, alices_contact).save())


def test_a_contact_tag_must_join_a_contact_and_a_tag_of_one_workspace(alice_ws, charlie_ws, contacts):
    alices_contact, charlies_contact = contacts
    alices_tag = Tag.objects.create(workspace=alice_ws, name="Mine")
    charlies_tag = Tag.objects.create(workspace=charlie_ws, name="Theirs")
    _checked_now(lambda: ContactTag.objects.create(workspace=alice_ws, contact=alices_contact, tag=alices_tag))
    for workspace, contact, tag in [(alice_ws, alices_contact, charlies_tag),
                                    (charlie_ws, alices_contact, charlies_tag),
                                    (alice_ws, charlies_contact, alices_tag)]:
        with pytest.raises(IntegrityError):
            _checked_now(lambda w=workspace, c=contact, t=tag: ContactTag.objects.create(workspace=w, contact=c, tag=t))


def test_a_row_pointing_at_no_contact_is_refused(alice_ws, contacts):
    alices_contact, _ = contacts
    missing = type(alices_contact)(id=alices_contact.id + 10_000, workspace=alice_ws)
    with pytest.raises(IntegrityError):
        _checked_now(lambda: ROWS["email"](alice_ws, missing).save())
