from contacts.models import Contact
from credits import selectors as credit_selectors
from tests.contacts.conftest import make_contact


def test_it_creates_a_contact_and_spends_one_credit(alice, alice_ws, alice_client):
    c = make_contact(alice, emails=["Ada@Example.com", "ada2@example.com"], phones=["+44 20 7946 0958"])
    assert credit_selectors.balance_for(workspace=alice_ws) == 24
    assert c.primary_email == "ada@example.com"
    assert Contact.objects.get(pk=c.pk).search_document
    r = alice_client.get("/contacts/")
    assert r.status_code == 200 and b"Ada Lovelace" in r.content
    for q in ["ada", "Lovlace", "0958", "ada@example.com", "7946"]:
        r = alice_client.get("/contacts/", {"q": q})
        assert b"Ada Lovelace" in r.content, q
    r = alice_client.get(f"/contacts/{c.id}/")
    assert r.status_code == 200
    for url in ["/contacts/new/", "/contacts/trash/", "/contacts/duplicates/", "/contacts/tags/", "/contacts/fields/",
                "/contacts/reminders/", "/app/", f"/contacts/{c.id}/edit/"]:
        assert alice_client.get(url).status_code == 200, url
