import uuid

from django.conf import settings
from django.db import models


class EmailDelivery(models.Model):
    """One outgoing email: lets the send task run any number of times and send once.

    Holds no message content; the rendered message travels in the task's
    arguments and is gone once delivered.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        SENT = "sent"
        FAILED = "failed"
        SUPPRESSED = "suppressed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    template = models.CharField(max_length=100)
    category = models.CharField(max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "email deliveries"
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.template} ({self.status})"


class SupportRequest(models.Model):
    """A message sent through /support/, answered by staff by email (reply-to the sender)."""

    class Topic(models.TextChoices):
        ACCOUNT = "account", "My account or signing in"
        BILLING = "billing", "Credits and payments"
        CONTACTS = "contacts", "Contacts, import or export"
        PRIVACY = "privacy", "Privacy or my data"
        BUG = "bug", "Something is broken"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ANSWERED = "answered", "Answered"
        CLOSED = "closed", "Closed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="support_requests"
    )
    name = models.CharField(max_length=150)
    email = models.EmailField()
    topic = models.CharField(max_length=20, choices=Topic.choices)
    message = models.TextField(max_length=5000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    staff_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_topic_display()} from {self.email}"


class RetentionRun(models.Model):
    """One run of a retention job: what it removed or anonymised, visible to staff."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped (another run held the lock)"
        FAILED = "failed", "Failed"

    job = models.CharField(max_length=60, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cutoff = models.DateTimeField(null=True, blank=True, help_text="Only rows older than this were touched.")
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M} ({self.status})"


class Announcement(models.Model):
    """A message from Essence to its users: emailed (MARKETING: only to people who have
    not objected) in background batches, and shown as a dismissible banner in the app."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    subject = models.CharField(max_length=150)
    body = models.TextField(help_text="Plain text; blank lines separate paragraphs.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    sent_count = models.PositiveIntegerField(default=0, help_text="Emails actually sent.")
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When sending started.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.subject


class AnnouncementDelivery(models.Model):
    """One announcement to one user: created before sending and claimed (pending → sent)
    with a conditional update, so a retried batch never emails anyone twice."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped (objected or inactive by send time)"

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "announcement deliveries"
        constraints = [
            models.UniqueConstraint(fields=["announcement", "user"], name="essence_announcementdelivery_unique"),
        ]
        indexes = [models.Index(fields=["announcement", "status"], name="essence_annc_delivery_status")]

    def __str__(self):
        return f"announcement {self.announcement_id} to user {self.user_id} ({self.status})"


class AnnouncementDismissal(models.Model):
    """A user closed an announcement's banner."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["announcement", "user"], name="essence_announcementdismissal_unique"),
        ]

    def __str__(self):
        return f"user {self.user_id} dismissed announcement {self.announcement_id}"
