"""Exporting contacts as CSV or vCard 4.0, streamed from a server-side cursor.

Rows come from one SQL query that aggregates each contact's emails, phones,
addresses and tags, read in chunks through a named cursor, so memory stays flat
whatever the size. The same generators feed the download response and the
background export file. Exports are free.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.core.files.base import File
from django.db import connection, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from accounts.models import User, Workspace
from contacts.models import ContactAddress, ContactExport, CustomField
from essence.emails import EmailCategory, send_templated_email

MULTI = " ::: "  # how several values share one CSV cell (Google's convention; our import splits on it)
CHUNK = 2000
ADDRESS_PARTS = [("street", "Street"), ("city", "City"), ("region", "Region"), ("postal_code", "Postal Code"),
                 ("country", "Country")]

_ROWS_SQL = """
SELECT c.id, c.given_name, c.family_name, c.display_name, c.company, c.job_title, c.birthday, c.website,
       c.notes_summary, c.custom_values,
       (SELECT coalesce(json_agg(json_build_array(e.label, e.value) ORDER BY e.is_primary DESC, e.id), '[]'::json)
          FROM contacts_contactemail e WHERE e.workspace_id = c.workspace_id AND e.contact_id = c.id),
       (SELECT coalesce(json_agg(json_build_array(p.label, p.number) ORDER BY p.is_primary DESC, p.id), '[]'::json)
          FROM contacts_contactphone p WHERE p.workspace_id = c.workspace_id AND p.contact_id = c.id),
       (SELECT coalesce(json_agg(json_build_array(a.label, a.street, a.city, a.region, a.postal_code, a.country)
                                 ORDER BY a.is_primary DESC, a.id), '[]'::json)
          FROM contacts_contactaddress a WHERE a.workspace_id = c.workspace_id AND a.contact_id = c.id),
       (SELECT coalesce(json_agg(t.name ORDER BY lower(t.name)), '[]'::json)
          FROM contacts_contacttag ct JOIN contacts_tag t ON t.id = ct.tag_id
         WHERE ct.workspace_id = c.workspace_id AND ct.contact_id = c.id)
  FROM contacts_contact c
 WHERE c.workspace_id = %s AND c.id IN ({ids})
 ORDER BY c.sort_name, c.id
"""


def _rows(workspace: Workspace, contacts: QuerySet) -> Iterator[tuple]:
    ids_sql, ids_params = contacts.values("id").query.sql_with_params()
    sql = _ROWS_SQL.format(ids=ids_sql)
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, [workspace.id, *ids_params])
        while batch := cursor.fetchmany(CHUNK):
            yield from batch


def _as_list(value):
    # Django hands json/jsonb columns of raw queries back as text.
    return json.loads(value) if isinstance(value, str) else (value or [])


def _as_dict(value):
    return json.loads(value) if isinstance(value, str) else (value or {})


# --- CSV -----------------------------------------------------------------------------

def csv_header(custom_fields: list[CustomField], address_count: int) -> list[str]:
    header = ["First Name", "Last Name", "Full Name", "Company", "Job Title", "Emails", "Phones"]
    for n in range(1, address_count + 1):
        header += [f"Address {n} - {label}" for _, label in ADDRESS_PARTS]
    header += ["Birthday", "Website", "Notes", "Tags"] + [field.name for field in custom_fields]
    return header


def _esc(expression: str) -> str:
    """SQL for a text cell escaped against spreadsheet formulas (the same rule as escape_cell)."""
    # ascii() reads the first character's code: far cheaper than a regular expression on
    # every cell of a large export. = + - @ tab CR, as _FORMULA_STARTS.
    return (f"CASE WHEN ascii({expression}) IN (61, 43, 45, 64, 9, 13) THEN chr(39) || ({expression})"
            f" ELSE ({expression}) END")


def _custom_sql(key: str) -> str:
    value = f"c.custom_values -> '{int(key)}'"
    # Whole numbers as "1200", not "1200.0"; text and dates as they are.
    return (f"CASE WHEN jsonb_typeof({value}) = 'number' AND ({value})::numeric = trunc(({value})::numeric)"
            f" THEN trunc(({value})::numeric)::text ELSE {value} #>> '{{}}' END")


# The contact columns the CSV reads, selected by the export's own queryset (its filters
# and workspace scope included), so PostgreSQL scans the contacts once.
_CSV_CONTACT_COLUMNS = ["id", "workspace_id", "given_name", "family_name", "display_name", "company", "job_title",
                        "birthday", "website", "notes_summary", "custom_values", "sort_name"]


def _children_sql(table: str, value: str, order: str, alias: str, join: str = "") -> str:
    """One row per contact with its values joined by MULTI, in ``order``.

    Ordered in a subquery, then aggregated without ORDER BY: PostgreSQL 15 would otherwise
    sort each contact's few values separately, the costliest part of a large export. The
    aggregate reads its input in order whether it groups by sorting (the input is already
    sorted by contact) or by hashing (it adds values in arrival order); parallel plans,
    which could interleave, are switched off for the export."""
    return (
        f" LEFT JOIN (SELECT s.contact_id, string_agg(s.value, '{MULTI}') AS {alias} FROM"  # noqa: S608
        f" (SELECT x.contact_id, {value} AS value FROM {table} x{join}"
        f"   WHERE x.workspace_id = %(ws)s ORDER BY x.contact_id, {order}) s"
        f" GROUP BY s.contact_id) {alias} ON {alias}.contact_id = c.id"
    )


def _csv_copy_sql(custom_fields: list[CustomField], address_count: int, contacts_sql: str) -> str:
    """One statement for the whole export. Children are aggregated once per table for the
    workspace and merge-joined (cheaper than a lookup per contact when exporting many)."""
    columns = [_esc(f"c.{name}") for name in ("given_name", "family_name", "display_name", "company", "job_title")]
    columns += [_esc("emails.emails"), _esc("phones.phones")]
    for n in range(1, address_count + 1):
        columns += [_esc(f"ad.{part}s[{n}]") for part, _ in ADDRESS_PARTS]
    columns += [_esc("to_char(c.birthday, 'YYYY-MM-DD')"), _esc("c.website"), _esc("c.notes_summary"),
                _esc("tags.tags")]
    columns += [_esc(_custom_sql(field.key)) for field in custom_fields]
    address_arrays = ", ".join(
        f"array_agg(a.{part} ORDER BY a.is_primary DESC, a.id) AS {part}s" for part, _ in ADDRESS_PARTS
    )
    # Built from constant column names and integer field ids only; values travel as parameters.
    return (
        f"COPY (SELECT {', '.join(columns)} FROM ({contacts_sql}) c"  # noqa: S608
        + _children_sql("contacts_contactemail", "x.value", "x.is_primary DESC, x.id", "emails")
        + _children_sql("contacts_contactphone", "x.number", "x.is_primary DESC, x.id", "phones")
        + _children_sql("contacts_contacttag", "t.name", "lower(t.name)", "tags",
                        join=" JOIN contacts_tag t ON t.id = x.tag_id")
        + f" LEFT JOIN (SELECT a.contact_id, {address_arrays}"  # noqa: S608
        "   FROM contacts_contactaddress a WHERE a.workspace_id = %(ws)s GROUP BY a.contact_id) ad"
        "   ON ad.contact_id = c.id"
        # Byte order of the folded names (what a C.UTF-8 database gives anyway): memcmp with
        # abbreviated keys sorts 100k rows several times faster than a locale's strcoll.
        " WHERE c.workspace_id = %(ws)s ORDER BY c.sort_name COLLATE \"C\", c.id)"
        " TO STDOUT WITH (FORMAT csv)"
    )


def iter_csv(*, workspace: Workspace, contacts: QuerySet, progress=None) -> Iterator[bytes]:
    """CSV bytes: a BOM (so Excel reads UTF-8), a header, one row per contact.

    PostgreSQL writes the rows in one COPY ... TO STDOUT (CSV quoting, formula cells
    escaped in SQL) and Python passes each block on as it arrives, so memory stays flat
    whatever the size. Progress counts line ends, which a note spanning lines can
    overstate a little; it is capped at the total."""
    custom_fields = list(CustomField.objects.filter(workspace=workspace).order_by("name"))
    address_count = _max_addresses(workspace, contacts)
    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow(csv_header(custom_fields, address_count))
    yield ("\ufeff" + header.getvalue()).encode("utf-8")
    contacts_sql, contacts_params = (contacts.filter(workspace=workspace).order_by()
                                     .values(*_CSV_CONTACT_COLUMNS).query.sql_with_params())
    # The queryset's own %s placeholders become named ones so they mix with %(ws)s.
    names = [f"p{i}" for i in range(len(contacts_params))]
    contacts_sql = contacts_sql.replace("%", "%%").replace("%%s", "%s") % tuple(f"%({n})s" for n in names)
    sql = _csv_copy_sql(custom_fields, address_count, contacts_sql)
    params = {"ws": workspace.id, **dict(zip(names, contacts_params, strict=True))}
    with transaction.atomic(), connection.cursor() as cursor:
        # The per-table aggregates come out ordered by contact, so they are merge-joined to
        # the contacts (sorted by id) in one pass: no hash tables to build, and never the
        # nested loop that statistics lagging a bulk load can make the planner pick (it would
        # re-aggregate a table per contact). The final sort of a large export stays in
        # memory. Parallel workers would each rebuild every aggregate, and an export should
        # not take every core.
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("SET LOCAL enable_hashjoin = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        with cursor.cursor.copy(sql, params) as copy:
            yield from _with_progress(copy, progress)


STREAM_CHUNK = 64 * 1024


def _with_progress(copy, progress) -> Iterator[bytes]:
    """COPY hands over one row at a time; pass them on in chunks of about STREAM_CHUNK bytes
    (a response write per row would be 100k small writes for 100k contacts)."""
    lines = 0
    pending = bytearray()
    for data in copy:
        pending += data
        if len(pending) >= STREAM_CHUNK:
            block = bytes(pending)
            pending.clear()
            yield block
            if progress:
                lines += block.count(b"\n")
                progress(lines)
    if pending:
        yield bytes(pending)
        if progress:
            progress(lines + pending.count(b"\n"))


def _max_addresses(workspace: Workspace, contacts: QuerySet) -> int:
    """How many address column groups the CSV needs (at least one)."""
    top = (ContactAddress.objects.filter(workspace=workspace, contact__in=contacts)
           .values("contact_id").annotate(n=Count("id")).order_by("-n").first())
    return max(1, top["n"]) if top else 1


def _custom_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- vCard 4.0 -----------------------------------------------------------------------

def _escape(value: str) -> str:
    return (str(value).replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 6350 3.2)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line + "\r\n"
    parts, current = [], b""
    for char in line:
        piece = char.encode("utf-8")
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += piece
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts) + "\r\n"


def _type(label: str, mapping: dict[str, str]) -> str:
    kind = mapping.get((label or "").lower())
    return f";TYPE={kind}" if kind else ""


_EMAIL_TYPES = {"work": "work", "home": "home"}
_TEL_TYPES = {"mobile": "cell", "cell": "cell", "work": "work", "home": "home", "fax": "fax", "main": "voice"}


def vcard_for(row: tuple, custom_fields: list[CustomField]) -> str:
    (_, given, family, display, company, title, birthday, website, notes, custom, emails, phones, addresses,
     tags) = row
    custom = _as_dict(custom)
    lines = ["BEGIN:VCARD", "VERSION:4.0", f"FN:{_escape(display)}",
             f"N:{_escape(family)};{_escape(given)};;;"]
    if company:
        lines.append(f"ORG:{_escape(company)}")
    if title:
        lines.append(f"TITLE:{_escape(title)}")
    for label, address in _as_list(emails):
        lines.append(f"EMAIL{_type(label, _EMAIL_TYPES)}:{address}")
    for label, number in _as_list(phones):
        lines.append(f"TEL;VALUE=uri{_type(label, _TEL_TYPES)}:tel:{number}")
    for label, street, city, region, postal_code, country in _as_list(addresses):
        parts = ";".join(_escape(p or "") for p in (street, city, region, postal_code, country))
        lines.append(f"ADR{_type(label, _EMAIL_TYPES)}:;;{parts}")
    if birthday:
        lines.append(f"BDAY:{birthday:%Y%m%d}")
    if website:
        lines.append(f"URL:{website}")
    if notes:
        lines.append(f"NOTE:{_escape(notes)}")
    tag_list = _as_list(tags)
    if tag_list:
        lines.append("CATEGORIES:" + ",".join(_escape(tag) for tag in tag_list))
    for field in custom_fields:
        value = custom.get(field.key)
        if value not in (None, ""):
            lines.append(f"X-ESSENCE-FIELD;X-NAME={_param(field.name)}:{_escape(_custom_text(value))}")
    lines.append("END:VCARD")
    return "".join(_fold(line) for line in lines)


def _param(value: str) -> str:
    return '"' + value.replace('"', "'") + '"'


def iter_vcf(*, workspace: Workspace, contacts: QuerySet, progress=None) -> Iterator[bytes]:
    custom_fields = list(CustomField.objects.filter(workspace=workspace).order_by("name"))
    chunk, done = [], 0
    for row in _rows(workspace, contacts):
        chunk.append(vcard_for(row, custom_fields))
        done += 1
        if len(chunk) >= 500:
            yield "".join(chunk).encode("utf-8")
            chunk = []
            if progress:
                progress(done)
    yield "".join(chunk).encode("utf-8")
    if progress:
        progress(done)


FORMATS = {
    "csv": (iter_csv, "text/csv; charset=utf-8", "csv"),
    "vcf": (iter_vcf, "text/vcard; charset=utf-8", "vcf"),
}


def export_filename(fmt: str, now: datetime.datetime | None = None) -> str:
    return f"essence-contacts-{(now or timezone.now()):%Y-%m-%d}.{FORMATS[fmt][2]}"


# --- background exports ------------------------------------------------------------------

def export_start(*, workspace: Workspace, user: User, fmt: str, query: dict, total: int) -> ContactExport:
    from contacts.tasks import contact_export_build_task

    export = ContactExport.objects.create(workspace=workspace, created_by=user, format=fmt, query=query, total=total)
    transaction.on_commit(lambda: contact_export_build_task.delay(str(export.pk)))
    return export


def export_build(*, export_id: str) -> ContactExport:
    """Write the file, then email a login-only link. Re-running rewrites the same file."""
    from contacts.exporting.scope import contacts_for_query

    export = ContactExport.objects.select_related("workspace", "created_by").get(pk=export_id)
    if export.status in {ContactExport.Status.READY, ContactExport.Status.EXPIRED}:
        return export
    ContactExport.objects.filter(pk=export.pk).update(status=ContactExport.Status.RUNNING, done=0)
    generator, _, _ = FORMATS[export.format]
    contacts = contacts_for_query(workspace=export.workspace, query=export.query)

    def progress(done):
        ContactExport.objects.filter(pk=export.pk).update(done=min(done, export.total))

    now = timezone.now()
    content = _TextChunks(generator(workspace=export.workspace, contacts=contacts, progress=progress))
    export.file.save(export_filename(export.format, now), File(content), save=False)
    export.status = ContactExport.Status.READY
    export.finished_at = now
    export.expires_at = now + datetime.timedelta(days=settings.EXPORT_LINK_DAYS)
    export.done = export.total
    export.save(update_fields=["file", "status", "finished_at", "expires_at", "done", "total"])
    if export.created_by:
        send_templated_email(
            template="contact_export_ready", to=[export.created_by.email], user=export.created_by,
            category=EmailCategory.TRANSACTIONAL,
            context={"export": export, "url": f"{settings.SITE_URL}/contacts/export/{export.pk}/download/"},
        )
    return export


class _TextChunks(io.RawIOBase):
    """A file-like object over a generator of byte chunks, for Storage.save() without holding it all."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self):
        return True

    def readinto(self, buffer):
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size], self._pending = self._pending[:size], self._pending[size:]
        return size


# --- "Download my data" (privacy center) ------------------------------------------------

def contacts_everything(*, workspace: Workspace) -> list[dict]:
    """Every contact the workspace holds, trashed ones too, with notes, timeline, reminders and
    custom fields by name: contacts.json in the privacy export."""
    from django.db.models import Prefetch

    from contacts.models import Activity, Contact, Note, Reminder, Tag

    fields = {f.key: f.name for f in CustomField.objects.filter(workspace=workspace)}
    contacts = (
        Contact.objects.filter(workspace=workspace).order_by("id")
        .prefetch_related(
            "emails", "phones", "addresses",
            Prefetch("tags", queryset=Tag.objects.order_by("name")),
            Prefetch("notes", queryset=Note.objects.order_by("id")),
            Prefetch("activities", queryset=Activity.objects.order_by("id")),
            Prefetch("reminders", queryset=Reminder.objects.order_by("id")),
        )
    )
    return [
        {
            "id": c.id, "given_name": c.given_name, "family_name": c.family_name, "display_name": c.display_name,
            "company": c.company, "job_title": c.job_title, "birthday": c.birthday, "website": c.website,
            "about": c.notes_summary, "created_at": c.created_at, "updated_at": c.updated_at,
            "in_trash_since": c.deleted_at,
            "emails": [{"label": e.label, "email": e.value, "primary": e.is_primary} for e in c.emails.all()],
            "phones": [{"label": p.label, "number": str(p.number), "primary": p.is_primary} for p in c.phones.all()],
            "addresses": [{"label": a.label, "street": a.street, "city": a.city, "region": a.region,
                           "postal_code": a.postal_code, "country": a.country, "primary": a.is_primary}
                          for a in c.addresses.all()],
            "tags": [t.name for t in c.tags.all()],
            "custom_fields": {fields.get(key, key): value for key, value in (c.custom_values or {}).items()},
            "notes": [{"text": n.body, "created_at": n.created_at} for n in c.notes.all()],
            "timeline": [{"what": a.kind, "details": a.data, "at": a.created_at} for a in c.activities.all()],
            "reminders": [{"due_at": r.due_at, "message": r.message, "status": r.status, "done": r.done,
                           "sent_at": r.sent_at} for r in c.reminders.all()],
        }
        for c in contacts
    ]


def contacts_file_text(*, workspace: Workspace, fmt: str) -> str:
    """All live contacts as CSV or vCard text (the privacy export's contacts.csv / .vcf)."""
    from contacts.models import Contact

    generator = FORMATS[fmt][0]
    live = Contact.objects.filter(workspace=workspace, deleted_at__isnull=True)
    return b"".join(generator(workspace=workspace, contacts=live)).decode("utf-8")
