"""Imports and background exports of contacts (imported by contacts.models)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Workspace


def _import_path(instance, filename):
    # Never served statically and never guessable: only the owner's views read it.
    return f"imports/{instance.workspace_id}/{instance.id}/source"


def _export_path(instance, filename):
    return f"contact-exports/{instance.workspace_id}/{instance.id}/{filename}"


class ImportJob(models.Model):
    class Kind(models.TextChoices):
        CSV = "csv", "CSV"
        VCARD = "vcard", "vCard"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Waiting for you to check the columns"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        PAUSED = "paused", "Paused: not enough credits"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        UNDONE = "undone", "Undone"

    class Duplicates(models.TextChoices):
        SKIP = "skip", "Skip them (keep the contact I have)"
        UPDATE = "update", "Update the contact I have (free)"
        CREATE = "create", "Create a new contact anyway"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    source = models.FileField(upload_to=_import_path, max_length=300)
    original_name = models.CharField(max_length=255)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    encoding = models.CharField(max_length=40)
    delimiter = models.CharField(max_length=1, blank=True)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=list, blank=True)
    duplicate_policy = models.CharField(max_length=10, choices=Duplicates.choices, default=Duplicates.SKIP)
    default_region = models.CharField(max_length=2, blank=True)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    message = models.TextField(blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="contacts_import_ws_created")]
        constraints = [
            models.CheckConstraint(condition=Q(rows_done__lte=models.F("total_rows")),
                                   name="contacts_import_progress_bounded"),
        ]

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return 100 if not self.total_rows else min(100, round(100 * self.rows_done / self.total_rows))

    @property
    def is_active(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}


class ImportFailure(models.Model):
    """A row that was not imported, with the reason, for the downloadable failed-rows file."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="failures")
    row_number = models.PositiveIntegerField()
    reason = models.TextField()
    cells = models.JSONField(default=list)

    class Meta:
        ordering = ["row_number"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "job", "row_number"], name="contacts_importfailure_row"),
        ]

    def __str__(self):
        return f"row {self.row_number}: {self.reason[:60]}"


class ContactExport(models.Model):
    """A background export of many contacts: a file behind a login-only, expiring link."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Preparing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    format = models.CharField(max_length=5)
    query = models.JSONField(default=dict, blank=True, help_text="The list filters the export was asked with.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=_export_path, max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="contacts_export_ws_created")]

    def __str__(self):
        return f"{self.format} export ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))
