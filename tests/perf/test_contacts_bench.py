"""Contacts list and search at 1k, 10k and 100k contacts in one workspace, with other
workspaces filling the database to 1M contacts. Prints server time p50/p95 (Django test
client, so middleware, session, ORM and templates included) and queries per page.
Run with `make bench`; BENCH_TOTAL / BENCH_SIZES scale it down for a quick look."""

import contextlib
import dataclasses
import os
import time

import pytest
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.selectors import workspace_for_user
from contacts import selectors
from contacts.demo import seed_contacts
from contacts.models import Contact, ContactEmail, ContactTag, Tag
from contacts.services import contacts_after_bulk_load
from tests.factories import ensure_seed_data, make_user
from tests.perf.helpers import percentiles, production_rendering, report, timed_ms

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,10000,100000").split(",")]
TOTAL = int(os.environ.get("BENCH_TOTAL", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "150"))
FILLER_PER_WORKSPACE = 50_000


def _measure(client, label, pages):
    """Time every page REPEAT times, round-robin: a burst of noise on this shared machine
    then lands on all pages alike instead of on whichever page was being timed. ``pages``:
    name -> (url, params, expect_rows). Returns name -> (percentiles, queries)."""
    queries = {}
    for name, (url, params, expect_rows) in pages.items():
        client.get(url, params)  # warm
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, params)
        queries[name] = len(ctx.captured_queries)  # now: later requests reset the query log
        assert response.status_code == 200
        if expect_rows:
            assert b'name="ids"' in response.content, name
    samples = {name: [] for name in pages}
    with production_rendering():
        for _ in range(REPEAT):
            for name, (url, params, _) in pages.items():
                samples[name].extend(timed_ms(lambda u=url, p=params: client.get(u, p), 1))
    results = {}
    for name in pages:
        figures = percentiles(samples[name])
        report(f"{label} {name}", p50_ms=figures["p50"], p95_ms=figures["p95"], queries=queries[name])
        results[name] = (figures, queries[name])
    return results


def _explain(title, sql, params):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n    ".join(row[0] for row in cursor.fetchall())
    print(f"\n[bench] EXPLAIN {title}:\n    {plan}", flush=True)


@pytest.mark.perf
def test_contacts_list_and_search_bench(transactional_db):
    # Committed and vacuumed rows, as in production: inside one open test transaction the
    # planner meets a million uncommitted tuples (slow planning) and no visibility map.
    # The flush at the end empties the tables again.
    ensure_seed_data()
    start = time.perf_counter()
    owner = make_user(email="bench@example.com", full_name="Bench Owner")
    ws = workspace_for_user(user=owner)
    client = Client()
    client.force_login(owner)

    # Other workspaces first, so the big workspace is measured inside a 1M-row table.
    filler_total = max(0, TOTAL - max(SIZES))
    n = 0
    while filler_total > 0:
        other = make_user(email=f"filler{n}@example.com", full_name=f"Filler {n}")
        chunk = min(FILLER_PER_WORKSPACE, filler_total)
        seed_contacts(workspace=workspace_for_user(user=other), count=chunk, seed=1000 + n)
        filler_total -= chunk
        n += 1
    report("seeded other workspaces", workspaces=n, contacts=Contact.objects.count(),
           seconds=time.perf_counter() - start)
    # Let PostgreSQL finish with the 900k-row load before anything is timed: vacuumed and
    # analysed tables, and the load's dirty pages written out now rather than by a
    # checkpoint in the middle of the first stage (which made the 1k pages the noisiest).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        # CHECKPOINT needs superuser or pg_checkpoint; without it only a steadier first stage is lost.
        with contextlib.suppress(DatabaseError):
            cursor.execute("CHECKPOINT")

    have = 0
    results = {}
    for size in SIZES:
        t0 = time.perf_counter()
        seed_contacts(workspace=ws, count=size - have, seed=size)
        have = size
        # A rare tag (every 200th contact) besides the seeded ones (~15% each): a tag filter
        # picks its plan by the tag's size, so both plans are measured.
        rare, _ = Tag.objects.get_or_create(workspace=ws, name="rare")
        ContactTag.objects.bulk_create(
            [ContactTag(workspace=ws, tag=rare, contact_id=cid) for cid in Contact.objects.filter(
                workspace=ws).order_by("id").values_list("id", flat=True)[::200]],
            ignore_conflicts=True)
        with connection.cursor() as cursor:
            for table in ("contacts_contact", "contacts_contactemail", "contacts_contactphone",
                          "contacts_contacttag"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        contacts_after_bulk_load(workspace_id=ws.id)  # as seed_demo and imports end
        report(f"seeded workspace to {size}", seconds=time.perf_counter() - t0,
               total_in_db=Contact.objects.count())

        deep_row = (Contact.objects.filter(workspace=ws, deleted_at__isnull=True).order_by("sort_name", "id")
                    .values_list("sort_name", "id")[int(size * 0.9)])
        deep_cursor = selectors._encode_cursor(list(deep_row))
        tag = Tag.objects.filter(workspace=ws, name="vip").first()
        email = ContactEmail.objects.filter(workspace=ws).order_by("-id").values_list("value", flat=True).first()
        label = f"{size // 1000}k"
        results[size] = _measure(client, label, {
            "baseline: dashboard /app/": ("/app/", {}, False),
            "list first page": ("/contacts/", {}, True),
            "list deep page (90%)": ("/contacts/", {"after": deep_cursor}, True),
            "list filtered (tag+email, by newest)": (
                "/contacts/", {"tag": tag.id, "has_email": "on", "sort": "created"}, True),
            "list filtered (rare tag, 0.5%)": ("/contacts/", {"tag": rare.id}, True),
            "search exact email": ("/contacts/", {"q": email}, True),
            "search name prefix 'smi'": ("/contacts/", {"q": "smi"}, True),
            "search typo 'Jonh Smiht'": ("/contacts/", {"q": "Jonh Smiht"}, True),
        })

    _explain("first page", "SELECT id FROM contacts_contact WHERE workspace_id = %s AND deleted_at IS NULL "
             "ORDER BY sort_name, id LIMIT 51", [ws.id])
    _explain("deep page", "SELECT id FROM contacts_contact WHERE workspace_id = %s AND deleted_at IS NULL "
             "AND (sort_name, id) > (%s, %s) ORDER BY sort_name, id LIMIT 51", [ws.id, *deep_row])
    # The tag-filtered pages as the list runs them (the plan it picks for each tag's size).
    for title, filters in [("filtered (common tag + has email, newest first)",
                            selectors.ContactFilters(tag=tag.id, has_email=True, sort="created")),
                           ("filtered (rare tag)", selectors.ContactFilters(tag=rare.id))]:
        base = selectors._page_tag_filter(
            selectors.contact_list(workspace=ws, filters=dataclasses.replace(filters, tag=None)),
            workspace=ws, tag_id=filters.tag)
        page_qs, _ = selectors._keyset(base, sort=filters.sort, after="")
        _explain(title, *page_qs.values("id")[:51].query.sql_with_params())
    _explain("prefix search", "SELECT id FROM contacts_contact WHERE workspace_id = %s AND deleted_at IS NULL "
             "AND search_document @@ to_tsquery('simple', %s) ORDER BY ts_rank(search_document, "
             "to_tsquery('simple', %s)) DESC LIMIT 50", [ws.id, "'smi':*", "'smi':*"])

    print("\n[bench] markdown table", flush=True)
    print("| page | " + " | ".join(f"{s // 1000}k p50 / p95 ms (queries)" for s in SIZES) + " |")
    print("|---|" + "---|" * len(SIZES))
    for name in results[SIZES[0]]:
        cells = []
        for size in SIZES:
            figures, queries = results[size][name]
            cells.append(f"{figures['p50']:.1f} / {figures['p95']:.1f} ({queries})")
        print(f"| {name} | " + " | ".join(cells) + " |")
    report("total bench time", seconds=time.perf_counter() - start, contacts_in_db=Contact.objects.count())
