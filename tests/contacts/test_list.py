"""Acceptance 4 and the list's search, filters, sort and keyset pages."""

import io
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts import selectors, services
from tests.contacts.conftest import give_credits, make_contact


def _fill(user, ws, n, *, start=0):
    give_credits(ws, n)
    for i in range(start, start + n):
        contact = services.contact_create(
            workspace=ws, user=user, idempotency_key=uuid.uuid4().hex,
            fields={"given_name": f"Person{i:03d}", "family_name": "Rich", "company": f"Co {i % 7}"},
            emails=[{"value": f"p{i}-{k}@example.com"} for k in range(3)],
            phones=[{"number": f"+1415555{i:04d}"}, {"number": f"+1212555{i:04d}"}],
            addresses=[{"city": "Oslo", "country": "Norway"}],
        )
        for t in range(3):
            services.contact_tag_add(contact=contact, tag_name=f"tag{t}", user=user)


def _queries(client, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/contacts/", params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("params", [{}, {"tag": "first", "sort": "created"}, {"q": "person"}],
                         ids=["plain", "tag-filter-sorted", "search"])
def test_list_query_count_is_the_same_at_10_and_200_rows(alice, alice_ws, alice_client, monkeypatch,
                                                         django_assert_num_queries, params):
    # Every row on one page, so 200 rows really are rendered with their emails, phones and tags.
    monkeypatch.setattr(selectors, "PAGE_SIZE", 250)
    monkeypatch.setattr(selectors, "SEARCH_LIMIT", 250)
    _fill(alice, alice_ws, 10)
    if params.get("tag") == "first":
        params = {**params, "tag": selectors.tags_for(workspace=alice_ws).first().id}
    alice_client.get("/contacts/")  # an established session: its first page also records the verified email
    alice_client.get("/contacts/", params)  # and warm the cached tag list
    at_10, response = _queries(alice_client, params)
    assert response.content.count(b'name="ids"') == 10
    assert at_10 <= 10
    _fill(alice, alice_ws, 190, start=10)
    with django_assert_num_queries(at_10):
        response = alice_client.get("/contacts/", params)
    assert response.content.count(b'name="ids"') == 200
    assert response.content.count(b'class="tag"') == 600


def test_keyset_pages_walk_every_contact_once_in_order(alice, alice_ws, alice_client, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 4)
    give_credits(alice_ws, 20)
    names = ["Émile Zola", "anna Berg", "Anna Adams", "Bob Brown", "carl Cox", "Zed Zero", "Mia Moe", "Ola Nordmann",
             "Ivy Ng", "Eve Eng"]
    for name in names:
        given, family = name.split()
        make_contact(alice, given_name=given, family_name=family)
    for sort in ["name", "company", "created", "updated"]:
        seen, after = [], ""
        for _ in range(10):
            page = selectors.contact_page(workspace=alice_ws, filters=selectors.ContactFilters(sort=sort, after=after))
            seen += [c.display_name for c in page.contacts]
            after = page.next_cursor
            if not after:
                break
        assert sorted(seen) == sorted(names), sort
        assert len(seen) == len(set(seen))
        if sort == "name":
            # Case and accents do not split the alphabet: "Émile" sorts with the e's.
            assert seen == ["Anna Adams", "anna Berg", "Bob Brown", "carl Cox", "Émile Zola", "Eve Eng", "Ivy Ng",
                            "Mia Moe", "Ola Nordmann", "Zed Zero"]
    # A tampered cursor is ignored, not an error.
    assert alice_client.get("/contacts/", {"after": "!!garbage"}).status_code == 200


def test_filters_narrow_the_list(alice, alice_ws, alice_client):
    give_credits(alice_ws, 5)
    a = make_contact(alice, given_name="Has", family_name="Email", emails=["a@example.com"], company="Acme")
    b = make_contact(alice, given_name="Has", family_name="Phone", phones=["+4722334455"])
    make_contact(alice, given_name="Has", family_name="Nothing")
    services.contact_tag_add(contact=b, tag_name="Friends", user=alice)
    field = services.custom_field_create(workspace=alice_ws, name="Tier", kind="choice", choices=["gold", "silver"])
    services.contact_update(contact=a, user=alice, fields={"given_name": "Has", "family_name": "Email",
                                                           "company": "Acme"},
                            emails=[{"value": "a@example.com"}], custom_values={field.key: "gold"})

    def names(**params):
        content = alice_client.get("/contacts/", params).content.decode()
        return {n for n in ["Has Email", "Has Phone", "Has Nothing"] if f">{n}</a>" in content}

    assert names() == {"Has Email", "Has Phone", "Has Nothing"}
    assert names(has_email="on") == {"Has Email"}
    assert names(has_phone="on") == {"Has Phone"}
    assert names(company="acme") == {"Has Email"}
    assert names(tag=selectors.tags_for(workspace=alice_ws).get(name="Friends").id) == {"Has Phone"}
    assert names(custom_field=field.id, custom_value="gold") == {"Has Email"}
    assert names(created_from="2000-01-01", created_to="2999-01-01") == {"Has Email", "Has Phone", "Has Nothing"}
    assert names(updated_from="2999-01-01") == set()


def test_htmx_search_answers_just_the_results(alice, alice_client):
    make_contact(alice, given_name="Live", family_name="Search")
    response = alice_client.get("/contacts/", {"q": "liv"}, headers={"HX-Request": "true", "HX-Target": "results"})
    assert b"Live Search" in response.content
    assert b"<html" not in response.content


@pytest.mark.parametrize("plan", ["read-tagged", "walk-index"])
def test_tag_filter_pages_are_the_same_whichever_plan_runs(alice, alice_ws, charlie, charlie_ws, monkeypatch, plan):
    # The page picks its plan from the tag's size (selectors._page_tag_filter); force each one
    # and check both give exactly the rows, order and pages of the plain filter.
    monkeypatch.setattr(selectors, "WALK_FACTOR", 0 if plan == "walk-index" else 10**6)
    monkeypatch.setattr(selectors, "PAGE_SIZE", 4)
    give_credits(alice_ws, 30)
    give_credits(charlie_ws, 5)
    for i in range(24):
        contact = make_contact(alice, given_name=f"P{i:02d}", family_name="Tagged" if i % 2 else "Plain",
                               emails=[f"p{i}@example.com"] if i % 3 else [], company=f"Co {i % 4}")
        if i % 2:
            services.contact_tag_add(contact=contact, tag_name="VIP", user=alice)
            if i == 5:
                services.contact_trash(contact=contact, user=alice)
    for i in range(3):  # charlie's own VIP contacts never show in alice's list
        services.contact_tag_add(contact=make_contact(charlie, given_name=f"C{i}"), tag_name="VIP", user=charlie)
    vip = selectors.tags_for(workspace=alice_ws).get(name="VIP")
    charlies_vip = selectors.tags_for(workspace=charlie_ws).get(name="VIP")

    for sort in selectors.SORTS:
        for has_email in (False, True):
            filters = selectors.ContactFilters(tag=vip.id, has_email=has_email, sort=sort)
            columns, descending = selectors.SORTS[sort]
            expected = list(selectors.contact_list(workspace=alice_ws, filters=filters)
                            .order_by(*[("-" if descending else "") + c for c in columns])
                            .values_list("id", flat=True))
            assert len(expected) == (7 if has_email else 11)  # 12 tagged, one in the trash
            seen, after = [], ""
            for _ in range(10):
                page = selectors.contact_page(workspace=alice_ws, filters=selectors.ContactFilters(
                    tag=vip.id, has_email=has_email, sort=sort, after=after))
                seen += [c.id for c in page.contacts]
                assert all([t.name for t in c.tag_list] == ["VIP"] for c in page.contacts)
                if not (after := page.next_cursor):
                    break
            assert seen == expected, (sort, has_email)
    # Another workspace's tag id filters alice's list down to nothing, in either plan.
    page = selectors.contact_page(workspace=alice_ws, filters=selectors.ContactFilters(tag=charlies_vip.id))
    assert page.contacts == []


def test_tag_filter_plan_follows_the_tags_size(alice, alice_ws, monkeypatch):
    give_credits(alice_ws, 12)
    contacts = [make_contact(alice, given_name=f"P{i}") for i in range(12)]
    for contact in contacts[:2]:
        services.contact_tag_add(contact=contact, tag_name="Few", user=alice)
    for contact in contacts:
        services.contact_tag_add(contact=contact, tag_name="All", user=alice)
    tags = {t.name: t.id for t in selectors.tags_for(workspace=alice_ws)}
    # 12 contacts: walk from isqrt(2 x 12) + 1 = 5 tagged contacts.
    monkeypatch.setattr(selectors, "WALK_FACTOR", 2)
    monkeypatch.setattr(selectors, "_live_contact_estimate", lambda workspace: 12)
    base = selectors.contact_list(workspace=alice_ws)

    def plan(tag_name):
        sql = str(selectors._page_tag_filter(base, workspace=alice_ws, tag_id=tags[tag_name]).query)
        assert ("OFFSET 0" in sql) != ("ANY(ARRAY" in sql)
        return "walk" if "OFFSET 0" in sql else "read-tagged"

    assert plan("Few") == "read-tagged"  # 2 tagged: read them
    assert plan("All") == "walk"  # 12 tagged: walk the list until the page is full
    # Counted afresh: untagging changes the plan at once.
    for contact in contacts[4:]:
        services.contact_tag_remove(contact=contact, tag=selectors.tags_for(workspace=alice_ws).get(name="All"),
                                    user=alice)
    assert plan("All") == "read-tagged"


def test_the_workspace_size_behind_the_plans_is_postgresqls_estimate_refreshed_by_a_bulk_load(
        alice, alice_ws, charlie, charlie_ws):
    from django.db import connection

    def analyze():
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE contacts_contact")

    give_credits(alice_ws, 100)
    give_credits(charlie_ws, 5)
    for i in range(40):
        make_contact(alice, given_name=f"P{i}")
    make_contact(charlie, given_name="C")
    analyze()
    estimate = selectors._live_contact_estimate(alice_ws)
    assert 30 <= estimate <= 50  # alice's 40, not the table's 41
    # Cached: it holds until the version moves (a bulk load ends, a tag or custom field
    # changes) or a minute passes.
    for i in range(40, 100):
        make_contact(alice, given_name=f"P{i}")
    analyze()
    assert selectors._live_contact_estimate(alice_ws) == estimate
    services.contacts_after_bulk_load(workspace_id=alice_ws.id)
    assert 80 <= selectors._live_contact_estimate(alice_ws) <= 120


def test_seed_demo_leaves_the_statistics_current(alice, alice_ws):
    from django.core.management import call_command

    assert selectors._live_contact_estimate(alice_ws) < 100  # and cached
    call_command("seed_demo", contacts=3000, workspace=alice.email, seed=1, stdout=io.StringIO())
    # No ANALYZE and no cache reset here: the command did both, so the plans see the
    # bulk-loaded workspace at once.
    assert 2500 <= selectors._live_contact_estimate(alice_ws) <= 3500
