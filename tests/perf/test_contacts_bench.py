"""Contacts list and search at 1k, 10k and 100k contacts in one workspace, with other
workspaces filling the database to 1M contacts. Prints server time p50/p95 (Django test
client, so middleware, session, ORM and templates included) and queries per page.
Run with `make bench`; BENCH_TOTAL / BENCH_SIZES scale it down for a quick look."""

import dataclasses
import os
import time

import pytest
from django.db import connection
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
REPEAT = int(os.environ.get("BENCH_REPEAT", "60"))
FILLER_PER_WORKSPACE = 50_000


def _measure(client, title, params, expect_rows=True, url="/contacts/"):
    client.get(url, params)  # warm
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    queries = len(ctx.captured_queries)  # now: later requests reset the connection's query log
    assert response.status_code == 200
    if expect_rows:
        assert b'name="ids"' in response.content, title
    with production_rendering():
        samples = timed_ms(lambda: client.get(url, params), REPEAT)
    figures = percentiles(samples)
    report(title, p50_ms=figures["p50"], p95_ms=figures["p95"], queries=queries)
    return figures, queries


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
        results[size] = {
            "baseline: dashboard /app/": _measure(client, f"{label} dashboard baseline", {}, expect_rows=False,
                                                  url="/app/"),
            "list first page": _measure(client, f"{label} list first page", {}),
            "list deep page (90%)": _measure(client, f"{label} list deep page", {"after": deep_cursor}),
            "list filtered (tag+email, by newest)": _measure(
                client, f"{label} list filtered", {"tag": tag.id, "has_email": "on", "sort": "created"}),
            "list filtered (rare tag, 0.5%)": _measure(
                client, f"{label} list filtered rare tag", {"tag": rare.id}),
            "search exact email": _measure(client, f"{label} search exact email", {"q": email}),
            "search name prefix 'smi'": _measure(client, f"{label} search prefix", {"q": "smi"}),
            "search typo 'Jonh Smiht'": _measure(client, f"{label} search typo", {"q": "Jonh Smiht"}),
        }

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
