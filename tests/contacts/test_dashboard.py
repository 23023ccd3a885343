from tests.contacts.conftest import make_contact


def test_the_dashboard_card_shows_the_count_and_recent_contacts(alice, alice_client, charlie):
    page = alice_client.get("/app/").content.decode()
    assert "no contacts yet" in page and 'href="/contacts/new/"' in page
    make_contact(alice, given_name="Recent", family_name="One")
    make_contact(charlie, given_name="Not", family_name="Mine")
    page = alice_client.get("/app/").content.decode()
    assert "<strong>1</strong> contact." in page
    assert ">Recent One</a>" in page and "Not Mine" not in page


def test_the_nav_links_to_the_contacts_list(alice_client):
    assert 'href="/contacts/">Contacts</a>' in alice_client.get("/app/").content.decode()
