import datetime

import pytest
from django.utils import timezone

from credits import services
from credits.models import CreditPack, LedgerEntry
from credits.templatetags.credits_tags import money
from tests.credits.fake_stripe import make_event, post_event, session_object, start_checkout


@pytest.mark.django_db
def test_the_billing_page_shows_balance_packs_purchases_and_history(alice_client, workspace, fake_stripe, client,
                                                                     django_capture_on_commit_callbacks):
    purchase = start_checkout(alice_client, "pack-500")
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, make_event("checkout.session.completed", session_object(purchase)))
    purchase.refresh_from_db()

    page = alice_client.get("/billing/").content.decode()

    assert '<p class="balance" id="balance"><strong>525</strong> credits</p>' in page
    for code, price in [("pack-100", "€5.00"), ("pack-500", "€20.00"), ("pack-2000", "€60.00")]:
        assert f'action="/billing/checkout/{code}/"' in page and price in page
    assert "Paid" in page and "€20.00" in page
    assert f'href="{purchase.receipt_url}"' in page and "Stripe receipt" in page
    assert "Signup grant" in page and "+25" in page and "+500" in page
    assert 'id="nav-balance">525 credits</span>' in page


@pytest.mark.django_db
def test_the_history_is_paginated(alice_client, workspace):
    for i in range(30):
        services.spend(workspace=workspace, action="contact.create", idempotency_key=f"k{i}") if i < 25 else None
    page1 = alice_client.get("/billing/").content.decode()
    assert "Page 1 of 2" in page1 and "Older" in page1
    page2 = alice_client.get("/billing/?page=2").content.decode()
    assert "Page 2 of 2" in page2 and "Signup grant" in page2 and "Signup grant" not in page1
    assert alice_client.get("/billing/?page=99").status_code == 200  # clamps to the last page


@pytest.mark.django_db
def test_the_chart_shows_credits_spent_per_day(alice_client, workspace):
    services.spend(workspace=workspace, action="contact.import", quantity=7, idempotency_key="import")
    page = alice_client.get("/billing/").content.decode()
    assert "<svg" in page and 'role="img"' in page
    today = timezone.localdate()
    assert f"{today.day} {today.strftime('%b')}: 7 credits</title></rect>" in page
    assert "Last 30 days: 7 credits used." in page
    assert page.count('class="chart-bar"') == 1
    assert "style=" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]  # CSP-friendly


@pytest.mark.django_db
def test_spend_per_day_fills_the_gaps(workspace):
    from credits.selectors import spend_per_day

    services.spend(workspace=workspace, action="contact.create", idempotency_key="a")
    services.spend(workspace=workspace, action="contact.create", idempotency_key="b")
    days = spend_per_day(workspace=workspace, days=30)
    assert len(days) == 30 and days[-1] == (timezone.localdate(), 2)
    assert days[0][0] == timezone.localdate() - datetime.timedelta(days=29)
    assert sum(c for _, c in days) == 2


@pytest.mark.django_db
def test_only_the_own_workspaces_purchases_and_ledger_are_listed(alice_client, charlie_client, charlie,
                                                                 charlie_workspace, workspace, fake_stripe, client):
    services.adjust(workspace=charlie_workspace, amount=3, reason="charlie-secret-reason",
                    created_by=charlie, idempotency_key="c1")
    charlie_client.force_login(charlie)
    charlie_purchase = start_checkout(charlie_client, "pack-2000")
    post_event(client, make_event("checkout.session.completed", session_object(charlie_purchase)))

    from django.test import Client

    alice_view = Client()
    alice_view.force_login(workspace.memberships.get().user)
    page = alice_view.get("/billing/").content.decode()
    assert "charlie-secret-reason" not in page and "No purchases yet." in page
    assert charlie_purchase.stripe_checkout_session_id not in page and 'id="purchases"' not in page
    assert '<strong>25</strong> credits' in page
    # And Charlie's Checkout session id is a 404 for Alice.
    sid = charlie_purchase.stripe_checkout_session_id
    assert alice_view.get(f"/billing/return/?session_id={sid}").status_code == 404


@pytest.mark.django_db
def test_billing_needs_a_verified_signed_in_user(client):
    from tests.factories import make_user

    response = client.get("/billing/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(make_user(email="unverified@example.com", verified=False))
    assert client.get("/billing/").status_code == 302
    assert client.post("/billing/checkout/pack-100/").status_code == 302


@pytest.mark.django_db
def test_the_nav_balance_costs_one_query(alice_client, workspace, django_assert_num_queries):
    alice_client.get("/app/")  # warm up
    page = alice_client.get("/app/").content.decode()
    assert 'id="nav-balance">25 credits</span>' in page
    assert 'id="dashboard-balance">25 credits</strong>' in page
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        alice_client.get("/app/")
    balance_queries = [q for q in queries.captured_queries if "credits_creditaccount" in q["sql"]]
    assert len(balance_queries) == 1


@pytest.mark.django_db
def test_a_negative_balance_is_explained_on_the_billing_page(alice_client, workspace):
    services.take_back(workspace=workspace, amount=30, kind=LedgerEntry.Kind.REFUND, idempotency_key="r")
    page = alice_client.get("/billing/").content.decode()
    assert "spending is paused" in page and 'class="balance negative"' in page


@pytest.mark.django_db
def test_the_pricing_page_reads_packs_from_the_database(client):
    from tests.factories import ensure_seed_data

    ensure_seed_data()
    CreditPack.objects.filter(code="pack-500").update(name="Growth pack", price_amount=1999)
    CreditPack.objects.create(code="pack-hidden", name="Secret pack", credits=9, price_amount=1, active=False)
    page = client.get("/pricing/").content.decode()
    assert "Growth pack" in page and "€19.99" in page and "€5.00" in page
    assert "Secret pack" not in page
    assert "Creating a contact by hand: 1 credit" in page and "25 free credits" in page


@pytest.mark.parametrize("amount,currency,text", [
    (500, "eur", "€5.00"), (199999, "eur", "€1,999.99"), (5, "usd", "$0.05"), (1000, "chf", "10.00 CHF"),
    (1500, "jpy", "1,500 JPY"), (-250, "gbp", "-£2.50"),
])
def test_money_formats_minor_units(amount, currency, text):
    assert money(amount, currency) == text
