import pytest

from credits.models import CreditAccount, LedgerEntry, Purchase, StripeEvent
from credits.selectors import balance_for
from tests.credits.fake_stripe import make_event, post_event, session_object, start_checkout


@pytest.mark.django_db
def test_buy_creates_a_checkout_session_and_a_pending_purchase(alice_client, workspace, fake_stripe, settings):
    response = alice_client.post("/billing/checkout/pack-500/")

    assert response.status_code == 303
    purchase = Purchase.objects.get(workspace=workspace)
    assert response["Location"] == f"{fake_stripe.url}/checkout/{purchase.stripe_checkout_session_id}"
    params = fake_stripe.last_session_params()
    assert params["mode"] == "payment"
    assert params["line_items[0][price_data][unit_amount]"] == "2000"
    assert params["line_items[0][price_data][currency]"] == "eur"
    assert "500 credits" in params["line_items[0][price_data][product_data][name]"]
    assert params["client_reference_id"] == str(workspace.id)
    assert params["metadata[pack]"] == "pack-500" and params["metadata[credits]"] == "500"
    assert params["metadata[workspace]"] == str(workspace.id)
    assert params["success_url"] == f"{settings.SITE_URL}/billing/return/?session_id={{CHECKOUT_SESSION_ID}}"
    assert params["cancel_url"] == f"{settings.SITE_URL}/billing/"
    assert (purchase.status, purchase.credits, purchase.amount, purchase.currency) == ("pending", 500, 2000, "eur")
    assert purchase.account_anonymous_id == CreditAccount.objects.get(workspace=workspace).anonymous_id
    # Starting a checkout grants nothing.
    assert balance_for(workspace=workspace) == 25


@pytest.mark.django_db
def test_the_fake_checkout_page_is_where_the_user_lands(alice_client, fake_stripe):
    import urllib.request

    location = alice_client.post("/billing/checkout/pack-100/")["Location"]
    with urllib.request.urlopen(location) as page:
        assert "Fake Stripe Checkout" in page.read().decode()


@pytest.mark.django_db
def test_checkout_only_accepts_post_from_verified_members(client, alice_client, fake_stripe):
    assert alice_client.get("/billing/checkout/pack-100/").status_code == 405
    assert alice_client.post("/billing/checkout/no-such-pack/").status_code == 404
    client.logout()
    response = client.post("/billing/checkout/pack-100/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Purchase.objects.exists()


@pytest.mark.django_db
def test_checkout_needs_a_csrf_token(alice, fake_stripe):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(alice)
    assert csrf_client.post("/billing/checkout/pack-100/").status_code == 403
    assert not Purchase.objects.exists()


@pytest.mark.django_db
def test_an_inactive_pack_cannot_be_bought(alice_client, fake_stripe):
    from credits.models import CreditPack

    CreditPack.objects.filter(code="pack-100").update(active=False)
    assert alice_client.post("/billing/checkout/pack-100/").status_code == 404
    assert "pack-100" not in alice_client.get("/billing/").content.decode()


@pytest.mark.django_db
def test_buying_is_disabled_without_a_stripe_key(alice_client, settings):
    settings.STRIPE_SECRET_KEY = ""
    page = alice_client.get("/billing/").content.decode()
    assert "Buying credits is not available right now" in page

    response = alice_client.post("/billing/checkout/pack-100/", follow=True)
    assert response.redirect_chain[-1] == ("/billing/", 302)
    assert "Buying credits is not available right now" in response.content.decode()
    assert not Purchase.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("status", [402, 500])
def test_a_stripe_error_shows_a_message_and_records_nothing(alice_client, workspace, fake_stripe, status):
    fake_stripe.fail_with = status
    response = alice_client.post("/billing/checkout/pack-100/", follow=True)
    assert response.redirect_chain[-1] == ("/billing/", 302)
    assert "We could not start the payment with Stripe" in response.content.decode()
    assert not Purchase.objects.exists()
    assert balance_for(workspace=workspace) == 25

    fake_stripe.fail_with = None  # the same click works once Stripe is back
    assert alice_client.post("/billing/checkout/pack-100/").status_code == 303
    assert Purchase.objects.filter(status="pending").count() == 1


@pytest.mark.django_db
def test_the_return_page_waits_for_the_webhook_and_never_grants(alice_client, workspace, fake_stripe, client):
    purchase = start_checkout(alice_client)
    url = f"/billing/return/?session_id={purchase.stripe_checkout_session_id}"

    page = alice_client.get(url).content.decode()
    assert "Payment received, your credits will appear shortly" in page
    assert 'hx-trigger="every 2s"' in page and "/billing/return/status/?session_id=" in page
    assert ">Refresh</a>" in page  # works without JavaScript
    partial = alice_client.get(f"/billing/return/status/?session_id={purchase.stripe_checkout_session_id}",
                               HTTP_HX_REQUEST="true").content.decode()
    assert "will appear shortly" in partial and "<html" not in partial
    # Visiting the return page (as often as you like) grants nothing.
    assert balance_for(workspace=workspace) == 25
    assert not LedgerEntry.objects.filter(kind="purchase").exists()

    assert post_event(client, make_event("checkout.session.completed", session_object(purchase))).status_code == 200

    partial = alice_client.get(f"/billing/return/status/?session_id={purchase.stripe_checkout_session_id}").content
    assert b"hx-trigger" not in partial  # polling stops
    assert b"100 credits</strong> were added" in partial and b"125 credits" in partial


@pytest.mark.django_db
def test_a_failed_async_payment_shows_on_the_return_page(alice_client, workspace, fake_stripe, client):
    purchase = start_checkout(alice_client)
    post_event(client, make_event("checkout.session.completed", session_object(purchase, payment_status="unpaid")))
    post_event(client, make_event("checkout.session.async_payment_failed",
                                  session_object(purchase, payment_status="unpaid")))
    purchase.refresh_from_db()
    assert purchase.status == "failed"
    page = alice_client.get(f"/billing/return/?session_id={purchase.stripe_checkout_session_id}").content.decode()
    assert "did not go through" in page and "hx-trigger" not in page
    assert balance_for(workspace=workspace) == 25


@pytest.mark.django_db
def test_another_workspaces_return_page_is_404(alice_client, charlie, fake_stripe):
    purchase = start_checkout(alice_client)
    alice_client.force_login(charlie)
    sid = purchase.stripe_checkout_session_id
    assert alice_client.get(f"/billing/return/?session_id={sid}").status_code == 404
    assert alice_client.get(f"/billing/return/status/?session_id={sid}").status_code == 404
    assert alice_client.get("/billing/return/").status_code == 404
    assert alice_client.get("/billing/return/?session_id=cs_test_nope").status_code == 404
    assert StripeEvent.objects.count() == 0
