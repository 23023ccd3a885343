from django.core.management import call_command

from contacts import selectors
from contacts.models import Contact
from credits import selectors as credit_selectors


def test_seed_demo_fills_a_workspace_searchable_without_spending(alice, alice_ws, alice_client, capsys):
    call_command("seed_demo", "--contacts", "300", "--workspace", "ALICE@example.com", "--seed", "7")
    assert Contact.objects.filter(workspace=alice_ws).count() == 300
    assert credit_selectors.balance_for(workspace=alice_ws) == 25
    assert "Added 300 contacts" in capsys.readouterr().out
    some = (Contact.objects.filter(workspace=alice_ws, family_name__regex=r"^[A-Za-z]{5,}$")
            .exclude(primary_email="").first())
    page = selectors.contact_page(workspace=alice_ws, filters=selectors.ContactFilters(q=some.primary_email))
    assert some in page.contacts
    typo = some.family_name[:2] + some.family_name[3] + some.family_name[2] + some.family_name[4:]
    page = selectors.contact_page(workspace=alice_ws, filters=selectors.ContactFilters(q=typo))
    assert page.contacts
    assert alice_client.get("/contacts/").status_code == 200
