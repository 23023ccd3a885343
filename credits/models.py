import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Workspace


class LedgerImmutableError(Exception):
    """Ledger entries are never edited or deleted; correct mistakes with a new entry."""


class CreditAccount(models.Model):
    """The cached balance of one workspace, changed only with a ledger entry, under a row lock."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, primary_key=True, related_name="credit_account"
    )
    # What ledger entries and purchases keep pointing at once the workspace is deleted.
    anonymous_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    balance = models.IntegerField(default=0)
    # Set when a spend takes the balance under LOW_BALANCE_THRESHOLD, cleared when it is
    # back above it: one low-balance email per crossing.
    low_balance_notified = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.workspace_id}: {self.balance} credits"


class LedgerEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerImmutableError("Ledger entries cannot be updated.")

    def delete(self):
        raise LedgerImmutableError("Ledger entries cannot be deleted.")


class LedgerEntry(models.Model):
    """One change to a workspace's credits. Append-only (also enforced by a database trigger)."""

    class Kind(models.TextChoices):
        SIGNUP_GRANT = "signup_grant", "Signup grant"
        PURCHASE = "purchase", "Purchase"
        SPEND = "spend", "Spend"
        REFUND = "refund", "Refund"
        DISPUTE = "dispute", "Dispute"
        DISPUTE_REVERSAL = "dispute_reversal", "Dispute won"
        ADJUSTMENT = "adjustment", "Adjustment"

    POSITIVE_KINDS = (Kind.SIGNUP_GRANT, Kind.PURCHASE, Kind.DISPUTE_REVERSAL)
    NEGATIVE_KINDS = (Kind.SPEND, Kind.REFUND, Kind.DISPUTE)

    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.SET_NULL, related_name="ledger_entries"
    )
    account_anonymous_id = models.UUIDField(db_index=True)
    amount = models.IntegerField(help_text="Credits added (positive) or taken (negative).")
    balance_after = models.IntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    action = models.CharField(max_length=50, blank=True, help_text="Price list action, for spends.")
    quantity = models.PositiveIntegerField(default=1)
    idempotency_key = models.CharField(max_length=200)
    purchase = models.ForeignKey(
        "credits.Purchase", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    stripe_event_id = models.CharField(max_length=100, blank=True)
    reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "ledger entries"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "idempotency_key"], name="credits_ledger_idempotency"),
            models.CheckConstraint(condition=~Q(amount=0), name="credits_ledger_amount_nonzero"),
            models.CheckConstraint(
                condition=~Q(kind__in=["signup_grant", "purchase", "dispute_reversal"]) | Q(amount__gt=0),
                name="credits_ledger_positive_kinds",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["spend", "refund", "dispute"]) | Q(amount__lt=0),
                name="credits_ledger_negative_kinds",
            ),
            models.CheckConstraint(
                condition=~Q(kind="adjustment") | ~Q(reason=""), name="credits_ledger_adjustment_reason"
            ),
        ]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="credits_ledger_ws_created")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount:+d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerImmutableError("Ledger entries cannot be edited; add a correcting entry.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerImmutableError("Ledger entries cannot be deleted; add a correcting entry.")


class Price(models.Model):
    """What an action costs, in credits. Staff edit it in the admin."""

    action = models.CharField(max_length=50, unique=True)
    credits = models.PositiveIntegerField()
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["action"]

    def __str__(self):
        return f"{self.action}: {self.credits}"


class CreditPack(models.Model):
    """A pack of credits sold through Stripe Checkout. Money in minor units (cents)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    credits = models.PositiveIntegerField()
    price_amount = models.PositiveIntegerField(help_text="In minor units, e.g. 500 = €5.00")
    currency = models.CharField(max_length=3, default="eur")
    active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "credits"]
        constraints = [models.CheckConstraint(condition=Q(credits__gt=0), name="credits_pack_credits_positive")]

    def __str__(self):
        return self.name


class Purchase(models.Model):
    """One Stripe Checkout Session for a pack. Credits come only from the signed webhook."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"
        REFUNDED = "refunded", "Refunded"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
        DISPUTED = "disputed", "Disputed"

    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.SET_NULL, related_name="purchases"
    )
    account_anonymous_id = models.UUIDField(db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pack = models.ForeignKey(CreditPack, on_delete=models.PROTECT, related_name="purchases")
    credits = models.PositiveIntegerField()
    amount = models.PositiveIntegerField(help_text="Minor units")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    stripe_checkout_session_id = models.CharField(max_length=255, unique=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True, db_index=True)
    amount_refunded = models.PositiveIntegerField(default=0)
    credits_refunded = models.PositiveIntegerField(default=0)
    # Credits currently held back by open or lost disputes (won disputes give them back).
    credits_disputed = models.PositiveIntegerField(default=0)
    receipt_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # Claimed (conditional update) before the receipt email is sent: one receipt per purchase.
    receipt_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(credits_refunded__lte=models.F("credits")),
                                   name="credits_purchase_refund_le_credits"),
            models.CheckConstraint(condition=Q(amount_refunded__lte=models.F("amount")),
                                   name="credits_purchase_amount_refunded_le_amount"),
        ]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="credits_purchase_ws_created")]

    def __str__(self):
        return f"{self.credits} credits ({self.get_status_display()})"


class StripeEvent(models.Model):
    """Each Stripe event id is processed once: stored in the same transaction as its effect."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return f"{self.type} {self.event_id}"
