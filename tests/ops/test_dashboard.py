"""The staff dashboard's numbers: signups, active workspaces, credits sold and spent per
day (from the ledger), open and overdue data requests, failed jobs."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import UsageEvent, User
from accounts.selectors import workspace_for_user
from credits import services as credit_services
from credits.models import LedgerEntry
from essence import selectors
from essence.models import EmailDelivery, RetentionRun
from privacy.models import DataRequest
from tests.factories import login_staff_with_two_factor, make_user


@pytest.mark.django_db
def test_the_dashboard_counts(staff_client, alice, charlie):
    today = timezone.localdate()
    old = make_user(email="old@example.com")
    User.objects.filter(pk=old.pk).update(date_joined=timezone.now() - timedelta(days=3))
    ancient = make_user(email="ancient@example.com")
    User.objects.filter(pk=ancient.pk).update(date_joined=timezone.now() - timedelta(days=40))

    alice_ws = workspace_for_user(user=alice)
    credit_services.grant(workspace=alice_ws, amount=100, kind=LedgerEntry.Kind.PURCHASE, idempotency_key="buy-1")
    with time_machine.travel(timezone.now() - timedelta(days=2)):  # the ledger is append-only
        credit_services.grant(workspace=alice_ws, amount=50, kind=LedgerEntry.Kind.PURCHASE, idempotency_key="buy-2")
    credit_services.spend(workspace=alice_ws, action="contact.import", quantity=7, idempotency_key="spend-1")
    spent_today = -LedgerEntry.objects.get(idempotency_key="spend-1").amount
    UsageEvent.objects.filter(workspace=workspace_for_user(user=old)).delete()
    UsageEvent.objects.create(workspace=workspace_for_user(user=ancient), action="contact.create",
                              created_at=timezone.now() - timedelta(days=31))

    DataRequest.objects.create(type="access", opened_at=timezone.now() - timedelta(days=25))  # due soon
    DataRequest.objects.create(type="access", opened_at=timezone.now() - timedelta(days=31))  # overdue
    DataRequest.objects.create(type="access", opened_at=timezone.now() - timedelta(days=40), status="completed")
    EmailDelivery.objects.create(template="x", category="service", status=EmailDelivery.Status.FAILED)
    stale = EmailDelivery.objects.create(template="x", category="service", status=EmailDelivery.Status.FAILED)
    EmailDelivery.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(days=8))
    RetentionRun.objects.create(job="usage_events", status=RetentionRun.Status.FAILED)
    RetentionRun.objects.create(job="usage_events", status=RetentionRun.Status.DONE)

    numbers = selectors.staff_dashboard()
    signups = dict(numbers["signups"])
    # alice, charlie, the staff member today; old 3 days ago; ancient outside the 30 days.
    assert signups[today] == 3 and signups[today - timedelta(days=3)] == 1 and numbers["signups_total"] == 4
    assert len(numbers["signups"]) == 30
    sold = dict(numbers["credits_sold"])
    assert sold[today] == 100 and sold[today - timedelta(days=2)] == 50 and numbers["credits_sold_total"] == 150
    assert dict(numbers["credits_spent"])[today] == spent_today == numbers["credits_spent_total"] > 0
    assert numbers["active_workspaces"] == 1  # alice spent today; ancient's event is 31 days old
    assert numbers["data_requests"] == {"open": 2, "overdue": 1, "due_soon": 1}
    assert numbers["failed_jobs"] == {"emails": 1, "retention_runs": 1}

    page = staff_client.get("/admin/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<td id="credits-sold">150</td>' in html and '<td id="dsar-overdue">1</td>' in html
    assert html.count('class="chart"') == 3 and "Credits sold per day, last 30 days: 150 in total" in html
    index = staff_client.get("/admin/").content.decode()
    assert 'href="/admin/dashboard/"' in index and "1 overdue" in index


@pytest.mark.django_db
def test_the_dashboard_is_for_staff_with_two_factor_only(alice_client, client):
    assert alice_client.get("/admin/dashboard/").status_code == 302
    staff = make_user(email="s@essencecrm.io", is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/dashboard/").status_code == 302
    login_staff_with_two_factor(client, staff)
    assert client.get("/admin/dashboard/").status_code == 200
