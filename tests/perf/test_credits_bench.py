"""Credits benchmarks: spends/s on one contended workspace, and webhook handling latency.
Figures are printed (make bench); nothing here asserts on time."""

import contextlib
import json
import threading
import time
import uuid

import pytest
from django.db import connection
from django.test import Client

from accounts.selectors import workspace_for_user
from credits import services
from credits.exceptions import InsufficientCredits
from credits.models import CreditAccount, CreditPack, Purchase
from credits.selectors import balance_for, balance_mismatches
from tests.credits.fake_stripe import WEBHOOK_SECRET, make_event, session_object, stripe_signature
from tests.factories import ensure_seed_data, make_user
from tests.perf.helpers import percentiles, report, timed_ms

THREADS = 8
SPENDS_PER_THREAD = 150


@pytest.mark.django_db(transaction=True)
def test_bench_spends_per_second_on_one_workspace_under_contention():
    ensure_seed_data()
    user = make_user(email="bench-spender@example.com")
    workspace = workspace_for_user(user=user)
    total = THREADS * SPENDS_PER_THREAD
    services.adjust(workspace=workspace, amount=total, reason="bench", created_by=user, idempotency_key="bench")
    start_balance = balance_for(workspace=workspace)
    barrier = threading.Barrier(THREADS)
    latencies: list[float] = []
    lock = threading.Lock()

    def worker(n):
        mine = []
        try:
            barrier.wait()
            for i in range(SPENDS_PER_THREAD):
                t0 = time.perf_counter()
                with contextlib.suppress(InsufficientCredits):
                    services.spend(workspace=workspace, action="contact.create", idempotency_key=f"b-{n}-{i}")
                mine.append((time.perf_counter() - t0) * 1000)
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    spent = start_balance - balance_for(workspace=workspace)
    p = percentiles(latencies)
    report("credits spend, one workspace, contended", threads=THREADS, spends=spent,
           spends_per_s=spent / elapsed, p50_ms=p["p50"], p95_ms=p["p95"], seconds=elapsed)
    assert spent == total and balance_mismatches() == []  # correctness, not speed


@pytest.mark.django_db
def test_bench_webhook_checkout_completed_latency(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    ensure_seed_data()
    user = make_user(email="bench-buyer@example.com")
    workspace = workspace_for_user(user=user)
    account = CreditAccount.objects.get(workspace=workspace)
    pack = CreditPack.objects.get(code="pack-100")
    count = 200
    bodies = []
    for _ in range(count):
        purchase = Purchase.objects.create(
            workspace=workspace, account_anonymous_id=account.anonymous_id, created_by=user, pack=pack,
            credits=pack.credits, amount=pack.price_amount, currency=pack.currency,
            stripe_checkout_session_id=f"cs_test_{uuid.uuid4().hex}",
        )
        bodies.append(json.dumps(make_event("checkout.session.completed", session_object(purchase))))
    client = Client()
    queue = iter(bodies)

    def deliver(body=None):
        body = body or next(queue)
        response = client.post("/stripe/webhook/", data=body, content_type="application/json",
                               HTTP_STRIPE_SIGNATURE=stripe_signature(body))
        assert response.status_code == 200

    first = percentiles(timed_ms(deliver, count))
    duplicates = percentiles(timed_ms(lambda: deliver(bodies[0]), 100))
    report("webhook checkout.session.completed (signed, Django test client)", events=count,
           p50_ms=first["p50"], p95_ms=first["p95"], mean_ms=first["mean"])
    report("webhook duplicate delivery", events=100, p50_ms=duplicates["p50"], p95_ms=duplicates["p95"])
    assert balance_for(workspace=workspace) == 25 + count * pack.credits
