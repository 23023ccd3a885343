"""Import of 100k CSV rows (end to end: decoding, validation, dedupe, credits) against raw
COPY of the same rows; export of 100k contacts (rows/s and peak memory, 10k vs 100k).

Committed transactions, as in production (the import task commits batch by batch): inside
one long test transaction PostgreSQL would check every row against the open transaction.
The flush at the end empties the tables again."""

import csv
import io
import time
import tracemalloc

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.selectors import workspace_for_user
from contacts.exporting import services as export_services
from contacts.exporting.scope import contacts_for_query
from contacts.importing import services as import_services
from contacts.models import Contact, ImportJob
from credits import services as credit_services
from credits.models import LedgerEntry
from tests.factories import ensure_seed_data, make_user
from tests.perf.helpers import report

ROWS = 100_000
FIRST = ["Ada", "Grace", "Alan", "Zoë", "Jürgen", "Amina", "Hiro", "Chidi", "Lena", "Mateo", "Priya", "Sven"]
LAST = ["Lovelace", "Hopper", "Turing", "Ørsted", "Müller", "Okafor", "Nakamura", "Kowalski", "García", "Patel"]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "", "Stark", "Wayne", "Soylent", ""]


def csv_bytes(rows: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["First Name", "Last Name", "E-mail Address", "Mobile Phone", "Company", "Categories"])
    for i in range(rows):
        writer.writerow([FIRST[i % 12], LAST[i % 10], f"person{i}@example.com", f"+4479{i:08d}",
                         COMPANIES[i % 10], "Imported;Bench" if i % 3 else "Imported"])
    return buffer.getvalue().encode()


def test_bench_import_and_export(transactional_db, settings, monkeypatch):
    ensure_seed_data()
    alice = make_user(email="bench-import@example.com", full_name="Bench Import")
    settings.IMPORT_MAX_ROWS = ROWS
    workspace = workspace_for_user(user=alice)
    credit_services.grant(workspace=workspace, amount=ROWS * 2, kind=LedgerEntry.Kind.PURCHASE,
                          idempotency_key="bench")
    content = csv_bytes(ROWS)

    # How much of the import is PostgreSQL writing the rows into the real tables (every
    # index, constraint and foreign key), as opposed to reading and checking them.
    copy_into_tables = []
    copy = import_services._copy

    def timed_copy(table, columns, rows):
        rows = list(rows)
        began = time.perf_counter()
        copy(table, columns, rows)
        copy_into_tables.append(time.perf_counter() - began)

    monkeypatch.setattr(import_services, "_copy", timed_copy)
    start = time.perf_counter()
    job = import_services.import_upload(workspace=workspace, user=alice,
                                        uploaded=SimpleUploadedFile("bench.csv", content))
    ImportJob.objects.filter(pk=job.pk).update(status="queued")
    job = import_services.import_run(job_id=job.pk)
    import_seconds = time.perf_counter() - start
    assert job.created_count == ROWS, (job.status, job.message, job.failed_count)

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_copy (first text, last text, email text, phone text, company text,"
                       " tags text)")
        start = time.perf_counter()
        with cursor.cursor.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            copy.write(content)
        copy_seconds = time.perf_counter() - start
    report("import 100k CSV rows", rows_per_s=round(ROWS / import_seconds), seconds=round(import_seconds, 2),
           copy_rows_per_s=round(ROWS / copy_seconds), ratio_vs_copy=round(import_seconds / copy_seconds, 1),
           copy_into_contact_tables_seconds=round(sum(copy_into_tables), 2))

    figures = {}
    everything = contacts_for_query(workspace=workspace, query={})  # what "Export all" exports
    first_ten_thousand = Contact.objects.filter(workspace=workspace, id__in=Contact.objects.filter(
        workspace=workspace).order_by("id").values("id")[:10_000])
    # The whole workspace three times: right after the import (PostgreSQL still sets hint
    # bits on rows it reads for the first time), again, and after the VACUUM that autovacuum
    # runs within a minute or so of a bulk load.
    runs = [("10,000", 10_000, first_ten_thousand), ("100,000 (right after import)", ROWS, everything),
            ("100,000 (again)", ROWS, everything), ("100,000 (after vacuum)", ROWS, everything)]
    for label, size, contacts in runs:
        if "vacuum" in label:
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE contacts_contact, contacts_contactemail, contacts_contactphone,"
                               " contacts_contactaddress, contacts_contacttag, contacts_tag")
        start = time.perf_counter()
        written = sum(len(chunk) for chunk in export_services.iter_csv(workspace=workspace, contacts=contacts))
        seconds = time.perf_counter() - start
        # Memory in a run of its own: tracing every allocation slows Python down.
        tracemalloc.start()
        sum(len(chunk) for chunk in export_services.iter_csv(workspace=workspace, contacts=contacts))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        figures[size] = (size / seconds, peak)
        report(f"export {label} contacts CSV", rows_per_s=round(size / seconds), seconds=round(seconds, 2),
               peak_memory_mb=round(peak / 1e6, 2), megabytes=round(written / 1e6, 1))
    start = time.perf_counter()
    sum(len(c) for c in export_services.iter_vcf(workspace=workspace, contacts=Contact.objects.filter(
        workspace=workspace)))
    report("export 100,000 contacts vCard", rows_per_s=round(ROWS / (time.perf_counter() - start)))
    report("export memory 10k -> 100k", peak_ratio=round(figures[ROWS][1] / figures[10_000][1], 2))
