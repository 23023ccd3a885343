"""Search: prefix, typos (deletion variants, no pg_trgm), phone digits, exact email, ranking."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts import search, selectors, services
from tests.contacts.conftest import give_credits, make_contact


@pytest.fixture(autouse=True, params=["gin-index", "scan-workspace"])
def search_plan(request, monkeypatch):
    """Every search test runs under both plans (selectors.SCAN_WORKSPACE_UP_TO)."""
    monkeypatch.setattr(selectors, "SCAN_WORKSPACE_UP_TO", -1 if request.param == "gin-index" else 10**9)
    return request.param


def found(ws, q):
    page = selectors.contact_page(workspace=ws, filters=selectors.ContactFilters(q=q))
    return [c.display_name for c in page.contacts]


@pytest.fixture
def people(alice, alice_ws):
    give_credits(alice_ws, 10)
    return {
        "john": make_contact(alice, given_name="John", family_name="Smith", company="Northwind Traders",
                             emails=["j.smith@northwind.example"], phones=["+44 20 7946 0958"]),
        "zoe": make_contact(alice, given_name="Zoë", family_name="Ørsted", emails=["zoe@example.com"],
                            phones=["+1 415 555 2671"]),
        "jane": make_contact(alice, given_name="Jane", family_name="Smithers", company="Contoso"),
        "bob": make_contact(alice, given_name="Bob", family_name="Jones"),
    }


def test_prefix_search_finds_names_as_you_type(alice_ws, people):
    assert set(found(alice_ws, "smi")) == {"John Smith", "Jane Smithers"}
    assert found(alice_ws, "jo sm") == ["John Smith"]
    assert found(alice_ws, "north") == ["John Smith"]
    assert found(alice_ws, "zoe ors") == ["Zoë Ørsted"]  # accents folded both ways
    assert found(alice_ws, "ZOË") == ["Zoë Ørsted"]


@pytest.mark.parametrize("typo", ["Jonh Smiht", "Jhon Smith", "John Smoth", "Johnn Smith", "Jon Smith", "smiht"])
def test_typos_find_the_contact(alice_ws, people, typo):
    assert "John Smith" in found(alice_ws, typo)


def test_typo_results_come_after_exact_ones_and_unrelated_names_stay_out(alice_ws, people):
    results = found(alice_ws, "smith")
    assert results[0] == "John Smith"
    assert "Bob Jones" not in found(alice_ws, "Jonh Smiht")


def test_phone_digits_find_the_contact(alice_ws, people):
    for q in ["0958", "7946 0958", "+44 20 7946", "2079460958", "555-2671"]:
        assert found(alice_ws, q)[:1] == ["John Smith" if "2671" not in q else "Zoë Ørsted"], q
    assert found(alice_ws, "123") == []  # fewer than 4 digits is not a phone search


def test_exact_email_and_email_words(alice_ws, people):
    assert found(alice_ws, "J.Smith@Northwind.example") == ["John Smith"]
    assert found(alice_ws, "northwind.example") == ["John Smith"]


def test_search_follows_edits_and_notes(alice, alice_ws, people):
    john = people["john"]
    services.note_add(contact=john, user=alice, body="Met at the Lisbon conference")
    assert found(alice_ws, "lisbon") == ["John Smith"]
    services.contact_update(contact=john, user=alice, fields={"given_name": "Johnny", "family_name": "Smith"},
                            phones=[{"number": "+33 1 23 45 67 89"}])
    assert found(alice_ws, "johnny") == ["Johnny Smith"]
    assert found(alice_ws, "0958") == []
    assert found(alice_ws, "4567") == ["Johnny Smith"]


def test_deletion_variants_meet_within_one_edit():
    assert search.deletion_variants("john") & search.deletion_variants("jonh")
    assert search.deletion_variants("smith") & search.deletion_variants("smoth")
    assert not search.deletion_variants("john") & search.deletion_variants("mary")


def test_trashed_contacts_are_not_found(alice, alice_ws, people):
    services.contact_trash(contact=people["bob"], user=alice)
    assert found(alice_ws, "bob") == []


def test_another_workspaces_contacts_are_never_found(charlie, charlie_ws, alice_ws, people):
    give_credits(charlie_ws, 1)
    make_contact(charlie, given_name="John", family_name="Smithson", phones=["+44 20 7946 0959"])
    for q in ["smi", "Jonh Smiht", "7946", "smithson"]:
        assert "John Smithson" not in found(alice_ws, q), q


def test_the_plan_follows_the_workspaces_size(alice_ws, people, monkeypatch):
    monkeypatch.setattr(selectors, "SCAN_WORKSPACE_UP_TO", 3_000)

    def sql_for(estimate):
        monkeypatch.setattr(selectors, "_live_contact_estimate", lambda workspace: estimate)
        with CaptureQueriesContext(connection) as queries:
            assert found(alice_ws, "Jonh Smiht") == ["John Smith"]  # both passes run
        return " ".join(q["sql"] for q in queries.captured_queries)

    small, large = sql_for(40), sql_for(50_000)
    assert small.count("|| ''::tsvector") == 2  # prefix and typo passes read the workspace's rows
    assert "|| ''::tsvector" not in large and large.count("@@") >= 2  # both through the GIN indexes
