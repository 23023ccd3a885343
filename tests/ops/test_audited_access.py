"""Acceptance 2 of issue 8: a customer's contacts open to staff only with a reason; each
look is in the access log, which the customer sees in their privacy center."""

import pytest
from django.test import Client

from privacy.models import AccessLog
from tests.contacts.conftest import make_contact
from tests.factories import make_user


def contacts_url(ws):
    return f"/admin/accounts/workspace/{ws.pk}/contacts/"


def access_url(ws):
    return f"/admin/accounts/workspace/{ws.pk}/contacts/access/"


@pytest.mark.django_db
def test_the_workspace_page_links_to_the_contacts(staff_client, alice_ws):
    page = staff_client.get(f"/admin/accounts/workspace/{alice_ws.pk}/change/").content.decode()
    assert f'href="{contacts_url(alice_ws)}"' in page and "View contacts…" in page


@pytest.mark.django_db
def test_it_refuses_the_contacts_without_a_reason(staff_client, alice, alice_ws):
    make_contact(alice, given_name="Ada", family_name="Lovelace")

    response = staff_client.get(contacts_url(alice_ws))
    assert response.status_code == 302 and response["Location"].startswith(access_url(alice_ws))
    response = staff_client.post(access_url(alice_ws), {"reason": "   "})
    assert response.status_code == 400
    page = response.content.decode()
    assert "a reason is required" in page and "Ada Lovelace" not in page
    assert staff_client.get(contacts_url(alice_ws)).status_code == 302
    assert not AccessLog.objects.exists()

    # The same request with a reason goes through: it failed for the missing reason only.
    response = staff_client.post(access_url(alice_ws), {"reason": "Support #42: import failed"})
    assert response.status_code == 302 and response["Location"] == contacts_url(alice_ws)


@pytest.mark.django_db
def test_with_a_reason_every_view_is_logged_and_the_customer_sees_it(staff_client, alice, alice_client, alice_ws):
    ada = make_contact(alice, given_name="Ada", family_name="Lovelace", emails=["ada@example.com"])
    staff_client.post(access_url(alice_ws), {"reason": "Support #42: import failed"})

    page = staff_client.get(contacts_url(alice_ws))
    assert page.status_code == 200 and "Ada Lovelace" in page.content.decode()
    detail = staff_client.get(f"{contacts_url(alice_ws)}{ada.pk}/")
    assert detail.status_code == 200 and "ada@example.com" in detail.content.decode()
    export = staff_client.get(f"{contacts_url(alice_ws)}export.csv")
    assert export.status_code == 200 and "ada@example.com" in b"".join(export.streaming_content).decode()

    entries = list(AccessLog.objects.filter(workspace=alice_ws).order_by("id").values_list("what", "reason"))
    assert entries == [
        ("contact list", "Support #42: import failed"),
        (f"contact #{ada.pk} (Ada Lovelace)", "Support #42: import failed"),
        ("export of all contacts (CSV download by staff)", "Support #42: import failed"),
    ]
    assert set(AccessLog.objects.values_list("staff_name", flat=True)) == {"Rita Root"}

    center = alice_client.get("/privacy/center/").content.decode()
    assert "Rita Root" in center and "Support #42: import failed" in center
    assert f"contact #{ada.pk} (Ada Lovelace)" in center


@pytest.mark.django_db
def test_the_reason_is_per_workspace_and_reads_only_that_workspace(staff_client, alice, alice_ws, charlie):
    from accounts.selectors import workspace_for_user

    make_contact(alice, given_name="Ada", family_name="Lovelace")
    charlie_ws = workspace_for_user(user=charlie)
    grace = make_contact(charlie, given_name="Grace", family_name="Hopper")
    staff_client.post(access_url(alice_ws), {"reason": "Support #42"})

    page = staff_client.get(contacts_url(alice_ws)).content.decode()
    assert "Ada Lovelace" in page and "Grace Hopper" not in page
    assert staff_client.get(contacts_url(charlie_ws)).status_code == 302  # no reason given for charlie
    assert staff_client.get(f"{contacts_url(alice_ws)}{grace.pk}/").status_code == 404
    assert not AccessLog.objects.filter(workspace=charlie_ws).exists()


@pytest.mark.django_db
def test_the_pages_are_read_only(staff_client, alice, alice_ws):
    ada = make_contact(alice, given_name="Ada", family_name="Lovelace")
    staff_client.post(access_url(alice_ws), {"reason": "Support #42"})
    assert staff_client.post(contacts_url(alice_ws), {"display_name": "x"}).status_code == 405
    assert staff_client.post(f"{contacts_url(alice_ws)}{ada.pk}/", {"display_name": "x"}).status_code == 405
    ada.refresh_from_db()
    assert ada.display_name == "Ada Lovelace"
    assert staff_client.get("/admin/contacts/contact/").status_code == 404  # no ModelAdmin around the reason


@pytest.mark.django_db
def test_customers_and_staff_without_two_factor_cannot_reach_the_pages(alice, alice_client, alice_ws):
    for url in (access_url(alice_ws), contacts_url(alice_ws)):
        response = alice_client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")

    staff = make_user(email="sam@essencecrm.io", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)  # password only: no two-factor in this session
    response = client.post(access_url(alice_ws), {"reason": "curious"})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert client.get(contacts_url(alice_ws)).status_code == 302
    assert not AccessLog.objects.exists()
