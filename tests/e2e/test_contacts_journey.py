"""Acceptance 1: the contacts journey in a real browser, with screenshots of each step."""

import re

from playwright.sync_api import expect

from contacts.models import Activity, Contact
from tests.contacts.conftest import make_contact
from tests.factories import DEFAULT_PASSWORD, make_user


def _log_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/app/")


def test_contacts_journey(page, live_server, e2e_db):
    user = make_user(email="maya@example.com", full_name="Maya Lindqvist")
    make_contact(user, given_name="Otto", family_name="Other", emails=["otto@example.com"])
    shots = page.shots
    _log_in(page, "maya@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    page.wait_for_url("**/contacts/")

    # Create a contact with two emails, a phone and an address.
    page.get_by_role("link", name="New contact").first.click()
    page.get_by_label("First name").fill("Johanna")
    page.get_by_label("Last name").fill("Lindqvist")
    page.get_by_label("Company").fill("Northwind Traders")
    page.locator("#id_emails-0-value").fill("johanna@northwind.example")
    page.get_by_role("button", name="Add another email").click()  # JavaScript adds the row in place
    page.locator("#id_emails-1-value").fill("jo.lindqvist@example.com")
    page.locator("#id_emails-1-label").fill("home")
    # Inline validation on leaving the field (htmx), before any submit.
    page.locator("#id_phones-0-number").fill("12ab")
    page.locator("#id_phones-0-label").focus()
    expect(page.get_by_text("Enter a valid phone number")).to_be_visible()
    page.locator("#id_phones-0-number").fill("+1 415 555 2671")
    page.locator("#id_phones-0-label").focus()
    expect(page.get_by_text("Enter a valid phone number")).to_have_count(0)
    page.locator("#id_addresses-0-street").fill("12 Harbour Road")
    page.locator("#id_addresses-0-city").fill("Bristol")
    page.locator("#id_addresses-0-country").fill("United Kingdom")
    shots.take("create-filled")
    page.get_by_role("button", name="Create contact").click()
    page.wait_for_url(re.compile(r".*/contacts/\d+/$"))
    expect(page.get_by_role("heading", name="Johanna Lindqvist")).to_be_visible()
    expect(page.get_by_text("jo.lindqvist@example.com")).to_be_visible()
    expect(page.get_by_text("+1 415-555-2671")).to_be_visible()
    expect(page.get_by_text("12 Harbour Road")).to_be_visible()
    shots.take("created")
    contact = Contact.objects.get(display_name="Johanna Lindqvist")
    assert contact.emails.count() == 2

    # It is in the list; search finds it by a misspelt name and by phone digits (htmx, no reload).
    page.goto("/contacts/")
    rows = page.locator("#results tbody tr")
    expect(rows.filter(has_text="Johanna Lindqvist")).to_have_count(1)
    expect(rows).to_have_count(2)
    shots.take("list")
    page.get_by_label("Search contacts").fill("Johana Lindqvsit")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Johanna Lindqvist")
    expect(page.get_by_text("including close spellings")).to_be_visible()
    shots.take("search-misspelt")
    # Back to both contacts first, so the one row below can only be the digits' answer.
    page.get_by_label("Search contacts").fill("")
    expect(rows).to_have_count(2)
    page.get_by_label("Search contacts").fill("2671")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Johanna Lindqvist")
    expect(page.get_by_text("1 best match")).to_be_visible()
    expect(page.get_by_text("including close spellings")).to_have_count(0)  # digits match exactly
    shots.take("search-phone-digits")

    # Add a note and a tag.
    rows.first.get_by_role("link", name="Johanna Lindqvist").click()
    page.wait_for_url(f"**/contacts/{contact.id}/")
    page.get_by_label("Note").fill("Met at the Bristol fintech meetup; wants a demo in March.")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_text("wants a demo in March.").first).to_be_visible()
    page.get_by_label("Tag name").fill("Investor")
    page.get_by_role("button", name="Add tag").click()
    expect(page.locator("#tags .tag", has_text="Investor")).to_be_visible()
    shots.take("note-and-tag")

    # Filter the list by the tag.
    page.goto("/contacts/")
    page.get_by_text("Filters and sort").click()
    page.get_by_label("Tag", exact=True).select_option(label="Investor")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Johanna Lindqvist")
    assert "tag=" in page.url  # the filtered list has its own URL (htmx pushes it)
    shots.take("filtered-by-tag")

    # Move to trash, then restore.
    rows.first.get_by_role("link", name="Johanna Lindqvist").click()
    page.get_by_role("button", name="Move to trash").click()
    expect(page.get_by_text("This contact is in the trash")).to_be_visible()
    shots.take("trashed")
    page.goto("/contacts/trash/")
    expect(page.get_by_role("link", name="Johanna Lindqvist")).to_be_visible()
    shots.take("trash-page")
    page.get_by_role("button", name="Restore").click()
    page.wait_for_url(f"**/contacts/{contact.id}/")
    expect(page.get_by_text("Johanna Lindqvist was restored.")).to_be_visible()

    # The timeline shows each step.
    timeline = page.locator("#timeline")
    for text in ["Created", "Note added", "Tagged: Investor", "Moved to trash", "Restored"]:
        expect(timeline.get_by_text(text, exact=False).first).to_be_visible()
    kinds = list(Activity.objects.filter(contact=contact).order_by("created_at", "id").values_list("kind", flat=True))
    assert kinds == ["created", "note_added", "tagged", "trashed", "restored"]
    shots.take("timeline")

    # Phone width: the list and the contact page stay usable.
    page.set_viewport_size({"width": 390, "height": 844})
    shots.take("detail-phone")
    page.goto("/contacts/")
    shots.take("list-phone")
    page.goto(f"/contacts/{contact.id}/edit/")
    shots.take("edit-phone")
