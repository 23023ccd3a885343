"""Importing contacts: the wizard's steps and the resumable engine.

The engine works in batches. Each batch is ONE transaction that creates its
contacts (PostgreSQL COPY), records its failed rows, spends its credits
(``contact.import`` × contacts created, idempotency key = the batch's row range)
and advances ``rows_done``. A worker killed midway loses only the batch it was in;
the next run starts again at ``rows_done``, so no row is ever imported twice and
credits always equal contacts created. When credits run out, the batch is cut
at the last contact that can be paid for and the job pauses ("buy credits to
continue"); a purchase resumes it.
"""

from __future__ import annotations

import copy
import datetime
import itertools
import json
import queue
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User, Workspace
from contacts import search
from contacts.importing.decoding import decode_upload
from contacts.importing.errors import ImportFileError
from contacts.importing.mapping import FIELD_LABELS, SKIP, suggest_mapping
from contacts.importing.rows import Draft, draft_from_cells, draft_from_vcard, parse_birthday
from contacts.importing.spreadsheet import unescape_cell
from contacts.importing.tables import (
    SourceRow,
    count_vcards,
    iter_rows,
    iter_vcards,
    looks_like_vcard,
    read_table,
)
from contacts.models import (
    Activity,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    ContactTag,
    CustomField,
    ImportFailure,
    ImportJob,
    Tag,
)
from contacts.services import contacts_after_bulk_load
from credits import selectors as credit_selectors
from credits import services as credit_services
from credits.exceptions import InsufficientCredits
from essence.emails import EmailCategory, send_templated_email
from privacy import selectors as privacy_selectors

IMPORT_ACTION = "contact.import"
PAUSED_MESSAGE = (
    "Your credits ran out, so the import paused after {done:,} of {total:,} rows. "
    "Buy credits to continue: it resumes from where it stopped, and rows not imported cost nothing."
)


class ImportStateError(Exception):
    """The import is not in a state that allows this step; the message says why."""


# --- reading the stored file -------------------------------------------------------

@dataclass
class Item:
    """One source row (CSV) or card (vCard) as a draft contact, with its original cells."""

    number: int
    cells: list[str]
    draft: Draft
    # The new contact's computed columns (display name, search documents, sort and
    # duplicate keys), filled by the engine's read-ahead thread; None in previews.
    columns: ContactColumns | None = None


@dataclass(frozen=True)
class ContactColumns:
    display_name: str
    search_document: str
    fuzzy_document: str
    sort_name: str
    name_key: str
    custom_values: str  # JSON

    @classmethod
    def of(cls, d: Draft) -> ContactColumns:
        display = d.name_for_display
        search_doc, fuzzy_doc = search.build_documents(
            given_name=d.given_name, family_name=d.family_name, display_name=display, company=d.company,
            job_title=d.job_title, emails=[e for _, e in d.emails], phones=[p for _, p in d.phones], notes=[d.notes],
        )
        return cls(display, search_doc, fuzzy_doc, search.sort_name(display),
                   search.name_key(given_name=d.given_name, family_name=d.family_name, display_name=display),
                   json.dumps(d.custom))


def _source_text(job: ImportJob) -> str:
    with job.source.open("rb") as handle:
        return decode_upload(handle.read(), encoding=job.encoding).text


def iter_items(job: ImportJob, text: str | None = None, *, start: int = 0) -> Iterator[Item]:
    """Items from the ``start``-th on; rows before it are skipped without being validated.

    What it needs from the database is read now; the rows are read lazily and touch no
    database (so the engine can read ahead in another thread)."""
    text = _source_text(job) if text is None else text
    custom_fields = {f.key: f for f in CustomField.objects.filter(workspace_id=job.workspace_id)}
    return _items(copy.copy(job), text, start, custom_fields)


def _items(job: ImportJob, text: str, start: int, custom_fields: dict[str, CustomField]) -> Iterator[Item]:
    region = job.default_region or None
    if job.kind == ImportJob.Kind.VCARD:
        for record in itertools.islice(iter_vcards(text), start, None):
            if isinstance(record, ImportFileError):
                yield Item(record.number, [], Draft(row_number=record.number, errors=[str(record)]))
            else:
                name = record.display_name or f"{record.given_name} {record.family_name}".strip()
                draft = draft_from_vcard(record, default_region=region)
                by_name = {f.name.lower(): key for key, f in custom_fields.items()}
                draft.custom = {by_name[n.lower()]: v for n, v in record.custom.items() if n.lower() in by_name}
                _check_custom_values(draft, custom_fields)
                yield Item(record.number, [name], draft)
        return
    for row in itertools.islice(iter_rows(text, delimiter=job.delimiter, width=len(job.headers)), start, None):
        cells = [unescape_cell(cell) for cell in row.cells]
        draft = draft_from_cells(SourceRow(row.number, cells, row.ragged), job.mapping, default_region=region)
        _check_custom_values(draft, custom_fields)
        yield Item(row.number, row.cells, draft)


def _check_custom_values(draft: Draft, fields: dict[str, CustomField]) -> None:
    for key, value in list(draft.custom.items()):
        custom = fields.get(key)
        if custom is None:
            del draft.custom[key]
        elif custom.kind == CustomField.Kind.NUMBER:
            try:
                draft.custom[key] = float(value.replace(",", ".")) if isinstance(value, str) else float(value)
            except ValueError:
                draft.errors.append(f"{custom.name}: “{value}” is not a number.")
        elif custom.kind == CustomField.Kind.DATE:
            parsed = parse_birthday(value)
            if parsed is None:
                draft.errors.append(f"{custom.name}: “{value}” is not a date we can read; use YYYY-MM-DD.")
            else:
                draft.custom[key] = parsed.isoformat()
        elif custom.kind == CustomField.Kind.CHOICE and value not in (custom.choices or []):
            draft.errors.append(f"{custom.name}: “{value}” is not one of {', '.join(custom.choices or [])}.")


# --- wizard steps ------------------------------------------------------------------

def import_upload(*, workspace: Workspace, user: User | None, uploaded) -> ImportJob:
    """Check the file and keep it; the user then checks the columns. Raises ImportFileError."""
    limit = settings.IMPORT_MAX_BYTES
    if uploaded.size > limit:
        raise ImportFileError(
            f"The file is {uploaded.size / 1_000_000:.1f} MB; files up to {limit / 1_000_000:.0f} MB can be "
            "imported. Split it into smaller files and import each."
        )
    raw = uploaded.read()
    decoded = decode_upload(raw)
    job = ImportJob(
        id=uuid.uuid4(),
        workspace=workspace,
        created_by=user,
        original_name=(uploaded.name or "contacts")[:255],
        encoding=decoded.encoding,
        default_region=settings.IMPORT_DEFAULT_REGION,
    )
    if looks_like_vcard(decoded.text):
        job.kind = ImportJob.Kind.VCARD
        job.total_rows = count_vcards(decoded.text, max_rows=settings.IMPORT_MAX_ROWS)
    else:
        if (uploaded.name or "").lower().endswith((".vcf", ".vcard")):
            raise ImportFileError("This .vcf file has no contact cards (BEGIN:VCARD) in it.")
        table = read_table(decoded.text, max_rows=settings.IMPORT_MAX_ROWS)
        job.kind = ImportJob.Kind.CSV
        job.delimiter = table.delimiter
        job.headers = table.headers
        job.total_rows = table.row_count
        job.mapping = suggest_mapping(table.headers, custom_fields=_custom_field_names(workspace))
    job.source.save("source", ContentFile(raw), save=False)
    job.save()
    return job


def _custom_field_names(workspace: Workspace) -> dict[str, str]:
    return {f"custom:{f.key}": f.name for f in CustomField.objects.filter(workspace=workspace)}


def mapping_choices(workspace: Workspace) -> list[tuple[str, str]]:
    return [(SKIP, "Don't import")] + list(FIELD_LABELS.items()) + [
        (key, f"Custom field: {name}") for key, name in _custom_field_names(workspace).items()
    ]


@transaction.atomic
def import_configure(
    *, job: ImportJob, encoding: str, delimiter: str, mapping: list[str], duplicate_policy: str, default_region: str
) -> ImportJob:
    """Apply the wizard's choices (re-reading the file if the encoding or delimiter changed)."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.UPLOADED:
        raise ImportStateError("This import has already started; its settings can no longer change.")
    with job.source.open("rb") as handle:
        decoded = decode_upload(handle.read(), encoding=encoding or job.encoding)
    job.encoding = decoded.encoding
    job.duplicate_policy = duplicate_policy
    job.default_region = (default_region or "").upper()[:2]
    if job.kind == ImportJob.Kind.CSV:
        table = read_table(decoded.text, delimiter=delimiter or job.delimiter, max_rows=settings.IMPORT_MAX_ROWS)
        allowed = {key for key, _ in mapping_choices(job.workspace)}
        if table.headers != job.headers or table.delimiter != job.delimiter or len(mapping) != len(table.headers):
            # Different columns now: start again from suggestions.
            mapping = suggest_mapping(table.headers, custom_fields=_custom_field_names(job.workspace))
        job.mapping = [key if key in allowed else SKIP for key in mapping]
        job.headers, job.delimiter, job.total_rows = table.headers, table.delimiter, table.row_count
    job.save()
    return job


@dataclass
class Preview:
    items: list[Item]
    duplicate_of: dict[int, int]  # row number -> existing contact id
    new: int = 0
    duplicates: int = 0
    invalid: int = 0
    credits: int = 0


def import_preview(*, job: ImportJob, rows: int = 20) -> Preview:
    """The first rows with their problems, and what the whole file would do and cost."""
    text = _source_text(job)
    classifier = _Classifier(job)
    preview = Preview(items=[], duplicate_of={})
    for chunk in _chunks(iter_items(job, text), settings.IMPORT_BATCH_SIZE):
        for item, (action, target) in zip(chunk, classifier.classify([item.draft for item in chunk]), strict=True):
            if len(preview.items) < rows:
                preview.items.append(item)
                if isinstance(target, int) and action != "create":
                    preview.duplicate_of[item.number] = target
            if action == "fail":
                preview.invalid += 1
            elif action == "create":
                preview.new += 1
            else:
                preview.duplicates += 1
    preview.credits = preview.new * credit_services.price_for(action=IMPORT_ACTION)
    return preview


def import_confirm(*, job: ImportJob) -> ImportJob:
    from contacts.tasks import import_run_task

    if job.kind == ImportJob.Kind.CSV and not any(job.mapping):
        raise ImportFileError("Choose at least one column to import (a name, an email or a phone number).")
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.UPLOADED).update(
        status=ImportJob.Status.QUEUED
    )
    if not updated:
        raise ImportStateError("This import has already been started.")
    transaction.on_commit(lambda: import_run_task.delay(str(job.pk)))
    job.refresh_from_db()
    return job


def import_resume(*, job: ImportJob) -> bool:
    """Queue a paused import again (after a purchase, or when the user asks)."""
    from contacts.tasks import import_run_task

    updated = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PAUSED).update(
        status=ImportJob.Status.QUEUED, message=""
    )
    if updated:
        transaction.on_commit(lambda: import_run_task.delay(str(job.pk)))
    return bool(updated)


def imports_resume_paused(*, workspace_id: int) -> int:
    """Called when credits arrive: every paused import of the workspace goes on."""
    return sum(
        import_resume(job=job)
        for job in ImportJob.objects.filter(workspace_id=workspace_id, status=ImportJob.Status.PAUSED)
    )


def import_undo_refusal(job: ImportJob) -> str | None:
    """Why this import cannot be undone now, or None when it can (the page asks the same)."""
    if job.status not in {ImportJob.Status.DONE, ImportJob.Status.PAUSED, ImportJob.Status.FAILED}:
        return "Only a finished or paused import can be undone."
    if job.finished_at and timezone.now() - job.finished_at > datetime.timedelta(days=settings.IMPORT_UNDO_DAYS):
        return f"Imports can be undone for {settings.IMPORT_UNDO_DAYS} days; this one is older."
    return None


@transaction.atomic
def import_undo(*, job: ImportJob, user: User | None) -> int:
    """Move every contact this import created to the trash (credits are not refunded)."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if refusal := import_undo_refusal(job):
        raise ImportStateError(refusal)
    now = timezone.now()
    created = Contact.objects.filter(workspace_id=job.workspace_id, import_batch_id=job.pk, deleted_at__isnull=True)
    ids = list(created.values_list("id", flat=True))
    Contact.objects.filter(id__in=ids).update(deleted_at=now, updated_at=now)
    Activity.objects.bulk_create(
        [Activity(workspace_id=job.workspace_id, contact_id=cid, kind=Activity.Kind.TRASHED,
                  data={"undo_import": str(job.pk)}, created_by=user, created_at=now) for cid in ids],
        batch_size=2000,
    )
    job.status = ImportJob.Status.UNDONE
    job.undone_at = now
    job.message = f"Undone: {len(ids):,} imported contacts moved to the trash. Credits spent are not refunded."
    job.save(update_fields=["status", "undone_at", "message"])
    return len(ids)


# --- the engine ----------------------------------------------------------------------

def import_run(*, job_id: str) -> ImportJob:
    """Run (or resume) an import to the end, or until credits run out. Safe to call again."""
    started = ImportJob.objects.filter(
        pk=job_id, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
    ).update(status=ImportJob.Status.RUNNING)
    job = ImportJob.objects.get(pk=job_id)
    if not started:
        return job
    if job.started_at is None:
        ImportJob.objects.filter(pk=job_id, started_at__isnull=True).update(started_at=timezone.now())
    if privacy_selectors.processing_restricted(workspace=job.workspace):
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING).update(
            status=ImportJob.Status.PAUSED,
            message="Paused: processing of your data is restricted. Lift the restriction in the privacy "
            "center, then resume the import.",
        )
        return ImportJob.objects.get(pk=job_id)
    text = _source_text(job)
    position = job.rows_done
    reader = _ReadAhead(iter_items(job, text, start=position))
    try:
        while True:
            job.refresh_from_db()
            if job.status != ImportJob.Status.RUNNING:
                return job
            if job.rows_done != position:
                # Another worker (a redelivered task) moved the job on: continue from there.
                reader.close()
                position = job.rows_done
                reader = _ReadAhead(iter_items(job, text, start=position))
            items = reader.next_batch()
            if not items:
                return _finish(job)
            _import_batch(job_id=job.pk, items=items, start=position)
            position += len(items)
            after_batch(job)
    finally:
        reader.close()


class _ReadAhead:
    """Reads, validates and prepares the next batches in a thread while the database
    writes the current one (the thread's work is pure Python; the waits on PostgreSQL
    release the GIL). Batches come out in file order; an error in the thread is raised
    by ``next_batch``.

    While it runs, the interpreter hands the GIL over every 0.5 ms instead of 5 ms: each
    of a batch's round trips to PostgreSQL gives the GIL to the busy reader, and the
    engine would otherwise wait up to a whole interval to get it back (the "convoy
    effect"), ~15 times a batch. Measured: ~15% more rows/s at 100k rows."""

    _END = object()
    SWITCH_INTERVAL = 0.0005

    def __init__(self, items: Iterator[Item], *, depth: int = 2):
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._ended = False
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, self.SWITCH_INTERVAL))
        self._thread = threading.Thread(target=self._read, args=(items,), name="import-read-ahead", daemon=True)
        self._thread.start()

    def _read(self, items: Iterator[Item]) -> None:
        try:
            for batch in _chunks(items, settings.IMPORT_BATCH_SIZE):
                for item in batch:
                    if item.draft.valid:
                        item.columns = ContactColumns.of(item.draft)
                if not self._put(batch):
                    return
            self._put(self._END)
        except BaseException as exc:  # handed to the engine, which fails the job
            self._put(exc)

    def _put(self, value) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(value, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def next_batch(self) -> list[Item]:
        if self._ended:
            return []
        value = self._queue.get()
        if value is self._END:
            self._ended = True
            return []
        if isinstance(value, BaseException):
            self._ended = True
            raise value
        return value

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        sys.setswitchinterval(self._switch_interval)


def after_batch(job: ImportJob) -> None:
    """A seam for tests that simulate a worker killed between batches."""


def _finish(job: ImportJob) -> ImportJob:
    if job.created_count >= 1000:
        contacts_after_bulk_load(workspace_id=job.workspace_id)
    now = timezone.now()
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
        status=ImportJob.Status.DONE, finished_at=now, message=""
    )
    job.refresh_from_db()
    if updated:
        _forget_source(job)
    took_long = job.started_at and (now - job.started_at).total_seconds() > settings.IMPORT_EMAIL_AFTER_SECONDS
    if updated and took_long and job.created_by_id:
        send_templated_email(
            template="import_done",
            to=[job.created_by.email],
            user=job.created_by,
            category=EmailCategory.SERVICE,
            context={"job": job, "url": f"{settings.SITE_URL}/contacts/import/{job.pk}/"},
        )
    return job


def _import_batch(*, job_id, items: list[Item], start: int) -> None:
    try:
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job_id)
            if job.status != ImportJob.Status.RUNNING or job.rows_done != start:
                return  # another worker moved on (redelivered task); the caller re-reads the job
            plan = _Classifier(job).classify([item.draft for item in items])
            price = credit_services.price_for(action=IMPORT_ACTION)
            affordable = None
            if price:
                affordable = max(0, credit_selectors.balance_for(workspace=job.workspace)) // price
            processed, creates, updates, failures, skipped = [], [], [], [], 0
            for item, (action, target) in zip(items, plan, strict=True):
                if action == "create" and affordable is not None and len(creates) >= affordable:
                    break
                processed.append(item)
                if action == "fail":
                    failures.append(item)
                elif action == "create":
                    creates.append(item)
                elif action == "update":
                    updates.append((item, target))
                else:
                    skipped += 1
            paused = len(processed) < len(items)
            now = timezone.now()
            _create_contacts(job, creates, now)
            updated = _update_contacts(job, updates, now)
            ImportFailure.objects.bulk_create(
                [ImportFailure(workspace_id=job.workspace_id, job=job, row_number=item.number,
                               reason=" ".join(item.draft.errors), cells=item.cells) for item in failures],
                ignore_conflicts=True,
            )
            if creates:
                credit_services.spend(
                    workspace=job.workspace, action=IMPORT_ACTION, quantity=len(creates), user=job.created_by,
                    idempotency_key=f"import:{job.pk}:rows:{start}-{start + len(processed)}",
                )
            fields = {
                "rows_done": F("rows_done") + len(processed),
                "created_count": F("created_count") + len(creates),
                "updated_count": F("updated_count") + updated,
                "skipped_count": F("skipped_count") + skipped + (len(updates) - updated),
                "failed_count": F("failed_count") + len(failures),
            }
            if paused:
                fields.update(
                    status=ImportJob.Status.PAUSED,
                    message=PAUSED_MESSAGE.format(done=start + len(processed), total=job.total_rows),
                )
            ImportJob.objects.filter(pk=job.pk).update(**fields)
    except InsufficientCredits:
        # Someone spent credits between our balance check and our spend: nothing of this
        # batch was kept; pause and let a purchase resume from the same row.
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING).update(
            status=ImportJob.Status.PAUSED,
            message=PAUSED_MESSAGE.format(done=start, total=ImportJob.objects.get(pk=job_id).total_rows),
        )


class _Classifier:
    """Decides, per draft: fail, create, skip or update (with the matched contact id).

    Duplicates are found on normalised email and E.164 phone, against the workspace's
    live contacts and against earlier rows of the same import."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.seen: dict[str, int | str] = {}  # key -> contact id, or "row:<n>" for a row of this file

    def classify(self, drafts: list[Draft]) -> list[tuple[str, int | str | None]]:
        emails = list({e for d in drafts if d.valid for e in d.normalised_emails})
        phones = list({p for d in drafts if d.valid for _, p in d.phones})
        existing: dict[str, int] = {}
        # Raw SQL: values are already normalised, and the ORM's phone field would re-validate each one.
        with connection.cursor() as cursor:
            if emails:
                cursor.execute(
                    "SELECT e.value_normalised, e.contact_id FROM contacts_contactemail e"
                    " JOIN contacts_contact c ON c.id = e.contact_id AND c.deleted_at IS NULL"
                    " WHERE e.workspace_id = %s AND e.value_normalised = ANY(%s)",
                    [self.job.workspace_id, emails],
                )
                existing.update(cursor.fetchall())
            if phones:
                cursor.execute(
                    "SELECT 'tel:' || p.number, p.contact_id FROM contacts_contactphone p"
                    " JOIN contacts_contact c ON c.id = p.contact_id AND c.deleted_at IS NULL"
                    " WHERE p.workspace_id = %s AND p.number = ANY(%s)",
                    [self.job.workspace_id, phones],
                )
                existing.update(cursor.fetchall())
        plan = []
        policy = self.job.duplicate_policy
        for draft in drafts:
            if not draft.valid:
                plan.append(("fail", None))
                continue
            keys = draft.normalised_emails + [f"tel:{p}" for _, p in draft.phones]
            match = next((existing.get(k) for k in keys if k in existing), None)
            if match is None:
                match = next((self.seen[k] for k in keys if k in self.seen), None)
            if match is None or policy == ImportJob.Duplicates.CREATE:
                plan.append(("create", match))
                marker = f"row:{draft.row_number}"
                for key in keys:
                    self.seen.setdefault(key, marker)
            elif policy == ImportJob.Duplicates.UPDATE and isinstance(match, int):
                plan.append(("update", match))
            else:
                # Skipped, or a repeat of an earlier row of this same file.
                plan.append(("skip", match))
        return plan


# --- writing -----------------------------------------------------------------------

def _copy(table: str, columns: list[str], rows) -> None:
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _tag_ids(workspace_id: int, names: set[str]) -> dict[str, int]:
    if not names:
        return {}
    wanted = {name.lower(): name for name in names}
    existing = {t.name.lower(): t.id for t in Tag.objects.filter(workspace_id=workspace_id)
                if t.name.lower() in wanted}
    missing = [Tag(workspace_id=workspace_id, name=name) for low, name in wanted.items() if low not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name.lower(): t.id for t in Tag.objects.filter(workspace_id=workspace_id)
                    if t.name.lower() in wanted}
    return existing


def _create_contacts(job: ImportJob, items: list[Item], now: datetime.datetime) -> None:
    if not items:
        return
    ws = job.workspace_id
    with connection.cursor() as cursor:
        # New search-index entries go to GIN's pending list (merged later by autovacuum)
        # instead of being placed one by one: the bulk of a batch's database time otherwise.
        cursor.execute("SET LOCAL gin_pending_list_limit = 65536")
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('contacts_contact', 'id')) FROM generate_series(1, %s)",
            [len(items)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    tags = _tag_ids(ws, {tag for item in items for tag in item.draft.tags})
    contacts, emails, phones, addresses, links, activities = [], [], [], [], [], []
    activity_data = json.dumps({"import": str(job.pk)})
    for contact_id, item in zip(ids, items, strict=True):
        d, c = item.draft, item.columns or ContactColumns.of(item.draft)
        contacts.append((
            contact_id, ws, d.given_name, d.family_name, c.display_name, d.company, d.job_title, d.birthday,
            d.website, d.notes, c.custom_values, d.emails[0][1].lower() if d.emails else "", d.phone_display,
            c.sort_name, c.name_key, c.search_document, c.fuzzy_document, job.created_by_id, now, now, job.pk,
        ))
        for index, (label, address) in enumerate(d.emails):
            emails.append((ws, contact_id, label, index == 0, address.lower(), address.lower()))
        for index, (label, number) in enumerate(d.phones):
            phones.append((ws, contact_id, label, index == 0, number))
        for index, a in enumerate(d.addresses):
            addresses.append((ws, contact_id, a.get("label", ""), index == 0, a.get("street", ""), a.get("city", ""),
                              a.get("region", ""), a.get("postal_code", ""), a.get("country", "")))
        for tag in d.tags:
            links.append((ws, contact_id, tags[tag.lower()]))
        activities.append((ws, contact_id, Activity.Kind.IMPORTED, activity_data, job.created_by_id, now))
    _copy("contacts_contact", [
        "id", "workspace_id", "given_name", "family_name", "display_name", "company", "job_title", "birthday",
        "website", "notes_summary", "custom_values", "primary_email", "primary_phone", "sort_name", "name_key",
        "search_document", "fuzzy_document", "created_by_id", "created_at", "updated_at", "import_batch_id",
    ], contacts)
    _copy("contacts_contactemail", ["workspace_id", "contact_id", "label", "is_primary", "value", "value_normalised"],
          emails)
    _copy("contacts_contactphone", ["workspace_id", "contact_id", "label", "is_primary", "number"], phones)
    _copy("contacts_contactaddress", ["workspace_id", "contact_id", "label", "is_primary", "street", "city", "region",
                                      "postal_code", "country"], addresses)
    _copy("contacts_contacttag", ["workspace_id", "contact_id", "tag_id"], set(links))
    _copy("contacts_activity", ["workspace_id", "contact_id", "kind", "data", "created_by_id", "created_at"],
          activities)


def _update_contacts(job: ImportJob, updates: list[tuple[Item, int]], now: datetime.datetime) -> int:
    """Fill the matched contacts with the row's values; add emails, phones, addresses, tags they lack."""
    from contacts.services import contact_refresh_derived

    if not updates:
        return 0
    ws = job.workspace_id
    contacts = Contact.objects.in_bulk([contact_id for _, contact_id in updates])
    tag_ids_by_name = _tag_ids(ws, {tag for item, _ in updates for tag in item.draft.tags})
    changed_contacts = 0
    for item, contact_id in updates:
        contact = contacts.get(contact_id)
        if contact is None:
            continue
        d = item.draft
        changed = []
        for name in ("given_name", "family_name", "company", "job_title", "website"):
            value = getattr(d, name)
            if value and getattr(contact, name) != value:
                setattr(contact, name, value)
                changed.append(name)
        if d.display_name and d.display_name != contact.display_name:
            contact.display_name = d.display_name
            changed.append("display_name")
        if d.birthday and contact.birthday != d.birthday:
            contact.birthday = d.birthday
            changed.append("birthday")
        if d.notes and d.notes not in contact.notes_summary:
            contact.notes_summary = "\n".join(filter(None, [contact.notes_summary, d.notes]))
            changed.append("notes_summary")
        if d.custom:
            contact.custom_values = {**contact.custom_values, **d.custom}
            changed.append("custom_values")
        have_emails = set(ContactEmail.objects.filter(workspace_id=ws, contact=contact)
                          .values_list("value_normalised", flat=True))
        new_emails = [e.lower() for _, e in d.emails if e.lower() not in have_emails]
        ContactEmail.objects.bulk_create([
            ContactEmail(workspace_id=ws, contact=contact, label=label, value=e.lower(), value_normalised=e.lower(),
                         is_primary=not have_emails and i == 0)
            for i, (label, e) in enumerate((lbl, e) for lbl, e in d.emails if e.lower() in new_emails)
        ])
        have_phones = {str(n) for n in ContactPhone.objects.filter(workspace_id=ws, contact=contact)
                       .values_list("number", flat=True)}
        new_phones = [(label, p) for label, p in d.phones if p not in have_phones]
        ContactPhone.objects.bulk_create([
            ContactPhone(workspace_id=ws, contact=contact, label=label, number=p, is_primary=not have_phones and i == 0)
            for i, (label, p) in enumerate(new_phones)
        ])
        has_address = ContactAddress.objects.filter(workspace_id=ws, contact=contact).exists()
        for a in d.addresses if not has_address else []:
            ContactAddress.objects.create(workspace_id=ws, contact=contact, is_primary=True, **a)
            changed.append("addresses")
        ContactTag.objects.bulk_create(
            [ContactTag(workspace_id=ws, contact=contact, tag_id=tag_ids_by_name[tag.lower()]) for tag in d.tags],
            ignore_conflicts=True,
        )
        if new_emails:
            changed.append("emails")
        if new_phones:
            changed.append("phones")
        if d.tags:
            changed.append("tags")
        if not changed:
            continue
        contact.updated_at = now
        contact.save()
        contact_refresh_derived(contact=contact)
        Activity.objects.create(workspace_id=ws, contact=contact, kind=Activity.Kind.IMPORTED,
                                data={"import": str(job.pk), "updated": sorted(set(changed))},
                                created_by_id=job.created_by_id, created_at=now)
        changed_contacts += 1
    return changed_contacts


def _chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _forget_source(job: ImportJob) -> None:
    """The uploaded file holds other people's data: once the import is over it goes (failed
    rows are kept, with reasons, for their download; undo needs only the contacts)."""
    if job.source:
        job.source.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(source="")


def import_fail(*, job_id) -> None:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is not None:
        _forget_source(job)
    ImportJob.objects.filter(pk=job_id, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]).update(
        status=ImportJob.Status.FAILED,
        finished_at=timezone.now(),
        message="The import stopped because of an error on our side. Rows imported so far are kept; "
        "contact support if it happens again.",
    )
