import json
import urllib.request

import pytest
from django.conf import settings as django_settings

from accounts.selectors import workspace_for_user
from credits.models import LedgerEntry, Purchase
from credits.selectors import balance_for
from tests.credits.fake_stripe import (
    fake_stripe,  # noqa: F401  (fixture)
    make_event,
    session_object,
    stripe_signature,
)
from tests.factories import DEFAULT_PASSWORD, make_user


def post_signed_event(base_url: str, event: dict) -> int:
    payload = json.dumps(event).encode()
    request = urllib.request.Request(
        f"{base_url}/stripe/webhook/", data=payload, method="POST",
        headers={"Content-Type": "application/json", "Stripe-Signature": stripe_signature(payload)},
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        return response.status


@pytest.mark.slow
def test_buy_credits_through_checkout_and_the_webhook(page, live_server, e2e_db, fake_stripe, settings):  # noqa: F811
    # The real form-action allows checkout.stripe.com; the fake Checkout lives on localhost.
    csp = json.loads(json.dumps(django_settings.CONTENT_SECURITY_POLICY))
    csp["DIRECTIVES"]["form-action"] = [*csp["DIRECTIVES"]["form-action"], fake_stripe.url]
    settings.CONTENT_SECURITY_POLICY = csp
    settings.SITE_URL = live_server.url

    user = make_user(email="nora@example.com", full_name="Nora Berg")
    workspace = workspace_for_user(user=user)
    shots = page.shots

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("nora@example.com")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/app/")
    assert page.locator("#nav-balance").inner_text() == "25 credits"

    page.get_by_role("link", name="Billing").first.click()
    page.wait_for_url("**/billing/")
    assert page.locator("#balance").inner_text() == "25 credits"
    assert page.get_by_role("cell", name="Signup grant").is_visible()
    shots.take("billing-signup-grant")

    page.get_by_role("button", name="Buy 100 credits").click()
    page.wait_for_url(f"{fake_stripe.url}/checkout/**")
    assert page.get_by_role("heading", name="Fake Stripe Checkout").is_visible()
    shots.take("fake-checkout")
    purchase = Purchase.objects.get(workspace=workspace)
    assert purchase.status == "pending" and page.url.endswith(purchase.stripe_checkout_session_id)

    # Stripe sends the customer back before (or while) it sends the webhook.
    page.goto(f"/billing/return/?session_id={purchase.stripe_checkout_session_id}")
    assert page.get_by_text("Payment received, your credits will appear shortly").is_visible()
    shots.take("return-waiting")
    assert balance_for(workspace=workspace) == 25  # the return page grants nothing

    event = make_event("checkout.session.completed", session_object(purchase))
    assert post_signed_event(live_server.url, event) == 200

    # htmx polls every 2 s and swaps in the result.
    page.locator("#return-balance").wait_for(timeout=10_000)
    assert page.locator("#return-balance").inner_text() == "125 credits"
    assert page.locator("#nav-balance").inner_text() == "125 credits"  # out-of-band swap
    shots.take("return-granted")

    page.goto("/billing/")
    assert page.locator("#balance").inner_text() == "125 credits"
    assert page.locator("#nav-balance").inner_text() == "125 credits"
    row = page.locator("#purchases tbody tr").first
    assert "100" in row.inner_text() and "€5.00" in row.inner_text() and "Paid" in row.inner_text()
    assert row.get_by_role("link", name="Stripe receipt").get_attribute("href").startswith(fake_stripe.url)
    shots.take("billing-after-purchase")

    # Spend a little so the chart has a bar today.
    from credits import services

    services.spend(workspace=workspace, action="contact.import", quantity=12, idempotency_key="e2e-import")
    page.reload()
    assert page.locator("rect.chart-bar").count() == 1
    shots.take("billing-chart")

    assert post_signed_event(live_server.url, event) == 200  # a redelivery changes nothing
    assert balance_for(workspace=workspace) == 113
    assert LedgerEntry.objects.filter(workspace=workspace, kind="purchase").count() == 1
