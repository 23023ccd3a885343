import json
import time

import pytest

from credits import services
from credits.exceptions import InsufficientCredits
from credits.models import LedgerEntry, Purchase, StripeEvent
from credits.selectors import balance_for, balance_mismatches
from tests.credits.fake_stripe import (
    WEBHOOK_SECRET,
    charge_object,
    dispute_object,
    make_event,
    post_event,
    session_object,
    start_checkout,
    stripe_signature,
)


@pytest.fixture
def purchase(alice_client, workspace, fake_stripe):
    """A pending purchase of the 100-credit pack (€5.00 = 500 cents), made through the Buy button."""
    return start_checkout(alice_client, "pack-100")


def paid(client, purchase, **kwargs):
    """Deliver checkout.session.completed (paid) and return the event."""
    event = make_event("checkout.session.completed", session_object(purchase), **kwargs)
    assert post_event(client, event).status_code == 200
    purchase.refresh_from_db()
    return event


def nothing_recorded(workspace):
    return (StripeEvent.objects.count() == 0 and balance_for(workspace=workspace) == 25
            and not LedgerEntry.objects.filter(kind="purchase").exists())


# --- Signature checks ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["bad signature", "wrong secret", "missing header", "stale timestamp",
                                  "tampered body"])
def test_unverifiable_events_are_rejected(client, purchase, workspace, case):
    event = make_event("checkout.session.completed", session_object(purchase))
    payload = json.dumps(event)
    headers = {
        "bad signature": {"HTTP_STRIPE_SIGNATURE": f"t={int(time.time())},v1={'0' * 64}"},
        "wrong secret": {"HTTP_STRIPE_SIGNATURE": stripe_signature(payload, secret="whsec_someone_else")},
        "missing header": {},
        "stale timestamp": {"HTTP_STRIPE_SIGNATURE": stripe_signature(payload, timestamp=int(time.time()) - 301)},
        "tampered body": {"HTTP_STRIPE_SIGNATURE": stripe_signature(payload)},
    }[case]
    body = payload.replace('"amount_total": 500', '"amount_total": 5') if case == "tampered body" else payload
    response = client.post("/stripe/webhook/", data=body, content_type="application/json", **headers)
    assert response.status_code == 400
    assert nothing_recorded(workspace)

    # The same event, properly signed, is accepted: it failed for the stated reason.
    assert post_event(client, event).status_code == 200
    assert balance_for(workspace=workspace) == 125


@pytest.mark.django_db
@pytest.mark.parametrize("body", [
    "{not json", "[]", '{"id": "evt_1"}', '{"id": "evt_1", "type": "x", "data": 5}', "",
    '{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {"payment_status": "paid"}}}',
])
def test_malformed_bodies_are_rejected_even_when_signed(client, purchase, workspace, body):
    response = client.post("/stripe/webhook/", data=body, content_type="application/json",
                           HTTP_STRIPE_SIGNATURE=stripe_signature(body))
    assert response.status_code == 400
    assert nothing_recorded(workspace)


@pytest.mark.django_db
def test_webhooks_are_refused_when_no_secret_is_configured(client, purchase, workspace, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    event = make_event("checkout.session.completed", session_object(purchase))
    assert post_event(client, event, secret="").status_code == 400
    assert post_event(client, event, secret=WEBHOOK_SECRET).status_code == 400
    assert nothing_recorded(workspace)


@pytest.mark.django_db
def test_the_webhook_only_accepts_post(client, fake_stripe):
    assert client.get("/stripe/webhook/").status_code == 405


# --- Checkout events ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_paid_checkout_grants_the_pack_once(client, purchase, workspace, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = paid(client, purchase)
    assert (purchase.status, balance_for(workspace=workspace)) == ("paid", 125)
    entry = LedgerEntry.objects.get(kind="purchase")
    assert (entry.amount, entry.idempotency_key, entry.purchase_id, entry.stripe_event_id) == (
        100, f"purchase:{purchase.stripe_checkout_session_id}", purchase.id, event["id"])

    # Redelivered: 200, no second effect.
    response = post_event(client, event)
    assert response.status_code == 200 and response.content == b"duplicate"
    # A different event for the same session (e.g. async_payment_succeeded too): still once.
    post_event(client, make_event("checkout.session.async_payment_succeeded", session_object(purchase)))
    assert balance_for(workspace=workspace) == 125
    assert LedgerEntry.objects.filter(kind="purchase").count() == 1
    assert StripeEvent.objects.count() == 2
    assert balance_mismatches() == []


@pytest.mark.django_db
def test_an_unpaid_checkout_grants_nothing_until_the_async_payment_succeeds(client, purchase, workspace):
    post_event(client, make_event("checkout.session.completed", session_object(purchase, payment_status="unpaid")))
    purchase.refresh_from_db()
    assert purchase.status == "pending" and balance_for(workspace=workspace) == 25
    assert purchase.stripe_payment_intent_id  # remembered for later refunds

    post_event(client, make_event("checkout.session.async_payment_succeeded", session_object(purchase)))
    purchase.refresh_from_db()
    assert purchase.status == "paid" and balance_for(workspace=workspace) == 125


@pytest.mark.django_db
def test_a_failed_async_payment_grants_nothing(client, purchase, workspace):
    post_event(client, make_event("checkout.session.completed", session_object(purchase, payment_status="unpaid")))
    post_event(client, make_event("checkout.session.async_payment_failed",
                                  session_object(purchase, payment_status="unpaid")))
    purchase.refresh_from_db()
    assert purchase.status == "failed" and balance_for(workspace=workspace) == 25


@pytest.mark.django_db
def test_a_session_whose_amount_differs_from_the_purchase_grants_nothing(client, purchase, workspace):
    obj = session_object(purchase) | {"amount_total": 1}
    assert post_event(client, make_event("checkout.session.completed", obj)).status_code == 200
    assert balance_for(workspace=workspace) == 25
    purchase.refresh_from_db()
    assert purchase.status == "pending"


@pytest.mark.django_db
def test_unknown_events_and_unknown_sessions_are_acknowledged_and_ignored(client, purchase, workspace):
    assert post_event(client, make_event("customer.created", {"id": "cus_1", "object": "customer"})).status_code == 200
    stray = session_object(purchase) | {"id": "cs_test_not_ours"}
    assert post_event(client, make_event("checkout.session.completed", stray)).status_code == 200
    assert StripeEvent.objects.count() == 2
    assert balance_for(workspace=workspace) == 25


@pytest.mark.django_db
def test_the_receipt_email_carries_the_stripe_receipt_link_and_is_sent_once(
    client, purchase, alice, mailoutbox, django_capture_on_commit_callbacks, fake_stripe
):
    from credits.tasks import purchase_receipt_task

    with django_capture_on_commit_callbacks(execute=True):
        paid(client, purchase)
    purchase.refresh_from_db()
    assert purchase.receipt_url == f"{fake_stripe.url}/receipts/ch_{purchase.stripe_payment_intent_id[3:]}"
    assert purchase.receipt_sent_at is not None
    receipts = [m for m in mailoutbox if "Receipt" in m.subject]
    assert len(receipts) == 1 and receipts[0].to == [alice.email]
    body = receipts[0].body
    assert "100 credits" in body and "€5.00" in body and purchase.receipt_url in body

    purchase_receipt_task.delay(purchase.id)  # a repeat (acks_late redelivery) sends nothing
    assert len([m for m in mailoutbox if "Receipt" in m.subject]) == 1


@pytest.mark.django_db
def test_the_receipt_is_sent_without_a_link_when_stripe_stays_down(
    client, purchase, mailoutbox, django_capture_on_commit_callbacks, fake_stripe
):
    from credits.tasks import purchase_receipt_task

    paid(client, purchase)
    fake_stripe.fail_with = 500
    purchase_receipt_task.apply(args=[purchase.id], retries=5)
    purchase.refresh_from_db()
    assert purchase.receipt_url == "" and purchase.receipt_sent_at is not None


# --- Refunds and disputes -----------------------------------------------------------------------


def refund(client, purchase, amount_refunded, **kwargs):
    return post_event(client, make_event("charge.refunded", charge_object(purchase, amount_refunded=amount_refunded),
                                         **kwargs))


@pytest.mark.django_db
def test_partial_then_full_refund_take_back_the_right_credits_once_each(client, purchase, workspace):
    paid(client, purchase)
    assert balance_for(workspace=workspace) == 125

    partial = make_event("charge.refunded", charge_object(purchase, amount_refunded=200))  # €2 of €5
    post_event(client, partial)
    assert balance_for(workspace=workspace) == 85  # 100 * 200 / 500 = 40 back
    post_event(client, partial)  # redelivered
    refund(client, purchase, 200)  # same cumulative figure, new event id
    assert balance_for(workspace=workspace) == 85
    purchase.refresh_from_db()
    assert (purchase.status, purchase.amount_refunded, purchase.credits_refunded) == ("partially_refunded", 200, 40)

    full = make_event("charge.refunded", charge_object(purchase, amount_refunded=500))
    post_event(client, full)
    post_event(client, full)
    assert balance_for(workspace=workspace) == 25  # the other 60
    purchase.refresh_from_db()
    assert (purchase.status, purchase.credits_refunded) == ("refunded", 100)
    assert list(LedgerEntry.objects.filter(kind="refund").order_by("id").values_list("amount", flat=True)) == [-40, -60]
    assert balance_mismatches() == []


@pytest.mark.django_db
def test_an_older_refund_event_arriving_late_changes_nothing(client, purchase, workspace):
    paid(client, purchase)
    refund(client, purchase, 500)
    refund(client, purchase, 200)
    assert balance_for(workspace=workspace) == 25
    assert LedgerEntry.objects.filter(kind="refund").count() == 1


@pytest.mark.django_db
def test_refunds_round_down_in_integer_credits(client, alice_client, workspace, fake_stripe):
    purchase = start_checkout(alice_client, "pack-2000")  # 2,000 credits for €60.00
    paid(client, purchase)
    refund(client, purchase, 1)  # 2000 * 1 / 6000 = 0.33 → 0
    assert balance_for(workspace=workspace) == 2025
    refund(client, purchase, 3001)  # total 1000.33 → 1000
    assert balance_for(workspace=workspace) == 1025
    refund(client, purchase, 6000)
    assert balance_for(workspace=workspace) == 25


@pytest.mark.django_db
def test_a_refund_before_any_grant_takes_nothing(client, purchase, workspace):
    purchase.stripe_payment_intent_id = "pi_pending"
    purchase.save()
    refund(client, purchase, 500)
    assert balance_for(workspace=workspace) == 25
    assert not LedgerEntry.objects.filter(kind="refund").exists()


@pytest.mark.django_db
def test_spending_is_refused_while_a_refund_leaves_the_balance_negative(client, purchase, workspace):
    paid(client, purchase)  # 125
    services.spend(workspace=workspace, action="contact.import", quantity=120, idempotency_key="import-1")  # 5
    refund(client, purchase, 500)  # -100 → -95
    assert balance_for(workspace=workspace) == -95
    with pytest.raises(InsufficientCredits) as excinfo:
        services.spend(workspace=workspace, action="contact.create", idempotency_key="after")
    assert "negative (-95)" in str(excinfo.value)
    assert balance_for(workspace=workspace) == -95


@pytest.mark.django_db
def test_a_dispute_takes_credits_back_and_a_won_dispute_returns_them(client, purchase, workspace):
    paid(client, purchase)
    created = make_event("charge.dispute.created", dispute_object(purchase, amount=500))
    post_event(client, created)
    post_event(client, created)
    assert balance_for(workspace=workspace) == 25
    purchase.refresh_from_db()
    assert (purchase.status, purchase.credits_disputed) == ("disputed", 100)

    won = make_event("charge.dispute.closed", dispute_object(purchase, amount=500, status="won"))
    post_event(client, won)
    post_event(client, won)
    assert balance_for(workspace=workspace) == 125
    purchase.refresh_from_db()
    assert (purchase.status, purchase.credits_disputed) == ("paid", 0)
    assert [(e.kind, e.amount, e.idempotency_key) for e in LedgerEntry.objects.filter(
        kind__in=["dispute", "dispute_reversal"]).order_by("id")] == [
        ("dispute", -100, "dispute:dp_test_1"), ("dispute_reversal", 100, "dispute-won:dp_test_1")]
    assert balance_mismatches() == []


@pytest.mark.django_db
def test_a_lost_dispute_keeps_the_credits_taken(client, purchase, workspace):
    paid(client, purchase)
    post_event(client, make_event("charge.dispute.created", dispute_object(purchase, amount=500)))
    post_event(client, make_event("charge.dispute.closed", dispute_object(purchase, amount=500, status="lost")))
    assert balance_for(workspace=workspace) == 25
    assert not LedgerEntry.objects.filter(kind="dispute_reversal").exists()


@pytest.mark.django_db
def test_a_dispute_after_a_partial_refund_takes_only_what_is_left(client, purchase, workspace):
    paid(client, purchase)
    refund(client, purchase, 200)  # -40
    post_event(client, make_event("charge.dispute.created", dispute_object(purchase, amount=500)))
    assert balance_for(workspace=workspace) == 25  # only the 60 still held
    assert LedgerEntry.objects.get(kind="dispute").amount == -60


@pytest.mark.django_db
def test_a_failing_effect_rolls_back_the_event_id_so_stripe_can_retry(client, purchase, workspace, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "grant", boom)
    event = make_event("checkout.session.completed", session_object(purchase))
    client.raise_request_exception = False
    assert post_event(client, event).status_code == 500
    assert not StripeEvent.objects.exists() and balance_for(workspace=workspace) == 25
    monkeypatch.undo()
    assert post_event(client, event).status_code == 200
    assert balance_for(workspace=workspace) == 125
    assert Purchase.objects.get().status == "paid"


@pytest.mark.django_db
def test_sendreceipts_queues_receipts_that_were_never_sent(client, purchase, mailoutbox, fake_stripe,
                                                          django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from credits.tasks import purchase_receipt_task

    assert purchase_receipt_task.acks_late
    paid(client, purchase)  # on_commit never runs here: as if the broker had been down
    assert Purchase.objects.get(pk=purchase.pk).receipt_sent_at is None
    call_command("sendreceipts")  # too recent: the normal path may still be on its way
    assert Purchase.objects.get(pk=purchase.pk).receipt_sent_at is None
    Purchase.objects.filter(pk=purchase.pk).update(paid_at=timezone.now() - timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sendreceipts")
        call_command("sendreceipts")
    assert Purchase.objects.get(pk=purchase.pk).receipt_sent_at is not None
    assert len([m for m in mailoutbox if "Receipt" in m.subject]) == 1
