"""Acceptance 2 and 3: bad input and missing credits save nothing and spend nothing."""

import pytest
from django.test import override_settings

from contacts.models import Activity, Contact, ContactEmail, ContactPhone, Tag
from credits import selectors as credit_selectors
from tests.contacts.conftest import workspace_of
from tests.contacts.helpers import contact_post_data
from tests.factories import make_user


def balance(ws):
    return credit_selectors.balance_for(workspace=ws)


def test_it_creates_a_contact_with_rows_spending_one_credit(alice_client, alice_ws):
    data = contact_post_data(emails=["Grace@Navy.mil", "grace@example.com"], phones=["+1 415 555 2671"],
                             addresses=[{"street": "1 Main St", "city": "Arlington", "country": "USA"}])
    response = alice_client.post("/contacts/new/", data)
    contact = Contact.objects.get(workspace=alice_ws)
    assert response.status_code == 302 and response["Location"] == f"/contacts/{contact.id}/"
    assert contact.display_name == "Grace Hopper"
    assert sorted(contact.emails.values_list("value_normalised", flat=True)) == ["grace@example.com", "grace@navy.mil"]
    assert contact.primary_email == "Grace@Navy.mil"  # shown as typed; matched lower-cased
    assert str(contact.phones.get().number) == "+14155552671"  # stored E.164
    assert contact.addresses.get().city == "Arlington"
    assert list(contact.activities.values_list("kind", flat=True)) == ["created"]
    assert balance(alice_ws) == 24


def test_a_double_submit_creates_one_contact_and_charges_once(alice_client, alice_ws):
    data = contact_post_data(emails=["grace@example.com"], token="same-token")
    first = alice_client.post("/contacts/new/", data)
    second = alice_client.post("/contacts/new/", data)
    assert Contact.objects.filter(workspace=alice_ws).count() == 1
    assert first["Location"] == second["Location"]
    assert balance(alice_ws) == 24


def test_a_reused_token_of_a_deleted_contact_is_refused_not_free(alice, alice_client, alice_ws):
    from contacts import services

    alice_client.post("/contacts/new/", contact_post_data(token="once"))
    contact = Contact.objects.get(workspace=alice_ws)
    services.contact_trash(contact=contact, user=alice)
    services.contact_delete_forever(contact=contact, user=alice)
    response = alice_client.post("/contacts/new/", contact_post_data(token="once"))
    assert response.status_code == 400
    assert b"already submitted" in response.content
    assert not Contact.objects.filter(workspace=alice_ws).exists()
    assert balance(alice_ws) == 24


@pytest.mark.parametrize(
    ("data", "field_error", "kept"),
    [
        (contact_post_data(phones=["12ab"]), b"Enter a valid phone number", b'value="12ab"'),
        (contact_post_data(emails=["not-an-email"]), b"Enter a valid email address", b'value="not-an-email"'),
        (contact_post_data(given="", family="", emails=["kept@example.com"]), b"Give the contact a name",
         b'value="kept@example.com"'),
    ],
    ids=["invalid-phone", "invalid-email", "empty-name"],
)
def test_bad_input_shows_field_errors_keeps_input_saves_and_spends_nothing(alice_client, alice_ws, data, field_error,
                                                                            kept):
    assert balance(alice_ws) == 25
    response = alice_client.post("/contacts/new/", {**data, "company": "Typed Company Ltd"})
    assert response.status_code == 400
    assert field_error in response.content
    assert kept in response.content
    assert b'value="Typed Company Ltd"' in response.content
    assert not Contact.objects.filter(workspace=alice_ws).exists()
    assert not ContactEmail.objects.exists() and not ContactPhone.objects.exists()
    assert balance(alice_ws) == 25

    # The same form, fixed, goes through: it failed for the stated reason only.
    fixed = contact_post_data(given="Grace", phones=["+14155552671"], emails=["grace@example.com"], token="t2")
    assert alice_client.post("/contacts/new/", fixed).status_code == 302
    assert balance(alice_ws) == 24


def test_editing_with_an_invalid_phone_keeps_input_and_changes_nothing(alice, alice_client, alice_ws):
    alice_client.post("/contacts/new/", contact_post_data(phones=["+14155552671"]))
    contact = Contact.objects.get(workspace=alice_ws)
    response = alice_client.post(f"/contacts/{contact.id}/edit/",
                                 contact_post_data(given="Renamed", phones=["nope"]))
    assert response.status_code == 400 and b"Enter a valid phone number" in response.content
    assert b'value="Renamed"' in response.content
    contact.refresh_from_db()
    assert contact.given_name == "Grace" and str(contact.phones.get().number) == "+14155552671"


def test_a_duplicate_tag_name_is_a_field_error_and_saves_nothing(alice_client, alice_ws):
    assert alice_client.post("/contacts/tags/", {"name": "VIP"}).status_code == 302
    response = alice_client.post("/contacts/tags/", {"name": "  vip "})
    assert response.status_code == 400
    assert "There is already a tag called “vip”".encode() in response.content
    assert b'value="  vip "' in response.content or b'value="vip"' in response.content
    assert list(Tag.objects.filter(workspace=alice_ws).values_list("name", flat=True)) == ["VIP"]
    assert balance(alice_ws) == 25
    assert alice_client.post("/contacts/tags/", {"name": "VIP 2"}).status_code == 302


def test_a_duplicate_tag_name_is_refused_by_the_database_too(alice_ws):
    from django.db import IntegrityError, transaction

    Tag.objects.create(workspace=alice_ws, name="Clients")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(workspace=alice_ws, name="CLIENTS")


@override_settings(SIGNUP_GRANT_CREDITS=0)
def test_with_zero_credits_creating_is_refused_with_a_link_to_buy(client, db):
    broke = make_user(email="broke@example.com", full_name="Broke Person")
    ws = workspace_of(broke)
    client.force_login(broke)
    assert balance(ws) == 0
    data = contact_post_data(given="Typed", family="Person", emails=["typed@example.com"], phones=["+14155552671"])
    response = client.post("/contacts/new/", data)
    assert response.status_code == 402
    assert b"This needs 1 credit and you have 0" in response.content
    assert b'href="/billing/"' in response.content
    assert b'value="typed@example.com"' in response.content and b'value="Typed"' in response.content
    assert not Contact.objects.filter(workspace=ws).exists()
    assert not Activity.objects.exists() and not ContactEmail.objects.exists()
    assert balance(ws) == 0
