"""Acceptance 6: duplicates by email and by phone; merge keeps everything of both."""

from datetime import timedelta

from django.utils import timezone

from contacts import selectors, services
from contacts.models import Activity, Contact, Note, Reminder
from tests.contacts.conftest import give_credits, make_contact


def _group_of(groups, contact):
    return next(({c.id for c in g["contacts"]}, g["reasons"]) for g in groups if contact in g["contacts"])


def test_it_finds_same_email_and_same_phone_pairs_only(alice, alice_ws, charlie):
    give_credits(alice_ws, 10)
    a1 = make_contact(alice, given_name="Ann", family_name="One", emails=["Ann@Example.com"])
    a2 = make_contact(alice, given_name="Annie", family_name="Uno", emails=["ann@example.COM", "other@example.com"])
    p1 = make_contact(alice, given_name="Pat", family_name="Two", phones=["+44 20 7946 0958"])
    p2 = make_contact(alice, given_name="Patrick", family_name="Deux", phones=["+442079460958"])
    n1 = make_contact(alice, given_name="Sam", family_name="Lee")
    n2 = make_contact(alice, given_name="sam", family_name="LEE")
    loner = make_contact(alice, given_name="Lone", family_name="Wolf", emails=["lone@example.com"])
    make_contact(charlie, given_name="Lone", family_name="Wolf", emails=["lone@example.com"])  # other workspace
    groups = selectors.duplicate_groups(workspace=alice_ws)
    assert _group_of(groups, a1) == ({a1.id, a2.id}, ["same email ann@example.com"])
    assert _group_of(groups, p1) == ({p1.id, p2.id}, ["same phone +442079460958"])
    assert _group_of(groups, n1)[0] == {n1.id, n2.id}
    assert all(loner not in g["contacts"] for g in groups)
    assert len(groups) == 3


def test_merge_keeps_every_email_phone_note_and_timeline_entry_of_both(alice, alice_ws, alice_client):
    give_credits(alice_ws, 5)
    keep = make_contact(alice, given_name="Ann", family_name="One", emails=["ann@example.com", "a1@example.com"],
                        phones=["+14155552671"], company="")
    other = make_contact(alice, given_name="Annie", family_name="Uno", emails=["ANN@example.com", "a2@example.com"],
                         phones=["+442079460958"], company="Acme", addresses=[{"city": "Leeds"}])
    services.note_add(contact=keep, user=alice, body="note on keep")
    services.note_add(contact=other, user=alice, body="note on other")
    services.contact_tag_add(contact=other, tag_name="client", user=alice)
    services.reminder_create(contact=other, user=alice, due_at=timezone.now() + timedelta(days=2), message="call")
    other_kinds = list(Activity.objects.filter(contact=other).values_list("kind", flat=True))
    keep_activity_count = Activity.objects.filter(contact=keep).count()

    page = alice_client.get(f"/contacts/merge/{keep.id}/{other.id}/")
    assert page.status_code == 200 and b"Annie" in page.content
    response = alice_client.post(f"/contacts/merge/{keep.id}/{other.id}/",
                                 {"given_name": "other", "family_name": "keep"})
    assert response.status_code == 302

    keep.refresh_from_db()
    other.refresh_from_db()
    assert (keep.given_name, keep.family_name, keep.company) == ("Annie", "One", "Acme")
    assert sorted(keep.emails.values_list("value_normalised", flat=True)) == [
        "a1@example.com", "a2@example.com", "ann@example.com"]
    assert keep.emails.filter(is_primary=True).count() == 1
    assert sorted(str(n) for n in keep.phones.values_list("number", flat=True)) == ["+14155552671", "+442079460958"]
    assert list(keep.addresses.values_list("city", flat=True)) == ["Leeds"]
    assert sorted(Note.objects.filter(contact=keep).values_list("body", flat=True)) == ["note on keep",
                                                                                         "note on other"]
    assert list(keep.tags.values_list("name", flat=True)) == ["client"]
    assert Reminder.objects.filter(contact=keep).count() == 1
    kept_kinds = list(Activity.objects.filter(contact=keep).values_list("kind", flat=True))
    assert len(kept_kinds) == keep_activity_count + len(other_kinds) + 1
    assert "merged" in kept_kinds
    assert sorted(k for k in kept_kinds if k != "merged") == sorted(
        list(Activity.objects.filter(contact=keep, data__from_contact__isnull=True)
             .exclude(kind="merged").values_list("kind", flat=True)) + other_kinds)
    # The merged-away contact is in the trash with its own rows, and can be restored.
    assert other.deleted_at is not None
    assert other.emails.count() == 2 and Note.objects.filter(contact=other).count() == 1
    assert alice_client.post(f"/contacts/{other.id}/restore/").status_code == 302
    assert Contact.objects.get(pk=other.pk).deleted_at is None
    # Search finds the merged contact by the other's email now.
    assert [c.id for c in selectors.contact_page(workspace=alice_ws, filters=selectors.ContactFilters(
        q="a2@example.com")).contacts][:1] in ([keep.id], [other.id])


def test_duplicates_page_links_to_merge(alice, alice_ws, alice_client):
    give_credits(alice_ws, 2)
    a = make_contact(alice, given_name="Kim", family_name="A", emails=["kim@example.com"])
    b = make_contact(alice, given_name="Kim", family_name="B", emails=["kim@example.com"])
    content = alice_client.get("/contacts/duplicates/").content.decode()
    assert f"/contacts/merge/{a.id}/{b.id}/" in content
    assert "same email kim@example.com" in content
