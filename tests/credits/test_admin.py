import uuid

import pytest

from credits.models import LedgerEntry, Purchase
from credits.selectors import balance_for
from tests.credits.fake_stripe import start_checkout
from tests.factories import login_staff_with_two_factor, make_user


@pytest.fixture
def admin_client(client, db):
    staff = make_user(email="root@example.com", is_staff=True, is_superuser=True)
    login_staff_with_two_factor(client, staff)
    client.staff = staff
    return client


@pytest.mark.django_db
def test_ledger_entries_cannot_be_added_changed_or_deleted_in_the_admin(admin_client, workspace):
    entry = LedgerEntry.objects.get(workspace=workspace)
    base = "/admin/credits/ledgerentry/"

    assert admin_client.get(base).status_code == 200
    page = admin_client.get(f"{base}{entry.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content  # view only
    assert b"delete_selected" not in admin_client.get(base).content

    assert admin_client.post(f"{base}{entry.pk}/change/", {"amount": 1000, "kind": "purchase"}).status_code == 403
    assert admin_client.get(f"{base}{entry.pk}/delete/").status_code == 403
    assert admin_client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get(f"{base}add/").status_code == 403
    response = admin_client.post(base, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert response.status_code in (200, 302)
    assert LedgerEntry.objects.get(pk=entry.pk).amount == 25


@pytest.mark.django_db
def test_purchases_are_read_only_in_the_admin(admin_client, alice_client, fake_stripe):
    purchase = start_checkout(alice_client)
    base = "/admin/credits/purchase/"
    login_staff_with_two_factor(admin_client, admin_client.staff)
    assert admin_client.get(f"{base}{purchase.pk}/change/").status_code == 200
    assert admin_client.post(f"{base}{purchase.pk}/change/", {"status": "paid"}).status_code == 403
    assert admin_client.post(f"{base}{purchase.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Purchase.objects.get(pk=purchase.pk).status == "pending"


@pytest.mark.django_db
def test_packs_and_prices_are_editable(admin_client):
    assert admin_client.get("/admin/credits/creditpack/add/").status_code == 200
    assert admin_client.get("/admin/credits/price/").status_code == 200


@pytest.mark.django_db
def test_adjust_credits_from_the_workspace_admin(admin_client, workspace, alice):
    response = admin_client.post("/admin/accounts/workspace/", {"action": "adjust_credits",
                                                                 "_selected_action": [workspace.pk]})
    adjust_url = f"/admin/credits/creditaccount/{workspace.pk}/adjust/"
    assert response.status_code == 302 and response["Location"] == adjust_url

    form = admin_client.get(adjust_url)
    assert form.status_code == 200 and b"has <strong>25</strong> credits" in form.content

    # Bad input: a clear message, and what was typed is kept.
    token = str(uuid.uuid4())
    bad = admin_client.post(adjust_url, {"amount": "40", "reason": "   ", "token": token})
    assert bad.status_code == 200 and b"This field is required" in bad.content and b'value="40"' in bad.content
    zero = admin_client.post(adjust_url, {"amount": "0", "reason": "typo", "token": token})
    assert b"0 does nothing" in zero.content and b"typo" in zero.content
    assert balance_for(workspace=workspace) == 25

    data = {"amount": "40", "reason": "Goodwill after outage", "token": token}
    assert admin_client.post(adjust_url, data).status_code == 302
    assert admin_client.post(adjust_url, data).status_code == 302  # double submit
    assert balance_for(workspace=workspace) == 65
    entry = LedgerEntry.objects.get(workspace=workspace, kind="adjustment")
    assert (entry.amount, entry.reason, entry.created_by, entry.idempotency_key) == (
        40, "Goodwill after outage", admin_client.staff, f"adjust:{token}")

    # The customer sees it in their billing history.
    admin_client.force_login(alice)
    page = admin_client.get("/billing/").content.decode()
    assert "Adjustment" in page and "Goodwill after outage" in page and "+40" in page


@pytest.mark.django_db
def test_adjust_credits_is_for_staff_only(client, alice, workspace):
    client.force_login(alice)
    response = client.get(f"/admin/credits/creditaccount/{workspace.pk}/adjust/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    limited = make_user(email="support@example.com", is_staff=True)
    login_staff_with_two_factor(client, limited)
    assert client.get(f"/admin/credits/creditaccount/{workspace.pk}/adjust/").status_code == 403
    assert client.post(f"/admin/credits/creditaccount/{workspace.pk}/adjust/",
                       {"amount": "5", "reason": "x", "token": str(uuid.uuid4())}).status_code == 403
    assert balance_for(workspace=workspace) == 25
