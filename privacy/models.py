import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class PolicyVersion(models.Model):
    """One published (or drafted) version of the privacy policy. Never rewritten once published."""

    version = models.PositiveIntegerField(unique=True)
    text = models.TextField()
    summary = models.TextField(blank=True, help_text="What changed since the previous version.")
    last_updated = models.DateField()
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self):
        return f"Privacy policy v{self.version}"


class PolicyAcceptance(models.Model):
    """A user accepted (at signup) or acknowledged (later) a policy version."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="policy_acceptances")
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="privacy_policyacceptance_unique"),
        ]

    def __str__(self):
        return f"{self.user} accepted v{self.version.version}"


class ConsentRecord(models.Model):
    """One cookie-consent choice: who (a user, or the anonymous id kept in the consent
    cookie), what they allowed, under which policy version, when and from where."""

    class Source(models.TextChoices):
        BANNER = "banner", "Cookie banner"
        SETTINGS = "settings", "Consent settings page"
        SIGNUP = "signup", "Carried over at signup"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="consent_records"
    )
    anonymous_id = models.CharField(max_length=64, blank=True, db_index=True)
    necessary = models.BooleanField(default=True)
    preferences = models.BooleanField(default=False)
    analytics = models.BooleanField(default=False)
    policy_version = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.BANNER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="privacy_consent_user_created")]

    def __str__(self):
        return f"consent {self.pk}: preferences={self.preferences} analytics={self.analytics}"


class PageViewDaily(models.Model):
    """Anonymous first-party analytics: how many consenting page views a normalised path
    had on one day. Nothing about who viewed it."""

    path = models.CharField(max_length=200)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["path", "day"], name="privacy_pageview_path_day")]
        indexes = [models.Index(fields=["day"], name="privacy_pageview_day")]

    def __str__(self):
        return f"{self.day} {self.path}: {self.count}"


class PrivacySettings(models.Model):
    """A user's objections, restriction and scheduled deletion, each with its time."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="privacy_settings")
    analytics_objected = models.BooleanField(default=False)
    analytics_objected_at = models.DateTimeField(null=True, blank=True)
    marketing_objected = models.BooleanField(default=False)
    marketing_objected_at = models.DateTimeField(null=True, blank=True)
    processing_restricted = models.BooleanField(default=False)
    processing_restricted_at = models.DateTimeField(null=True, blank=True)
    deletion_requested_at = models.DateTimeField(null=True, blank=True)
    deletion_scheduled_for = models.DateTimeField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "privacy settings"

    def __str__(self):
        return f"privacy settings of user {self.user_id}"


class DataRequest(models.Model):
    """One data-rights request (GDPR art. 15-21), self-service or by email to support.

    Outlives the account it was about: on deletion ``user`` is cleared and only
    ``email_hash`` (a keyed hash, not reversible) ties it to the address.
    """

    DUE_DAYS = 30

    class Type(models.TextChoices):
        ACCESS = "access", "Access"
        RECTIFICATION = "rectification", "Rectification"
        ERASURE = "erasure", "Erasure"
        RESTRICTION = "restriction", "Restriction"
        OBJECTION = "objection", "Objection"
        PORTABILITY = "portability", "Portability"

    class Channel(models.TextChoices):
        SELF_SERVICE = "self_service", "Self-service"
        EMAIL = "email", "Email to support"
        STAFF = "staff", "Staff action"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        SCHEDULED = "scheduled", "Scheduled"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="data_requests"
    )
    type = models.CharField(max_length=20, choices=Type.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.SELF_SERVICE)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(blank=True, help_text="Opened + 30 days unless set.")
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    email_hash = models.CharField(max_length=64, blank=True, db_index=True)
    due_soon_notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When support was emailed that this request is due within 7 days."
    )

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.SCHEDULED)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["user", "-opened_at"], name="privacy_datarequest_user")]

    def __str__(self):
        return f"{self.get_type_display()} request {self.pk} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        if self.due_at is None:
            self.due_at = self.opened_at + timedelta(days=self.DUE_DAYS)
        super().save(*args, **kwargs)


class DataExport(models.Model):
    """One "Download my data" job and its ZIP under MEDIA_ROOT/exports/<directory>/."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to start"
        RUNNING = "running", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    RUNNING_STATUSES = (Status.PENDING, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    data_request = models.ForeignKey(DataRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    directory = models.CharField(max_length=64, unique=True, help_text="Random folder under MEDIA_ROOT/exports/.")
    file_name = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # At most one export being prepared per user, even with two clicks at once.
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status__in=["pending", "running"]),
                name="privacy_export_one_running_per_user",
            ),
        ]

    def __str__(self):
        return f"export {self.pk} ({self.status})"


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Access log entries are never edited.")


class AccessLog(models.Model):
    """A member of staff looked at a customer's data: shown to the customer in the
    privacy center. Append-only: never edited (not even in the admin)."""

    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    staff_name = models.CharField(max_length=150, help_text="Who, as shown to the customer.")
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="access_log")
    what = models.CharField(max_length=200, help_text="What was viewed.")
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.staff_name} viewed {self.what}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Access log entries are never edited.")
        super().save(*args, **kwargs)
