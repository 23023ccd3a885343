"""Contacts and everything hanging off them. Every table carries ``workspace`` (child rows
too) and its indexes and unique constraints start with it, so a workspace is always one
index range and the tables can later be distributed by ``workspace_id``."""

import functools

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from accounts.models import Workspace

ALIVE = Q(deleted_at__isnull=True)


@functools.cache
def _contacts_list_url() -> str:
    return reverse("contacts:list")


class Tag(models.Model):
    # Indexed by the (workspace, id) unique constraint, which contact tags point at.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    name = models.CharField(max_length=60)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("workspace", Lower("name"), name="contacts_tag_ws_name_ci_unique"),
            models.UniqueConstraint(fields=["workspace", "id"], name="contacts_tag_ws_id_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="contacts_tag_name_not_empty"),
        ]

    def __str__(self):
        return self.name


class CustomField(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        NUMBER = "number", "Number"
        DATE = "date", "Date"
        CHOICE = "choice", "Choice"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    choices = models.JSONField(default=list, blank=True, help_text="Allowed values for a choice field.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("workspace", Lower("name"), name="contacts_field_ws_name_ci_unique"),
            models.CheckConstraint(condition=Q(kind__in=["text", "number", "date", "choice"]),
                                   name="contacts_field_kind_valid"),
        ]

    def __str__(self):
        return self.name

    @property
    def key(self) -> str:
        # Values live in Contact.custom_values under the field id, so renaming a field keeps them.
        return str(self.id)


class Contact(models.Model):
    # Indexed by the (workspace, id) unique constraint, which every child row points at.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    display_name = models.CharField(max_length=200)
    company = models.CharField(max_length=200, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    birthday = models.DateField(null=True, blank=True)
    website = models.URLField(max_length=300, blank=True)
    notes_summary = models.TextField(blank=True)
    custom_values = models.JSONField(default=dict, blank=True)
    tags = models.ManyToManyField(Tag, through="ContactTag", related_name="contacts", blank=True)

    # Kept in step by services: the list shows them without touching child tables, and
    # "has email/phone" filters are plain column tests.
    primary_email = models.CharField(max_length=254, blank=True)
    primary_phone = models.CharField(max_length=32, blank=True)
    # Lower-cased, accent-free display name: the name sort and its keyset cursor.
    sort_name = models.CharField(max_length=200, db_default="")
    # Normalised "family given" words sorted: equal keys are duplicate candidates.
    name_key = models.CharField(max_length=200, db_default="")
    search_document = SearchVectorField(null=True)
    fuzzy_document = SearchVectorField(null=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The hidden one-time token of the create form: a double submit finds this row.
    creation_key = models.CharField(max_length=64, null=True, blank=True)
    # Filled by the import issue; nullable so hand-made contacts carry nothing.
    import_batch_id = models.UUIDField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(display_name=""), name="contacts_contact_has_name"),
            models.CheckConstraint(condition=Q(deleted_at__isnull=True) | Q(deleted_at__gte=models.F("created_at")),
                                   name="contacts_contact_deleted_after_created"),
            models.UniqueConstraint(fields=["workspace", "creation_key"], condition=Q(creation_key__isnull=False),
                                    name="contacts_contact_ws_creation_key_unique"),
            # What the children's (workspace, contact) foreign keys point at.
            models.UniqueConstraint(fields=["workspace", "id"], name="contacts_contact_ws_id_unique"),
        ]
        indexes = [
            # Keyset pagination for each sort, live contacts only.
            models.Index(fields=["workspace", "sort_name", "id"], condition=ALIVE, name="contacts_ws_name_live"),
            models.Index(fields=["workspace", "company", "sort_name", "id"], condition=ALIVE,
                         name="contacts_ws_company_live"),
            models.Index(fields=["workspace", "-created_at", "-id"], condition=ALIVE, name="contacts_ws_created_live"),
            models.Index(fields=["workspace", "-updated_at", "-id"], condition=ALIVE, name="contacts_ws_updated_live"),
            models.Index(fields=["workspace", "-deleted_at"], condition=Q(deleted_at__isnull=False),
                         name="contacts_ws_trash"),
            models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="contacts_trash_purge"),
            models.Index(fields=["workspace", "name_key"], condition=ALIVE, name="contacts_ws_name_key"),
            GinIndex(fields=["search_document"], name="contacts_search_gin"),
            GinIndex(fields=["fuzzy_document"], name="contacts_fuzzy_gin"),
            GinIndex(fields=["custom_values"], name="contacts_custom_gin", opclasses=["jsonb_path_ops"]),
        ]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self) -> str:
        # The list renders 50 of these: one reverse() for the prefix instead of one per row.
        return f"{_contacts_list_url()}{self.id}/"

    @property
    def is_trashed(self) -> bool:
        return self.deleted_at is not None


# Keys of a contact's rows. Rows that belong to a contact carry its workspace (every query
# filters on it), and the database holds the two together: one foreign key (workspace_id,
# contact_id) -> contacts_contact (workspace_id, id), added by migration 0005 in place of
# Django's two single-column keys (hence db_constraint=False on both fields). A row can
# then never point at another workspace's contact (nor a contact tag at another
# workspace's tag), and a bulk import checks one key per row instead of two.


class ContactTag(models.Model):
    # No index of its own: the composite indexes below start with workspace_id.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False,
                                  db_constraint=False)  # see "Keys of a contact's rows"
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+", db_constraint=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "contact", "tag"], name="contacts_contacttag_unique"),
        ]
        indexes = [models.Index(fields=["workspace", "tag", "contact"], name="contacts_ctag_ws_tag")]

    def __str__(self):
        return f"{self.contact_id}:{self.tag_id}"


class _ContactChild(models.Model):
    # No index of its own: each child's composite indexes start with workspace_id.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False,
                                  db_constraint=False)  # see "Keys of a contact's rows"
    label = models.CharField(max_length=30, blank=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        abstract = True


class ContactEmail(_ContactChild):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails", db_constraint=False)
    value = models.EmailField(max_length=254)
    value_normalised = models.CharField(max_length=254)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "contact"], condition=Q(is_primary=True),
                                    name="contacts_email_one_primary"),
            models.UniqueConstraint(fields=["workspace", "contact", "value_normalised"],
                                    name="contacts_email_unique_per_contact"),
            models.CheckConstraint(condition=Q(value_normalised=Lower("value")), name="contacts_email_normalised"),
        ]
        indexes = [models.Index(fields=["workspace", "value_normalised"], name="contacts_email_ws_value")]

    def __str__(self):
        return self.value


class ContactPhone(_ContactChild):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones", db_constraint=False)
    number = PhoneNumberField()

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "contact"], condition=Q(is_primary=True),
                                    name="contacts_phone_one_primary"),
            models.UniqueConstraint(fields=["workspace", "contact", "number"],
                                    name="contacts_phone_unique_per_contact"),
            models.CheckConstraint(condition=Q(number__startswith="+"), name="contacts_phone_e164"),
        ]
        indexes = [models.Index(fields=["workspace", "number"], name="contacts_phone_ws_number")]

    def __str__(self):
        return str(self.number)


class ContactAddress(_ContactChild):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="addresses", db_constraint=False)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "contact"], condition=Q(is_primary=True),
                                    name="contacts_address_one_primary"),
        ]
        indexes = [models.Index(fields=["workspace", "contact"], name="contacts_address_ws_contact")]

    def __str__(self):
        return ", ".join(p for p in [self.street, self.postal_code, self.city, self.region, self.country] if p)


class Note(models.Model):
    # No index of its own: the composite indexes below start with workspace_id.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False,
                                  db_constraint=False)  # see "Keys of a contact's rows"
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="notes", db_constraint=False)
    body = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="contacts_note_not_empty")]
        indexes = [models.Index(fields=["workspace", "contact", "-created_at"], name="contacts_note_ws_contact")]

    def __str__(self):
        return self.body[:40]


class Activity(models.Model):
    """One line of a contact's timeline."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        EDITED = "edited", "Edited"
        NOTE_ADDED = "note_added", "Note added"
        TAGGED = "tagged", "Tagged"
        UNTAGGED = "untagged", "Tag removed"
        REMINDER_SET = "reminder_set", "Reminder set"
        REMINDER_SENT = "reminder_sent", "Reminder sent"
        REMINDER_UNPAID = "reminder_unpaid", "Reminder not sent: not enough credits"
        IMPORTED = "imported", "Imported"
        MERGED = "merged", "Merged"
        TRASHED = "trashed", "Moved to trash"
        RESTORED = "restored", "Restored"

    # No index of its own: the composite indexes below start with workspace_id.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False,
                                  db_constraint=False)  # see "Keys of a contact's rows"
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="activities", db_constraint=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    data = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "contact", "-created_at"], name="contacts_activity_ws_contact")]

    def __str__(self):
        return self.get_kind_display()


class Reminder(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        UNPAID = "unpaid", "Not sent: not enough credits"

    # No index of its own: the composite indexes below start with workspace_id.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False,
                                  db_constraint=False)  # see "Keys of a contact's rows"
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="reminders", db_constraint=False)
    due_at = models.DateTimeField()
    message = models.CharField(max_length=500)
    done = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["pending", "sent", "unpaid"]),
                                   name="contacts_reminder_status_valid"),
            # "sent" and sent_at go together: a claimed reminder is sent in the same transaction.
            models.CheckConstraint(condition=(Q(status="sent") & Q(sent_at__isnull=False))
                                   | (~Q(status="sent") & Q(sent_at__isnull=True)),
                                   name="contacts_reminder_sent_at_iff_sent"),
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(sent_at__isnull=True, done=False),
                         name="contacts_reminder_due"),
            models.Index(fields=["workspace", "contact", "due_at"], name="contacts_reminder_ws_contact"),
        ]

    def __str__(self):
        return self.message[:40]
from contacts.models_io import ContactExport, ImportFailure, ImportJob  # noqa: E402,F401  (their own module)
