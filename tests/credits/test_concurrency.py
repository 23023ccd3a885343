"""Real threads against the real database: exactly-once webhooks and spends that never overdraw."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from accounts.selectors import workspace_for_user
from credits import services
from credits.exceptions import InsufficientCredits
from credits.models import LedgerEntry, Purchase, StripeEvent
from credits.selectors import balance_for, balance_mismatches
from tests.credits.fake_stripe import make_event, post_event, session_object, start_checkout
from tests.factories import ensure_seed_data, make_user


def run_in_threads(fn, count: int, workers: int = 20):
    """Call fn(i) for i in range(count) from up to `workers` threads that start together."""
    barrier = threading.Barrier(min(count, workers))

    def call(i):
        try:
            if i < workers:
                barrier.wait(timeout=30)
            return fn(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(call, range(count)))


@pytest.mark.django_db(transaction=True)
def test_the_same_event_delivered_20_times_concurrently_grants_once(fake_stripe):
    ensure_seed_data()
    alice = make_user(email="alice-concurrent@example.com")
    workspace = workspace_for_user(user=alice)
    buyer = Client()
    buyer.force_login(alice)
    purchase = start_checkout(buyer, "pack-500")
    event = make_event("checkout.session.completed", session_object(purchase))

    responses = run_in_threads(lambda i: post_event(Client(), event), 20)

    assert [r.status_code for r in responses] == [200] * 20
    assert sorted(r.content for r in responses) == [b"duplicate"] * 19 + [b"ok"]
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    assert LedgerEntry.objects.filter(workspace=workspace, kind="purchase").count() == 1
    assert balance_for(workspace=workspace) == 25 + 500
    assert Purchase.objects.get(pk=purchase.pk).status == "paid"
    assert balance_mismatches() == []


@pytest.mark.django_db(transaction=True)
def test_200_concurrent_spends_on_a_balance_of_50_succeed_exactly_50_times():
    ensure_seed_data()
    alice = make_user(email="alice-spender@example.com")
    workspace = workspace_for_user(user=alice)
    services.adjust(workspace=workspace, amount=25, reason="top up to 50", created_by=alice,
                    idempotency_key="setup")
    assert balance_for(workspace=workspace) == 50

    def spend(i):
        try:
            services.spend(workspace=workspace, action="contact.create", idempotency_key=f"spend-{i}")
            return "ok"
        except InsufficientCredits:
            return "refused"

    results = run_in_threads(spend, 200)

    assert results.count("ok") == 50 and results.count("refused") == 150
    assert balance_for(workspace=workspace) == 0
    spends = LedgerEntry.objects.filter(workspace=workspace, kind="spend")
    assert spends.count() == 50
    assert min(spends.values_list("balance_after", flat=True)) == 0  # never below zero
    assert sorted(spends.values_list("balance_after", flat=True)) == list(range(50))
    assert balance_mismatches() == []
    call_command("checkbalances")
