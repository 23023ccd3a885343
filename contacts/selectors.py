"""Reads on contacts, always scoped to one workspace from the first line."""

from __future__ import annotations

import base64
import json
import math
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.cache import cache
from django.db import transaction
from django.db.models import BooleanField, Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils.dateparse import parse_datetime

from accounts.models import Workspace
from contacts import search
from contacts.models import (
    Activity,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    CustomField,
    Note,
    Reminder,
    Tag,
)

PAGE_SIZE = 50
SEARCH_LIMIT = 50
FUZZY_CANDIDATES = 200
COUNT_CAP = 1_000  # "1,000+ contacts": counting further costs time and helps no one

# sort name -> (columns, descending)
SORTS = {
    "name": (["sort_name", "id"], False),
    "company": (["company", "sort_name", "id"], False),
    "created": (["created_at", "id"], True),
    "updated": (["updated_at", "id"], True),
}


@dataclass
class ContactFilters:
    q: str = ""
    tag: int | None = None
    company: str = ""
    has_email: bool = False
    has_phone: bool = False
    created_from: date | None = None
    created_to: date | None = None
    updated_from: date | None = None
    updated_to: date | None = None
    custom_field: int | None = None
    custom_value: str = ""
    sort: str = "name"
    after: str = ""  # keyset cursor
    extra: dict = field(default_factory=dict)


@dataclass
class ContactPage:
    contacts: list[Contact]
    next_cursor: str = ""
    count: int = 0
    count_capped: bool = False
    searching: bool = False
    fuzzy: bool = False
    # The workspace's tags when the rows named one the cached list did not know (reloaded).
    tags: list[Tag] | None = None


# --- gates -------------------------------------------------------------------------

def contact_get_for_workspace(*, workspace: Workspace, contact_id: int, trashed: bool | None = False) -> Contact:
    """The one access gate for a contact: Http404 unless it belongs to ``workspace``.
    ``trashed``: False → live only, True → trash only, None → either."""
    qs = Contact.objects.filter(workspace=workspace, id=contact_id)
    if trashed is not None:
        qs = qs.filter(deleted_at__isnull=not trashed)
    contact = qs.first()
    if contact is None:
        raise Http404("No such contact")
    return contact


def _get_or_404(model, *, workspace: Workspace, **lookup):
    obj = model.objects.filter(workspace=workspace, **lookup).first()
    if obj is None:
        raise Http404(f"No such {model._meta.verbose_name}")
    return obj


def tag_get_for_workspace(*, workspace: Workspace, tag_id: int) -> Tag:
    return _get_or_404(Tag, workspace=workspace, id=tag_id)


def custom_field_get_for_workspace(*, workspace: Workspace, field_id: int) -> CustomField:
    return _get_or_404(CustomField, workspace=workspace, id=field_id)


def reminder_get_for_workspace(*, workspace: Workspace, contact: Contact, reminder_id: int) -> Reminder:
    return _get_or_404(Reminder, workspace=workspace, contact=contact, id=reminder_id)


# --- lists ---------------------------------------------------------------------------

def tags_for(*, workspace: Workspace) -> QuerySet[Tag]:
    return Tag.objects.filter(workspace=workspace).order_by("name")


def tags_with_counts(*, workspace: Workspace) -> list[Tag]:
    counts = dict(ContactTag.objects.filter(workspace=workspace, contact__deleted_at__isnull=True)
                  .values_list("tag_id").annotate(n=Count("id")).values_list("tag_id", "n"))
    tags = list(tags_for(workspace=workspace))
    for t in tags:
        t.contact_count = counts.get(t.id, 0)
    return tags


def custom_fields_for(*, workspace: Workspace) -> QuerySet[CustomField]:
    return CustomField.objects.filter(workspace=workspace).order_by("name")


# --- the list's choices (tags, custom fields), cached per workspace ----------------------
# Every list request shows the workspace's tags and custom fields. They change rarely, so
# they are cached under a per-workspace version: a change (contacts.apps connects the
# signals; imports call invalidate_list_choices) moves readers to a new key at once and
# again when it commits, so a reader that loaded the old rows in between caches them
# under a key nobody reads any more. A page or filter naming a tag or field the cached
# list lacks reloads it (rows written without signals, e.g. an import's bulk insert).
LIST_CHOICES_TTL = 600


def _list_choices_version(workspace_id: int) -> str:
    key = f"contacts:choices-version:{workspace_id}"
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(key, version, None):
            version = cache.get(key) or version
    return version


def _list_choices_key(workspace_id: int, version: str) -> str:
    return f"contacts:choices:{workspace_id}:{version}"


def invalidate_list_choices(workspace_id: int) -> None:
    def bump():
        cache.set(f"contacts:choices-version:{workspace_id}", uuid.uuid4().hex, None)

    bump()
    transaction.on_commit(bump)


def list_choices(*, workspace: Workspace, tag_ids=(), field_ids=()) -> tuple[list[Tag], list[CustomField]]:
    """The workspace's tags and custom fields, by name; cached (see above). ``tag_ids`` and
    ``field_ids`` must be known to the answer, else it is loaded afresh."""
    key = _list_choices_key(workspace.id, _list_choices_version(workspace.id))
    cached = cache.get(key)
    if cached is not None:
        tags, fields = cached
        if set(tag_ids) <= {t.id for t in tags} and set(field_ids) <= {f.id for f in fields}:
            return tags, fields
    tags, fields = list(tags_for(workspace=workspace)), list(custom_fields_for(workspace=workspace))
    cache.set(key, (tags, fields), LIST_CHOICES_TTL)
    return tags, fields


# What a list row shows (and the keyset cursor reads): never the search documents, which
# are large and would be sent and parsed for every row.
LIST_COLUMNS = ("id", "workspace_id", "display_name", "given_name", "family_name", "job_title", "company",
                "primary_email", "primary_phone", "sort_name", "created_at", "updated_at", "deleted_at")


def _with_tag_ids(qs: QuerySet, workspace: Workspace) -> QuerySet:
    """Each row's tag ids in the same query (the names come from the cached tag list)."""
    return qs.annotate(tag_ids=ArraySubquery(
        ContactTag.objects.filter(workspace=workspace, contact_id=OuterRef("pk")).values("tag_id")))


def _attach_tags(rows: list[Contact], workspace: Workspace, tags: list[Tag] | None) -> list[Tag] | None:
    """Sets ``tag_list`` (by name) on each row. Returns the reloaded tags when ``tags``
    (the cached list) lacked one the rows name, else None."""
    wanted = {i for c in rows for i in c.tag_ids or ()}
    reloaded = None
    if tags is None or not wanted <= {t.id for t in tags}:
        tags = reloaded = list_choices(workspace=workspace, tag_ids=wanted)[0]
    by_id = {t.id: t for t in tags}
    for c in rows:
        c.tag_list = [by_id[i] for i in c.tag_ids or () if i in by_id]
        c.tag_list.sort(key=lambda t: (t.name, t.id))
    return reloaded


def contact_list(*, workspace: Workspace, filters: ContactFilters | None = None) -> QuerySet[Contact]:
    """Live contacts of the workspace matching the filters (search and sort excluded)."""
    f = filters or ContactFilters()
    qs = Contact.objects.filter(workspace=workspace, deleted_at__isnull=True)
    if f.tag:
        qs = qs.filter(Exists(ContactTag.objects.filter(workspace=workspace, tag_id=f.tag, contact_id=OuterRef("pk"))))
    if f.company:
        qs = qs.filter(company__iexact=f.company.strip())
    if f.has_email:
        qs = qs.exclude(primary_email="")
    if f.has_phone:
        qs = qs.exclude(primary_phone="")
    if f.created_from:
        qs = qs.filter(created_at__date__gte=f.created_from)
    if f.created_to:
        qs = qs.filter(created_at__date__lte=f.created_to)
    if f.updated_from:
        qs = qs.filter(updated_at__date__gte=f.updated_from)
    if f.updated_to:
        qs = qs.filter(updated_at__date__lte=f.updated_to)
    if f.custom_field and f.custom_value.strip():
        field = CustomField.objects.filter(workspace=workspace, id=f.custom_field).first()
        if field is not None:
            value = f.custom_value.strip()
            if field.kind == CustomField.Kind.NUMBER:
                try:
                    value = float(value)
                except ValueError:
                    return qs.none()
            qs = qs.filter(custom_values__contains={field.key: value})
    return qs


def _encode_cursor(values: list) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, columns: list[str]) -> list | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(columns):
            return None
        out = []
        for column, value in zip(columns, values, strict=True):
            if column.endswith("_at"):
                value = parse_datetime(value)
                if value is None:
                    return None
            elif column == "id" and not isinstance(value, int) or column != "id" and not isinstance(value, str):
                return None
            out.append(value)
        return out
    except (ValueError, TypeError, UnicodeDecodeError):
        return None


def _keyset(qs: QuerySet, *, sort: str, after: str) -> tuple[QuerySet, list[str]]:
    columns, descending = SORTS.get(sort, SORTS["name"])
    if after and (values := _decode_cursor(after, columns)) is not None:
        # A row comparison walks the composite index from the cursor (no OFFSET).
        cols = ", ".join(f'"contacts_contact"."{c}"' for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        op = "<" if descending else ">"
        # Column names come from SORTS, never from input; values are bound parameters.
        qs = qs.filter(RawSQL(f"({cols}) {op} ({marks})", values, output_field=BooleanField()))  # noqa: S611
    return qs.order_by(*[("-" if descending else "") + c for c in columns]), columns


def _bounded_count(qs: QuerySet) -> tuple[int, bool]:
    n = qs.order_by().values("id")[: COUNT_CAP + 1].count()
    return min(n, COUNT_CAP), n > COUNT_CAP


# --- a tag filter on one page of the list ------------------------------------------------
# PostgreSQL cannot know that a tag's contacts all belong to one workspace, so it expects a
# few dozen matches, reads every contact of the workspace and sorts them (12 ms at 10k).
# The tag's real size picks the plan instead. A page of 50 rows costs either one primary-key
# read per tagged contact (T reads), or walking the sort order's index with one tag lookup
# per row until the page is full (about 50 x W / T rows, W the workspace's contacts); the
# first is cheaper while T^2 < ~30 x W (measured: ~7 µs a tagged contact read, ~3.3 µs a
# row walked; at 100k contacts a 500-contact tag is read in ~3 ms, a 15k one walked in
# ~1.5 ms). T is counted afresh, only up to where the answer is settled. W only moves the
# threshold: see _live_contact_estimate.
# Whole-set readers (export, bulk actions) keep contact_list's plain EXISTS, which
# PostgreSQL runs as one join over everything.
WALK_FACTOR = 30

# --- how big a workspace is, roughly -------------------------------------------------------
# The tag filter and search pick their plans from it. PostgreSQL's own row estimate is good
# enough (close for large workspaces, where the choice matters) and costs one EXPLAIN, about
# 1 ms, so it is cached for a minute under the list-choices version. Only a figure too
# small is dangerous: a rare tag's page would walk, or a search scan, a whole large
# workspace. A workspace grows fast only by a bulk load, whose end refreshes the statistics
# and moves the version (contacts.services.contacts_after_bulk_load). Before that existed, a
# workspace grown from 10k to 100k within the minute walked 11k rows for a 500-contact tag
# (43 ms a page).
LIVE_ESTIMATE_TTL = 60


def _live_contact_estimate(workspace: Workspace) -> int:
    key = f"contacts:live-estimate:{workspace.id}:{_list_choices_version(workspace.id)}"
    estimate = cache.get(key)
    if estimate is None:
        plan = json.loads(Contact.objects.filter(workspace=workspace, deleted_at__isnull=True).explain(format="json"))
        estimate = int(plan[0]["Plan"]["Plan Rows"])
        cache.set(key, estimate, LIVE_ESTIMATE_TTL)
    return estimate


def _page_tag_filter(qs: QuerySet, *, workspace: Workspace, tag_id: int) -> QuerySet:
    walk_from = math.isqrt(WALK_FACTOR * _live_contact_estimate(workspace)) + 1
    tagged = ContactTag.objects.filter(workspace=workspace, tag_id=tag_id)[:walk_from].count()
    table, link = Contact._meta.db_table, ContactTag._meta.db_table
    if tagged >= walk_from:
        # OFFSET 0 keeps the EXISTS a per-row check: PostgreSQL would otherwise turn it into
        # the misjudged join described above.
        sql = (f'EXISTS (SELECT 1 FROM "{link}" t WHERE t.workspace_id = %s AND t.tag_id = %s '  # noqa: S608
               f'AND t.contact_id = "{table}"."id" OFFSET 0)')
    else:
        sql = (f'"{table}"."id" = ANY(ARRAY(SELECT contact_id FROM "{link}" '  # noqa: S608
               f'WHERE workspace_id = %s AND tag_id = %s))')
    # Table names come from the models, never from input; the ids are bound parameters.
    return qs.filter(RawSQL(sql, [workspace.id, tag_id], output_field=BooleanField()))  # noqa: S611


def filters_active(f: ContactFilters) -> bool:
    return bool(f.tag or f.company or f.has_email or f.has_phone or f.created_from or f.created_to
                or f.updated_from or f.updated_to or (f.custom_field and f.custom_value))


def contact_page(*, workspace: Workspace, filters: ContactFilters, tags: list[Tag] | None = None) -> ContactPage:
    """One page of the list: keyset-paginated when browsing, best matches when searching.
    ``tags``: the workspace's tags if the caller has them (rows are labelled from them)."""
    if filters.q.strip():
        base = contact_list(workspace=workspace, filters=filters)
        page = _search_page(workspace=workspace, base=base, q=filters.q.strip())
        page.tags = _attach_tags(page.contacts, workspace, tags)
        return page
    if filters.tag:
        base = _page_tag_filter(contact_list(workspace=workspace, filters=replace(filters, tag=None)),
                                workspace=workspace, tag_id=filters.tag)
    else:
        base = contact_list(workspace=workspace, filters=filters)
    qs, columns = _keyset(base, sort=filters.sort, after=filters.after)
    rows = list(_with_tag_ids(qs.only(*LIST_COLUMNS), workspace)[: PAGE_SIZE + 1])
    next_cursor = ""
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        next_cursor = _encode_cursor([getattr(rows[-1], c) for c in columns])
    if filters_active(filters):
        # Counting matches of a filter can mean checking every contact; say "50+" instead.
        count, capped = len(rows), bool(next_cursor)
    else:
        count, capped = _bounded_count(base)
    return ContactPage(contacts=rows, next_cursor=next_cursor, count=count, count_capped=capped,
                       tags=_attach_tags(rows, workspace, tags))


# A search document's GIN index answers for the whole table: 'smi' as a prefix matches 14k
# contacts of a million and its typo variants 77k, 6-25 ms to collect whatever the
# workspace's size. Checking a small workspace's own contacts costs ~1.3 µs a contact, so
# up to a few thousand contacts a search reads the workspace's rows instead (at 1k
# contacts: 1 ms instead of 6 for the prefix, 2 instead of 18-24 for the typos).
SCAN_WORKSPACE_UP_TO = 3_000


def _matching(base: QuerySet, column: str, tsquery: str, *, scan: bool) -> QuerySet:
    if not scan:
        return base.filter(**{column: SearchQuery(tsquery, search_type="raw", config="simple")})
    # "|| ''::tsvector" keeps the same match but hides the column from its GIN index, so
    # PostgreSQL reads the workspace's rows through the workspace index and checks each.
    table = Contact._meta.db_table
    return base.filter(RawSQL(f'("{table}"."{column}" || \'\'::tsvector) @@ to_tsquery(\'simple\', %s)',  # noqa: S611
                              [tsquery], output_field=BooleanField()))


def _search_page(*, workspace: Workspace, base: QuerySet, q: str) -> ContactPage:
    if search.looks_like_email(q):
        emails = ContactEmail.objects.filter(workspace=workspace, value_normalised=q.lower())
        rows = list(_with_tag_ids(base.filter(id__in=emails.values("contact_id")).order_by("sort_name", "id")
                                  .only(*LIST_COLUMNS), workspace)[:SEARCH_LIMIT])
        if rows:
            return ContactPage(contacts=rows, count=len(rows), searching=True)
    tsquery = search.phone_query(q) or search.prefix_query(q)
    if tsquery is None:
        return ContactPage(contacts=[], searching=True)
    query = SearchQuery(tsquery, search_type="raw", config="simple")
    scan = _live_contact_estimate(workspace) <= SCAN_WORKSPACE_UP_TO
    # Ranked and limited in SQL; the tag ids are looked up for the 50 rows kept only.
    rows = list(_with_tag_ids(_matching(base, "search_document", tsquery, scan=scan)
                              .annotate(rank=SearchRank(F("search_document"), query))
                              .order_by("-rank", "sort_name", "id").only(*LIST_COLUMNS), workspace)[:SEARCH_LIMIT])
    fuzzy = False
    if len(rows) < SEARCH_LIMIT and not search.phone_query(q) and (fq := search.fuzzy_query(q)):
        fquery = SearchQuery(fq, search_type="raw", config="simple")
        found = [r.id for r in rows]
        # Candidates: only what the similarity reads; the rows shown are loaded afterwards.
        candidates = list(_matching(base, "fuzzy_document", fq, scan=scan).exclude(id__in=found)
                          .annotate(rank=SearchRank(F("fuzzy_document"), fquery))
                          .order_by("-rank", "id")
                          .values_list("id", "display_name", "given_name", "family_name", "company", "sort_name")
                          [:FUZZY_CANDIDATES])
        scored = [(search.similarity(q, f"{display} {given} {family} {company}"), sort_name, cid)
                  for cid, display, given, family, company, sort_name in candidates]
        scored = [(-s, sort_name, cid) for s, sort_name, cid in scored if s >= 0.6]
        scored.sort()
        chosen = [cid for _, _, cid in scored[: SEARCH_LIMIT - len(rows)]]
        if chosen:
            by_id = {c.id: c for c in _with_tag_ids(base.filter(id__in=chosen).only(*LIST_COLUMNS), workspace)}
            extra = [by_id[cid] for cid in chosen if cid in by_id]
            fuzzy = bool(extra)
            rows += extra
    return ContactPage(contacts=rows, count=len(rows), searching=True, fuzzy=fuzzy)


def contact_count(*, workspace: Workspace) -> tuple[int, bool]:
    return _bounded_count(Contact.objects.filter(workspace=workspace, deleted_at__isnull=True))


def recent_contacts(*, workspace: Workspace, limit: int = 5) -> list[Contact]:
    return list(Contact.objects.filter(workspace=workspace, deleted_at__isnull=True)
                .order_by("-created_at", "-id")[:limit])


def trash_list(*, workspace: Workspace, limit: int = 200) -> list[Contact]:
    return list(Contact.objects.filter(workspace=workspace, deleted_at__isnull=False)
                .order_by("-deleted_at", "-id")[:limit])


def contact_detail(*, workspace: Workspace, contact: Contact) -> dict:
    """Everything the detail page shows, each child list scoped by workspace too."""
    ws = dict(workspace=workspace, contact=contact)
    fields = list(custom_fields_for(workspace=workspace))
    return {
        "emails": list(ContactEmail.objects.filter(**ws)),
        "phones": list(ContactPhone.objects.filter(**ws)),
        "addresses": list(contact.addresses.filter(workspace=workspace)),
        "tags": list(Tag.objects.filter(workspace=workspace, id__in=ContactTag.objects.filter(**ws).values("tag_id"))),
        "notes": list(Note.objects.filter(**ws).select_related("created_by")[:100]),
        "activities": list(Activity.objects.filter(**ws).select_related("created_by")[:200]),
        "reminders": list(Reminder.objects.filter(**ws).order_by("done", "due_at", "id")),
        "custom": [(f, (contact.custom_values or {}).get(f.key)) for f in fields
                   if (contact.custom_values or {}).get(f.key) not in (None, "")],
    }


# --- duplicates ----------------------------------------------------------------------

def duplicate_groups(*, workspace: Workspace, limit: int = 50) -> list[dict]:
    """Groups of live contacts sharing a normalised email, a phone number or a normalised
    full name. Overlapping pairs are joined (union-find) into one group."""
    live = Q(contact__deleted_at__isnull=True)
    reasons: list[tuple[str, list[int]]] = []
    for value, ids in _shared(ContactEmail.objects.filter(live, workspace=workspace), "value_normalised", limit):
        reasons.append((f"same email {value}", ids))
    for value, ids in _shared(ContactPhone.objects.filter(live, workspace=workspace), "number", limit):
        reasons.append((f"same phone {value}", ids))
    names = (Contact.objects.filter(workspace=workspace, deleted_at__isnull=True).exclude(name_key="")
             .values("name_key").annotate(n=Count("id")).filter(n__gt=1).order_by("name_key")[:limit])
    for row in names:
        ids = list(Contact.objects.filter(workspace=workspace, deleted_at__isnull=True, name_key=row["name_key"])
                   .order_by("id").values_list("id", flat=True)[:20])
        reasons.append(("same name", ids))

    parent: dict[int, int] = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for _, ids in reasons:
        for other in ids[1:]:
            parent[find(other)] = find(ids[0])
    groups: dict[int, dict] = {}
    for reason, ids in reasons:
        group = groups.setdefault(find(ids[0]), {"ids": set(), "reasons": []})
        group["ids"].update(ids)
        if reason not in group["reasons"]:
            group["reasons"].append(reason)
    all_ids = {i for g in groups.values() for i in g["ids"]}
    contacts = {c.id: c for c in Contact.objects.filter(workspace=workspace, id__in=all_ids)}
    out = []
    for group in groups.values():
        members = sorted((contacts[i] for i in group["ids"] if i in contacts), key=lambda c: c.id)
        if len(members) > 1:
            out.append({"contacts": members, "reasons": group["reasons"]})
    out.sort(key=lambda g: g["contacts"][0].sort_name)
    return out[:limit]


def _shared(qs: QuerySet, column: str, limit: int) -> list[tuple[str, list[int]]]:
    values = list(qs.values(column).annotate(n=Count("contact_id", distinct=True)).filter(n__gt=1)
                  .order_by(column).values_list(column, flat=True)[:limit])
    out = []
    for value in values:
        ids = sorted(set(qs.filter(**{column: value}).values_list("contact_id", flat=True)))
        out.append((str(value), ids[:20]))
    return out
