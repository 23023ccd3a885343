"""The "support" group made by a data migration: what a support user can open, and what
they cannot change (ledger entries, other people's rights, passwords)."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from credits.models import LedgerEntry
from tests.factories import login_staff_with_two_factor, make_user


@pytest.fixture
def support_client(client, db):
    support = make_user(email="sam@essencecrm.io", full_name="Sam Support", is_staff=True)
    support.groups.add(Group.objects.get(name="support"))
    login_staff_with_two_factor(client, support)
    client.user = support
    return client


@pytest.mark.django_db
def test_the_support_group_has_the_listed_permissions_and_no_deletes():
    codenames = set(Group.objects.get(name="support").permissions.values_list("codename", flat=True))
    assert {"change_user", "change_workspace", "view_purchase", "view_ledgerentry", "add_datarequest",
            "change_datarequest", "change_policyversion", "add_announcement", "change_supportrequest"} <= codenames
    assert not {c for c in codenames if c.startswith("delete_")}
    assert "change_ledgerentry" not in codenames and "change_purchase" not in codenames


@pytest.mark.django_db
def test_a_support_user_opens_the_support_pages(support_client, alice):
    for url in ["/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{alice.pk}/change/",
                "/admin/accounts/workspace/", "/admin/credits/purchase/", "/admin/credits/ledgerentry/",
                "/admin/privacy/datarequest/", "/admin/privacy/datarequest/add/", "/admin/privacy/policyversion/",
                "/admin/privacy/policyversion/add/", "/admin/essence/announcement/",
                "/admin/essence/announcement/add/", "/admin/essence/supportrequest/", "/admin/dashboard/"]:
        assert support_client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_a_support_user_cannot_change_a_ledger_entry(support_client, alice):
    entry = LedgerEntry.objects.get(workspace__memberships__user=alice)
    base = "/admin/credits/ledgerentry/"
    page = support_client.get(f"{base}{entry.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert support_client.post(f"{base}{entry.pk}/change/", {"amount": 1000}).status_code == 403
    assert support_client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert support_client.get(f"{base}add/").status_code == 403
    assert LedgerEntry.objects.get(pk=entry.pk).amount == entry.amount


@pytest.mark.django_db
def test_a_support_user_cannot_delete_customers_grant_rights_or_set_passwords(support_client, alice):
    assert support_client.post(f"/admin/accounts/user/{alice.pk}/delete/", {"post": "yes"}).status_code == 403
    assert support_client.get(f"/admin/accounts/user/{alice.pk}/password/").status_code == 403
    # Not their own staff account, and a customer's only without the rights fields.
    own = f"/admin/accounts/user/{support_client.user.pk}/change/"
    assert support_client.post(own, {"email": support_client.user.email, "is_superuser": "on"}).status_code == 403
    response = support_client.post(f"/admin/accounts/user/{alice.pk}/change/", {
        "email": alice.email, "full_name": "Alice A.", "is_active": "on", "is_staff": "on", "is_superuser": "on",
        "last_login_0": "", "last_login_1": "", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    alice = User.objects.get(pk=alice.pk)
    assert alice.full_name == "Alice A." and not alice.is_staff and not alice.is_superuser
    assert not User.objects.get(pk=support_client.user.pk).is_superuser


@pytest.mark.django_db
def test_a_support_user_cannot_take_over_or_switch_off_staff_accounts(support_client):
    root = make_user(email="root@essencecrm.io", is_staff=True, is_superuser=True)
    page = support_client.get(f"/admin/accounts/user/{root.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content  # view only
    response = support_client.post(f"/admin/accounts/user/{root.pk}/change/", {"email": "sam@essencecrm.io"})
    assert response.status_code == 403
    support_client.post("/admin/accounts/user/", {"action": "deactivate", "_selected_action": [root.pk],
                                                  "confirm": "yes"})
    root.refresh_from_db()
    assert root.email == "root@essencecrm.io" and root.is_active


@pytest.mark.django_db
def test_a_support_user_opens_a_customers_contacts_with_a_reason(support_client, alice):
    from accounts.selectors import workspace_for_user
    from privacy.models import AccessLog

    ws = workspace_for_user(user=alice)
    response = support_client.post(f"/admin/accounts/workspace/{ws.pk}/contacts/access/", {"reason": "Ticket 9"})
    assert response.status_code == 302
    assert support_client.get(f"/admin/accounts/workspace/{ws.pk}/contacts/").status_code == 200
    assert AccessLog.objects.get(workspace=ws).staff_name == "Sam Support"
