"""Every write on contacts. Keyword-only functions that own their transaction; each keeps
the denormalised columns (primary email/phone, sort and duplicate keys, search documents)
in step and writes the contact's timeline."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Membership, User, Workspace
from contacts import search
from contacts.exceptions import FormAlreadyUsed
from contacts.models import (
    Activity,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    ContactTag,
    CustomField,
    Note,
    Reminder,
    Tag,
)
from contacts.selectors import invalidate_list_choices
from credits import selectors as credit_selectors
from credits import services as credit_services
from credits.exceptions import InsufficientCredits
from essence.emails import EmailCategory, send_templated_email
from privacy import selectors as privacy_selectors

logger = logging.getLogger(__name__)

SCALAR_FIELDS = ["given_name", "family_name", "display_name", "company", "job_title", "birthday", "website",
                 "notes_summary"]
ADDRESS_FIELDS = ["label", "street", "city", "region", "postal_code", "country", "is_primary"]
CREATE_ACTION = "contact.create"
REMINDER_ACTION = "reminder.email"


# --- helpers -------------------------------------------------------------------

def _activity(contact: Contact, kind: str, user: User | None = None, **data) -> Activity:
    return Activity.objects.create(workspace_id=contact.workspace_id, contact=contact, kind=kind, data=data,
                                   created_by=user)


def _display_name(fields: dict) -> str:
    explicit = (fields.get("display_name") or "").strip()
    if explicit:
        return explicit
    return " ".join(p for p in [(fields.get("given_name") or "").strip(), (fields.get("family_name") or "").strip()]
                    if p)


def _with_one_primary(rows: list[dict]) -> list[dict]:
    rows = [dict(r) for r in rows]
    seen = False
    for row in rows:
        row["is_primary"] = bool(row.get("is_primary")) and not seen
        seen = seen or row["is_primary"]
    if rows and not seen:
        rows[0]["is_primary"] = True
    return rows


def _dedupe(rows: list[dict], key) -> list[dict]:
    out, seen = [], set()
    for row in rows:
        k = key(row)
        if k in seen:
            continue
        seen.add(k)
        out.append(row)
    return out


def _write_children(contact: Contact, *, emails, phones, addresses) -> None:
    ws = contact.workspace_id
    emails = _with_one_primary(_dedupe([e for e in emails if e.get("value")], lambda e: e["value"].strip().lower()))
    phones = _with_one_primary(_dedupe([p for p in phones if p.get("number")], lambda p: str(p["number"])))
    addresses = _with_one_primary([a for a in addresses if any(a.get(f) for f in ADDRESS_FIELDS[1:6])])
    ContactEmail.objects.bulk_create([
        ContactEmail(workspace_id=ws, contact=contact, label=e.get("label", ""), value=e["value"].strip(),
                     value_normalised=e["value"].strip().lower(), is_primary=e["is_primary"])
        for e in emails
    ])
    ContactPhone.objects.bulk_create([
        ContactPhone(workspace_id=ws, contact=contact, label=p.get("label", ""), number=p["number"],
                     is_primary=p["is_primary"])
        for p in phones
    ])
    ContactAddress.objects.bulk_create([
        ContactAddress(workspace_id=ws, contact=contact, **{f: a.get(f) or ("" if f != "is_primary" else False)
                                                            for f in ADDRESS_FIELDS})
        for a in addresses
    ])


def contact_refresh_derived(*, contact: Contact) -> None:
    """Recompute the columns the list, duplicates and search read, from the contact's rows."""
    emails = list(ContactEmail.objects.filter(workspace_id=contact.workspace_id, contact=contact)
                  .values_list("value", "is_primary"))
    phones = list(ContactPhone.objects.filter(workspace_id=contact.workspace_id, contact=contact)
                  .values_list("number", "is_primary"))
    notes = list(Note.objects.filter(workspace_id=contact.workspace_id, contact=contact)
                 .values_list("body", flat=True)[:50])
    contact.primary_email = next((v for v, p in emails if p), "")  # as typed; matching uses value_normalised
    contact.primary_phone = search.phone_display(str(next((v for v, p in phones if p), "") or ""))
    contact.sort_name = search.sort_name(contact.display_name)
    contact.name_key = search.name_key(given_name=contact.given_name, family_name=contact.family_name,
                                       display_name=contact.display_name)
    contact.search_document, contact.fuzzy_document = search.build_documents(
        given_name=contact.given_name, family_name=contact.family_name, display_name=contact.display_name,
        company=contact.company, job_title=contact.job_title, emails=[v for v, _ in emails],
        phones=[str(v) for v, _ in phones], notes=[contact.notes_summary, *notes],
    )
    contact.save(update_fields=["primary_email", "primary_phone", "sort_name", "name_key", "search_document",
                                "fuzzy_document"])


def _clean_custom_values(workspace: Workspace, values: dict) -> dict:
    known = {f.key: f for f in CustomField.objects.filter(workspace=workspace)}
    out = {}
    for key, value in (values or {}).items():
        if key in known and value not in (None, ""):
            out[key] = value.isoformat() if hasattr(value, "isoformat") else (
                float(value) if known[key].kind == CustomField.Kind.NUMBER else str(value))
    return out


def _snapshot(contact: Contact) -> dict:
    return {
        **{f: getattr(contact, f) for f in SCALAR_FIELDS},
        "custom_values": dict(contact.custom_values or {}),
        "emails": list(contact.emails.values_list("label", "value_normalised", "is_primary")),
        "phones": [(lb, str(n), p) for lb, n, p in contact.phones.values_list("label", "number", "is_primary")],
        "addresses": list(contact.addresses.values_list(*ADDRESS_FIELDS)),
    }


# --- contacts ------------------------------------------------------------------

def contact_create(*, workspace: Workspace, user: User | None, fields: dict, emails: Iterable[dict] = (),
                   phones: Iterable[dict] = (), addresses: Iterable[dict] = (), custom_values: dict | None = None,
                   idempotency_key: str) -> Contact:
    """Create a contact and spend contact.create in one transaction.

    ``idempotency_key`` is the create form's one-time token: a double submit returns the
    contact the first submit made and charges once. Raises InsufficientCredits (nothing
    saved) or ValidationError.
    """
    key = f"contact.create:{idempotency_key}"
    if existing := Contact.objects.filter(workspace=workspace, creation_key=key).first():
        return existing
    if credit_selectors.ledger_for(workspace=workspace).filter(idempotency_key=key).exists():
        # Paid for by an earlier submit whose contact was since deleted: never a free contact.
        raise FormAlreadyUsed()
    values = {f: fields.get(f) for f in SCALAR_FIELDS}
    values = {f: (v.strip() if isinstance(v, str) else v) for f, v in values.items()}
    values = {f: ("" if v is None and f != "birthday" else v) for f, v in values.items()}
    values["display_name"] = _display_name(values)
    contact = Contact(workspace=workspace, created_by=user, creation_key=key,
                      custom_values=_clean_custom_values(workspace, custom_values or {}), **values)
    contact.full_clean(exclude=["workspace", "created_by", "tags", "search_document", "fuzzy_document"])
    try:
        with credit_services.charge_for(workspace=workspace, action=CREATE_ACTION, idempotency_key=key, user=user):
            contact.save()
            _write_children(contact, emails=list(emails), phones=list(phones), addresses=list(addresses))
            contact_refresh_derived(contact=contact)
            _activity(contact, Activity.Kind.CREATED, user)
    except IntegrityError:
        # A concurrent submit of the same form won the race; its contact is the answer.
        existing = Contact.objects.filter(workspace=workspace, creation_key=key).first()
        if existing is None:
            raise
        return existing
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, user: User | None, fields: dict, emails: Iterable[dict] = (),
                   phones: Iterable[dict] = (), addresses: Iterable[dict] = (),
                   custom_values: dict | None = None) -> list[str]:
    """Save the edit; returns (and records in the timeline) the names of the changed fields."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk, workspace_id=contact.workspace_id)
    before = _snapshot(contact)
    for f in SCALAR_FIELDS:
        value = fields.get(f)
        value = value.strip() if isinstance(value, str) else value
        setattr(contact, f, "" if value is None and f != "birthday" else value)
    contact.display_name = _display_name({f: getattr(contact, f) for f in SCALAR_FIELDS})
    if custom_values is not None:
        contact.custom_values = _clean_custom_values(contact.workspace, custom_values)
    contact.full_clean(exclude=["workspace", "created_by", "tags", "search_document", "fuzzy_document"])
    contact.updated_at = timezone.now()
    contact.save()
    for model in (ContactEmail, ContactPhone, ContactAddress):
        model.objects.filter(workspace_id=contact.workspace_id, contact=contact).delete()
    _write_children(contact, emails=list(emails), phones=list(phones), addresses=list(addresses))
    after = _snapshot(contact)
    changed = [name for name in before if before[name] != after[name]]
    contact_refresh_derived(contact=contact)
    if changed:
        _activity(contact, Activity.Kind.EDITED, user, fields=changed)
    account_services.usage_event_record(workspace=contact.workspace, user=user, action="contact.update")
    return changed


def _touch(contact: Contact) -> None:
    contact.updated_at = timezone.now()
    contact.save(update_fields=["updated_at"])


@transaction.atomic
def contact_trash(*, contact: Contact, user: User | None) -> None:
    if contact.deleted_at is None:
        contact.deleted_at = timezone.now()
        contact.save(update_fields=["deleted_at"])
        _activity(contact, Activity.Kind.TRASHED, user)
        account_services.usage_event_record(workspace=contact.workspace, user=user, action="contact.trash")


@transaction.atomic
def contact_restore(*, contact: Contact, user: User | None) -> None:
    if contact.deleted_at is not None:
        contact.deleted_at = None
        contact.save(update_fields=["deleted_at"])
        _activity(contact, Activity.Kind.RESTORED, user)
        account_services.usage_event_record(workspace=contact.workspace, user=user, action="contact.restore")


@transaction.atomic
def contact_delete_forever(*, contact: Contact, user: User | None) -> None:
    """Only from the trash: the two-step delete is what makes it recoverable by mistake."""
    if contact.deleted_at is None:
        raise ValidationError("Move the contact to the trash first.")
    workspace = contact.workspace
    contact.delete()
    account_services.usage_event_record(workspace=workspace, user=user, action="contact.delete")


@transaction.atomic
def contacts_bulk_trash(*, workspace: Workspace, contact_ids: Iterable[int], user: User | None) -> int:
    contacts = list(Contact.objects.filter(workspace=workspace, id__in=list(contact_ids), deleted_at__isnull=True))
    now = timezone.now()
    Contact.objects.filter(workspace=workspace, id__in=[c.id for c in contacts]).update(deleted_at=now)
    Activity.objects.bulk_create([Activity(workspace=workspace, contact=c, kind=Activity.Kind.TRASHED,
                                           created_by=user) for c in contacts])
    if contacts:
        account_services.usage_event_record(workspace=workspace, user=user, action="contact.trash",
                                            quantity=len(contacts))
    return len(contacts)


def contacts_after_bulk_load(*, workspace_id: int) -> None:
    """After rows were written in bulk (an import, demo seeding), bring PostgreSQL up to date
    at once rather than at the next autovacuum: the planner's statistics, the search entries
    left in GIN's pending list, and the workspace's cached size estimate (the list and search
    pick their plans from it: contacts.selectors._live_contact_estimate)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE contacts_contact, contacts_contactemail, contacts_contactphone,"
                       " contacts_contactaddress, contacts_contacttag")
        for index in ("contacts_search_gin", "contacts_fuzzy_gin", "contacts_custom_gin"):
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
    invalidate_list_choices(workspace_id)


def contacts_purge_trashed(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Delete for good the contacts trashed more than CONTACTS_TRASH_DAYS ago, in batches
    (each its own transaction, so a big purge never holds long locks). Safe to repeat."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.CONTACTS_TRASH_DAYS)
    total = 0
    while deleted := contacts_purge_trashed_batch(cutoff=cutoff, batch_size=batch_size):
        total += deleted
    logger.info("contacts purge: deleted %s contacts trashed before %s", total, cutoff.isoformat())
    return total


@transaction.atomic
def contacts_purge_trashed_batch(*, cutoff: datetime, batch_size: int) -> int:
    """One batch of the trash purge, in its own transaction (shared with the retention job)."""
    ids = list(Contact.objects.filter(deleted_at__lt=cutoff).order_by("deleted_at", "id")
               .values_list("id", flat=True)[:batch_size])
    if ids:
        Contact.objects.filter(id__in=ids, deleted_at__lt=cutoff).delete()
    return len(ids)


# --- notes and tags --------------------------------------------------------------

@transaction.atomic
def note_add(*, contact: Contact, user: User | None, body: str) -> Note:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something first."})
    note = Note.objects.create(workspace_id=contact.workspace_id, contact=contact, body=body, created_by=user)
    _activity(contact, Activity.Kind.NOTE_ADDED, user, note_id=note.id, excerpt=body[:80])
    _touch(contact)
    contact_refresh_derived(contact=contact)
    account_services.usage_event_record(workspace=contact.workspace, user=user, action="contact.note")
    return note


def _clean_tag_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "A tag needs a name."})
    if len(name) > 60:
        raise ValidationError({"name": "Keep tag names to 60 characters."})
    return name


@transaction.atomic
def tag_create(*, workspace: Workspace, name: str) -> Tag:
    name = _clean_tag_name(name)
    if Tag.objects.filter(workspace=workspace, name__iexact=name).exists():
        raise ValidationError({"name": f"There is already a tag called “{name}”."})
    try:
        with transaction.atomic():
            return Tag.objects.create(workspace=workspace, name=name)
    except IntegrityError as exc:  # a concurrent create of the same name
        raise ValidationError({"name": f"There is already a tag called “{name}”."}) from exc


@transaction.atomic
def tag_rename(*, tag: Tag, name: str) -> Tag:
    name = _clean_tag_name(name)
    if Tag.objects.filter(workspace_id=tag.workspace_id, name__iexact=name).exclude(pk=tag.pk).exists():
        raise ValidationError({"name": f"There is already a tag called “{name}”."})
    tag.name = name
    tag.save(update_fields=["name"])
    return tag


@transaction.atomic
def tag_delete(*, tag: Tag) -> None:
    tag.delete()


def tag_get_or_create(*, workspace: Workspace, name: str) -> Tag:
    name = _clean_tag_name(name)
    tag = Tag.objects.filter(workspace=workspace, name__iexact=name).first()
    return tag or tag_create(workspace=workspace, name=name)


@transaction.atomic
def contacts_bulk_tag(*, workspace: Workspace, contact_ids: Iterable[int], tag_name: str, user: User | None) -> int:
    tag = tag_get_or_create(workspace=workspace, name=tag_name)
    ids = set(Contact.objects.filter(workspace=workspace, id__in=list(contact_ids)).values_list("id", flat=True))
    already = set(ContactTag.objects.filter(workspace=workspace, tag=tag, contact_id__in=ids)
                  .values_list("contact_id", flat=True))
    new = sorted(ids - already)
    ContactTag.objects.bulk_create([ContactTag(workspace=workspace, contact_id=i, tag=tag) for i in new])
    Activity.objects.bulk_create([Activity(workspace=workspace, contact_id=i, kind=Activity.Kind.TAGGED,
                                           data={"tag": tag.name}, created_by=user) for i in new])
    if new:
        account_services.usage_event_record(workspace=workspace, user=user, action="contact.tag", quantity=len(new))
    return len(new)


@transaction.atomic
def contacts_bulk_untag(*, workspace: Workspace, contact_ids: Iterable[int], tag: Tag, user: User | None) -> int:
    links = ContactTag.objects.filter(workspace=workspace, tag=tag, contact_id__in=list(contact_ids))
    ids = list(links.values_list("contact_id", flat=True))
    links.delete()
    Activity.objects.bulk_create([Activity(workspace=workspace, contact_id=i, kind=Activity.Kind.UNTAGGED,
                                           data={"tag": tag.name}, created_by=user) for i in ids])
    if ids:
        account_services.usage_event_record(workspace=workspace, user=user, action="contact.untag",
                                            quantity=len(ids))
    return len(ids)


def contact_tag_add(*, contact: Contact, tag_name: str, user: User | None) -> Tag:
    tag = tag_get_or_create(workspace=contact.workspace, name=tag_name)
    contacts_bulk_tag(workspace=contact.workspace, contact_ids=[contact.id], tag_name=tag.name, user=user)
    return tag


def contact_tag_remove(*, contact: Contact, tag: Tag, user: User | None) -> None:
    contacts_bulk_untag(workspace=contact.workspace, contact_ids=[contact.id], tag=tag, user=user)


# --- custom fields ---------------------------------------------------------------

@transaction.atomic
def custom_field_create(*, workspace: Workspace, name: str, kind: str, choices: Iterable[str] = ()) -> CustomField:
    name = " ".join((name or "").split())
    choices = [c.strip() for c in choices if c and c.strip()]
    if not name:
        raise ValidationError({"name": "A field needs a name."})
    if CustomField.objects.filter(workspace=workspace, name__iexact=name).exists():
        raise ValidationError({"name": f"There is already a field called “{name}”."})
    if kind == CustomField.Kind.CHOICE and not choices:
        raise ValidationError({"choices": "List the choices, separated by commas."})
    field = CustomField(workspace=workspace, name=name, kind=kind,
                        choices=choices if kind == CustomField.Kind.CHOICE else [])
    field.full_clean(exclude=["workspace"])
    field.save()
    return field


@transaction.atomic
def custom_field_delete(*, field: CustomField) -> None:
    """Delete the field and every contact's value for it: deleting a field deletes its data."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE contacts_contact SET custom_values = custom_values - %s"
            " WHERE workspace_id = %s AND custom_values ? %s",
            [field.key, field.workspace_id, field.key],
        )
    field.delete()


# --- reminders -------------------------------------------------------------------

@transaction.atomic
def reminder_create(*, contact: Contact, user: User | None, due_at: datetime, message: str) -> Reminder:
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": "Say what to remind you about."})
    reminder = Reminder.objects.create(workspace_id=contact.workspace_id, contact=contact, due_at=due_at,
                                       message=message, created_by=user)
    _activity(contact, Activity.Kind.REMINDER_SET, user, due_at=due_at.isoformat(), message=message[:80])
    return reminder


@transaction.atomic
def reminder_mark_done(*, reminder: Reminder, user: User | None) -> None:
    Reminder.objects.filter(pk=reminder.pk, workspace_id=reminder.workspace_id).update(done=True)


def _workspace_owner(workspace_id: int) -> User | None:
    membership = (Membership.objects.select_related("user")
                  .filter(workspace_id=workspace_id, role=Membership.Role.OWNER).first())
    return membership.user if membership else None


def reminder_send(*, reminder_id: int, now: datetime | None = None) -> str:
    """Send one due reminder, at most once. Returns 'sent', 'unpaid' or 'skipped'.

    The claim is a conditional UPDATE inside the transaction that also spends the credit
    and queues the email: a concurrent tick blocks on the row, then finds sent_at set and
    updates nothing; a crash rolls the claim back so the next tick retries.
    """
    now = now or timezone.now()
    with transaction.atomic():
        if Contact.objects.filter(reminders__id=reminder_id, deleted_at__isnull=False).exists():
            return "skipped"  # waits in the trash with its contact; sent if restored
        workspace_id = Reminder.objects.filter(id=reminder_id).values_list("workspace_id", flat=True).first()
        if workspace_id is None or _workspace_owner(workspace_id) is None:
            return "skipped"  # nobody to email: never charge for it
        if privacy_selectors.processing_restricted(workspace=Workspace(id=workspace_id)):
            return "skipped"  # processing is frozen: it stays pending, uncharged, until lifted
        # Only the reminder's own columns in this WHERE: a join would make Django use an
        # "id IN (subquery)" whose snapshot a blocked concurrent claim would not re-check.
        claimed = Reminder.objects.filter(
            id=reminder_id, sent_at__isnull=True, done=False, due_at__lte=now,
            status__in=[Reminder.Status.PENDING, Reminder.Status.UNPAID],
        ).update(sent_at=now, status=Reminder.Status.SENT)
        if claimed != 1:
            return "skipped"
        reminder = Reminder.objects.select_related("contact", "workspace").get(id=reminder_id)
        contact = reminder.contact
        owner = _workspace_owner(reminder.workspace_id)
        try:
            with credit_services.charge_for(workspace=reminder.workspace, action=REMINDER_ACTION,
                                            idempotency_key=f"reminder.email:{reminder.id}"):
                if owner is not None:
                    send_templated_email(
                        template="contact_reminder", to=[owner.email], category=EmailCategory.SERVICE, user=owner,
                        context={"reminder": reminder, "contact": contact, "user": owner},
                    )
                _activity(contact, Activity.Kind.REMINDER_SENT, None, reminder_id=reminder.id,
                          message=reminder.message[:80])
        except InsufficientCredits:
            Reminder.objects.filter(id=reminder.id).update(sent_at=None, status=Reminder.Status.UNPAID)
            # One timeline line when it becomes unpaid, not one per retry.
            if not Activity.objects.filter(workspace_id=reminder.workspace_id, contact=contact,
                                           kind=Activity.Kind.REMINDER_UNPAID,
                                           data__reminder_id=reminder.id).exists():
                _activity(contact, Activity.Kind.REMINDER_UNPAID, None, reminder_id=reminder.id,
                          message=reminder.message[:80])
            return "unpaid"
    return "sent"


def reminders_due_ids(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    now = now or timezone.now()
    return list(Reminder.objects.filter(sent_at__isnull=True, done=False, due_at__lte=now,
                                        contact__deleted_at__isnull=True)
                .order_by("due_at", "id").values_list("id", flat=True)[:limit])


def reminders_send_due(*, now: datetime | None = None) -> dict[str, int]:
    counts = {"sent": 0, "unpaid": 0, "skipped": 0}
    for reminder_id in reminders_due_ids(now=now):
        counts[reminder_send(reminder_id=reminder_id, now=now)] += 1
    if counts["sent"] or counts["unpaid"]:
        logger.info("reminders: %(sent)s sent, %(unpaid)s unpaid, %(skipped)s skipped", counts)
    return counts


# --- merge -------------------------------------------------------------------------

MERGE_FIELDS = ["given_name", "family_name", "display_name", "company", "job_title", "birthday", "website",
                "notes_summary"]


@transaction.atomic
def contact_merge(*, workspace: Workspace, keep: Contact, other: Contact, choices: dict[str, str],
                  user: User | None) -> Contact:
    """Fold ``other`` into ``keep``: fields picked per side (choices[field] == 'other'),
    every email, phone, address, tag, note, timeline entry, reminder and custom value
    combined. ``other`` goes to the trash (restorable) with its own rows intact."""
    if keep.pk == other.pk or keep.workspace_id != workspace.id or other.workspace_id != workspace.id:
        raise ValidationError("Pick two different contacts of this workspace.")
    keep = Contact.objects.select_for_update().get(pk=keep.pk, workspace=workspace)
    other = Contact.objects.select_for_update().get(pk=other.pk, workspace=workspace)
    derived_name = keep.display_name == _display_name({"given_name": keep.given_name,
                                                       "family_name": keep.family_name})
    for f in MERGE_FIELDS:
        if choices.get(f) == "other" or (not getattr(keep, f) and getattr(other, f)):
            setattr(keep, f, getattr(other, f))
    if derived_name and "display_name" not in choices:
        keep.display_name = _display_name({"given_name": keep.given_name, "family_name": keep.family_name})
    keep.custom_values = {**(other.custom_values or {}), **(keep.custom_values or {}),
                          **{k: v for k, v in (other.custom_values or {}).items()
                             if choices.get(f"cf_{k}") == "other"}}
    keep.updated_at = timezone.now()
    keep.save()

    have_emails = set(keep.emails.values_list("value_normalised", flat=True))
    ContactEmail.objects.bulk_create([
        ContactEmail(workspace=workspace, contact=keep, label=e.label, value=e.value,
                     value_normalised=e.value_normalised, is_primary=False)
        for e in other.emails.all() if e.value_normalised not in have_emails
    ])
    have_phones = {str(n) for n in keep.phones.values_list("number", flat=True)}
    ContactPhone.objects.bulk_create([
        ContactPhone(workspace=workspace, contact=keep, label=p.label, number=p.number, is_primary=False)
        for p in other.phones.all() if str(p.number) not in have_phones
    ])
    ContactAddress.objects.bulk_create([
        ContactAddress(workspace=workspace, contact=keep, is_primary=False,
                       **{f: getattr(a, f) for f in ADDRESS_FIELDS if f != "is_primary"})
        for a in other.addresses.all()
    ])
    have_tags = set(ContactTag.objects.filter(workspace=workspace, contact=keep).values_list("tag_id", flat=True))
    ContactTag.objects.bulk_create([
        ContactTag(workspace=workspace, contact=keep, tag_id=t)
        for t in ContactTag.objects.filter(workspace=workspace, contact=other).values_list("tag_id", flat=True)
        if t not in have_tags
    ])
    # Notes and timeline are copied (not moved) so restoring the merged-away contact gives it back whole.
    Note.objects.bulk_create([
        Note(workspace=workspace, contact=keep, body=n.body, created_by=n.created_by_id and n.created_by,
             created_at=n.created_at)
        for n in other.notes.select_related("created_by")
    ])
    Activity.objects.bulk_create([
        Activity(workspace=workspace, contact=keep, kind=a.kind, created_by_id=a.created_by_id,
                 created_at=a.created_at, data={**a.data, "from_contact": other.display_name})
        for a in other.activities.all()
    ])
    # Reminders move: one reminder must not be sent twice if the other contact is restored.
    Reminder.objects.filter(workspace=workspace, contact=other).update(contact=keep)
    contact_refresh_derived(contact=keep)
    _activity(keep, Activity.Kind.MERGED, user, merged_contact_id=other.id, merged_name=other.display_name)
    other.deleted_at = timezone.now()
    other.save(update_fields=["deleted_at"])
    _activity(other, Activity.Kind.MERGED, user, into_contact_id=keep.id, into_name=keep.display_name)
    _activity(other, Activity.Kind.TRASHED, user)
    account_services.usage_event_record(workspace=workspace, user=user, action="contact.merge")
    return keep

