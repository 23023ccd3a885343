from accounts.models import UsageEvent
from contacts import services
from tests.contacts.conftest import make_contact
from tests.contacts.helpers import contact_post_data


def test_editing_records_the_changed_fields_in_the_timeline(alice, alice_client):
    contact = make_contact(alice, given_name="Ed", family_name="It", emails=["ed@example.com"])
    data = contact_post_data(given="Ed", family="Itor", emails=["ed@example.com", "ed2@example.com"],
                             company="Acme", token="")
    assert alice_client.post(f"/contacts/{contact.id}/edit/", data).status_code == 302
    edit = contact.activities.get(kind="edited")
    assert sorted(edit.data["fields"]) == ["company", "display_name", "emails", "family_name"]
    # Saving again unchanged adds no timeline line.
    alice_client.post(f"/contacts/{contact.id}/edit/", data)
    assert contact.activities.filter(kind="edited").count() == 1
    page = alice_client.get(f"/contacts/{contact.id}/").content.decode()
    assert "Edited: last name, display name, company, emails" in page


def test_notes_tags_and_usage_events_are_recorded(alice, alice_ws, alice_client):
    contact = make_contact(alice)
    alice_client.post(f"/contacts/{contact.id}/notes/", {"body": "Called about the offer"})
    alice_client.post(f"/contacts/{contact.id}/tags/", {"name": "Clients"})
    alice_client.post(f"/contacts/{contact.id}/tags/", {"name": "clients"})  # same tag, attached once
    assert list(contact.tags.values_list("name", flat=True)) == ["Clients"]
    kinds = list(contact.activities.order_by("created_at", "id").values_list("kind", flat=True))
    assert kinds == ["created", "note_added", "tagged"]
    actions = set(UsageEvent.objects.filter(workspace=alice_ws).values_list("action", flat=True))
    assert {"contact.create", "contact.note", "contact.tag"} <= actions
    empty = alice_client.post(f"/contacts/{contact.id}/notes/", {"body": "   "})
    assert empty.status_code == 400 and b"This field is required" in empty.content
    services.contact_trash(contact=contact, user=alice)
    assert alice_client.post(f"/contacts/{contact.id}/notes/", {"body": "x"}).status_code == 404


def test_custom_fields_show_on_the_form_and_keep_values(alice, alice_ws, alice_client):
    assert alice_client.post("/contacts/fields/", {"name": "Tier", "kind": "choice", "choices": "gold, silver"}
                             ).status_code == 302
    assert alice_client.post("/contacts/fields/", {"name": "tier", "kind": "text"}).status_code == 400
    field = services.CustomField.objects.get(workspace=alice_ws)
    form = alice_client.get("/contacts/new/").content.decode()
    assert f'name="cf_{field.id}"' in form and "gold" in form
    data = contact_post_data(token="cf1", **{f"cf_{field.id}": "silver"})
    alice_client.post("/contacts/new/", data)
    contact = services.Contact.objects.get(workspace=alice_ws)
    assert contact.custom_values == {str(field.id): "silver"}
    assert "silver" in alice_client.get(f"/contacts/{contact.id}/").content.decode()


def test_add_another_row_works_without_javascript(alice_client):
    data = contact_post_data(emails=["one@example.com"], add_row="emails")
    response = alice_client.post("/contacts/new/", data)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="emails-1-value"' in content and 'value="one@example.com"' in content
    assert 'name="emails-TOTAL_FORMS" value="2"' in content


def test_inline_validation_answers_one_row_field(alice_client):
    headers = {"HX-Request": "true", "HX-Trigger-Name": "phones-0-number"}
    bad = alice_client.post("/contacts/validate/", {"phones-0-number": "12ab"}, headers=headers)
    assert b"Enter a valid phone number" in bad.content
    good = alice_client.post("/contacts/validate/", {"phones-0-number": "+44 20 7946 0958"}, headers=headers)
    assert good.content == b""
    headers["HX-Trigger-Name"] = "emails-3-value"
    assert b"Enter a valid email" in alice_client.post("/contacts/validate/", {"emails-3-value": "x@"},
                                                         headers=headers).content
    headers["HX-Trigger-Name"] = "given_name"
    assert alice_client.post("/contacts/validate/", {"given_name": ""}, headers=headers).content == b""
