from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from essence.emails import EmailCategory, payload_to_message, send_templated_email
from essence.models import Announcement, AnnouncementDelivery, AnnouncementDismissal, EmailDelivery, SupportRequest


def email_deliver(*, delivery_id: str, payload: dict) -> bool:
    """Send one queued email unless it was already sent. Returns True if sent now.

    The row lock makes a redelivered task wait for (and then skip) a send
    already in progress. A failure is recorded and re-raised so the task retries.
    """
    try:
        with transaction.atomic():
            delivery = (
                EmailDelivery.objects.select_for_update()
                .filter(id=delivery_id, sent_at__isnull=True)
                .exclude(status=EmailDelivery.Status.SUPPRESSED)
                .first()
            )
            if delivery is None:
                return False
            payload_to_message(payload).send(fail_silently=False)
            delivery.status = EmailDelivery.Status.SENT
            delivery.sent_at = timezone.now()
            delivery.attempts += 1
            delivery.last_error = ""
            delivery.save(update_fields=["status", "sent_at", "attempts", "last_error"])
            return True
    except Exception as exc:
        EmailDelivery.objects.filter(id=delivery_id, sent_at__isnull=True).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:300]
        )
        raise


def email_mark_failed(*, delivery_id: str) -> None:
    EmailDelivery.objects.filter(id=delivery_id, sent_at__isnull=True).update(
        status=EmailDelivery.Status.FAILED
    )


@transaction.atomic
def support_request_create(*, topic: str, message: str, user=None, name: str = "", email: str = "") -> SupportRequest:
    """Store the request, email support (reply-to the sender) and confirm to the sender."""
    if user is not None and user.is_authenticated:
        name, email = user.full_name or user.email, user.email
    else:
        user = None
    request = SupportRequest.objects.create(user=user, name=name, email=email, topic=topic, message=message)
    context = {"support_request": request}
    send_templated_email(
        template="support_request_staff",
        to=[settings.SUPPORT_EMAIL],
        reply_to=[email],
        context=context,
        category=EmailCategory.TRANSACTIONAL,
    )
    send_templated_email(
        template="support_request_received",
        to=[email],
        context=context,
        category=EmailCategory.TRANSACTIONAL,
        user=user,
    )
    return request


# --- Announcements -----------------------------------------------------------------------

ANNOUNCEMENT_BATCH_SIZE = 200


def announcement_send(*, announcement: Announcement) -> bool:
    """Start sending a draft in the background. Returns False when it was not a draft
    (already sending or sent): a second click never sends a second time."""
    from django.core.cache import cache

    from essence import selectors
    from essence.tasks import announcement_fan_out_task

    with transaction.atomic():
        claimed = Announcement.objects.filter(pk=announcement.pk, status=Announcement.Status.DRAFT).update(
            status=Announcement.Status.SENDING, sent_at=timezone.now()
        )
        if claimed:
            transaction.on_commit(lambda: cache.delete(selectors.LIVE_CACHE_KEY))  # the banner shows at once
            transaction.on_commit(lambda: announcement_fan_out_task.delay(announcement.pk))
    return bool(claimed)


def announcement_fan_out(*, announcement_id: int, batch_size: int | None = None) -> int:
    """Write a pending AnnouncementDelivery for every recipient (at most one per user: a
    unique constraint), then queue one batch task per ``batch_size`` pending deliveries.
    Safe to run again. Returns the number of batches queued."""
    from essence import selectors
    from essence.tasks import announcement_send_batch_task

    batch_size = batch_size or ANNOUNCEMENT_BATCH_SIZE
    announcement = Announcement.objects.filter(pk=announcement_id, status=Announcement.Status.SENDING).first()
    if announcement is None:
        return 0
    recipient_ids = list(selectors.announcement_recipients().values_list("id", flat=True))
    for start in range(0, len(recipient_ids), batch_size):
        AnnouncementDelivery.objects.bulk_create(
            [AnnouncementDelivery(announcement=announcement, user_id=user_id)
             for user_id in recipient_ids[start:start + batch_size]],
            ignore_conflicts=True,
        )
    pending = list(AnnouncementDelivery.objects.filter(announcement=announcement,
                                                       status=AnnouncementDelivery.Status.PENDING)
                   .order_by("user_id").values_list("user_id", flat=True))
    batches = [pending[i:i + batch_size] for i in range(0, len(pending), batch_size)]
    for batch in batches:
        announcement_send_batch_task.delay(announcement.pk, batch)
    if not batches:
        _announcement_finish(announcement.pk)
    return len(batches)


def announcement_send_batch(*, announcement_id: int, user_ids: list[int]) -> int:
    """Email the announcement to these users, each at most once: a pending delivery is
    claimed (pending → sent) with a conditional update in the transaction that queues the
    email, so a retried batch sends nothing twice. Whoever objected since the fan-out is
    skipped. Returns how many emails this call sent."""
    from privacy.selectors import marketing_allowed

    announcement = Announcement.objects.filter(pk=announcement_id).exclude(status=Announcement.Status.DRAFT).first()
    if announcement is None:
        return 0
    deliveries = (AnnouncementDelivery.objects.filter(announcement=announcement, user_id__in=user_ids,
                                                      status=AnnouncementDelivery.Status.PENDING)
                  .select_related("user").order_by("user_id"))
    sent = 0
    for delivery in deliveries:
        user = delivery.user
        allowed = user.is_active and marketing_allowed(user=user)
        with transaction.atomic():
            claimed = AnnouncementDelivery.objects.filter(
                pk=delivery.pk, status=AnnouncementDelivery.Status.PENDING
            ).update(status=AnnouncementDelivery.Status.SENT if allowed else AnnouncementDelivery.Status.SKIPPED,
                     sent_at=timezone.now() if allowed else None)
            if not claimed or not allowed:
                continue
            send_templated_email(
                template="announcement", to=[user.email], user=user, category=EmailCategory.MARKETING,
                context=announcement_email_context(announcement=announcement, user=user),
            )
            sent += 1
    _announcement_finish(announcement.pk)
    return sent


def announcement_email_context(*, announcement: Announcement, user) -> dict:
    """The announcement email's own context (the admin preview renders it the same way)."""
    return {"user": user, "announcement": announcement, "center_url": f"{settings.SITE_URL}/privacy/center/"}


def _announcement_finish(announcement_id: int) -> None:
    """Recount what was sent (a count, so re-runs never inflate it); done when nothing is pending."""
    deliveries = AnnouncementDelivery.objects.filter(announcement_id=announcement_id)
    Announcement.objects.filter(pk=announcement_id).update(
        sent_count=deliveries.filter(status=AnnouncementDelivery.Status.SENT).count()
    )
    if not deliveries.filter(status=AnnouncementDelivery.Status.PENDING).exists():
        Announcement.objects.filter(pk=announcement_id, status=Announcement.Status.SENDING).update(
            status=Announcement.Status.SENT
        )


def announcement_dismiss(*, user, announcement_id: int) -> None:
    """Hide the banner of this announcement for this user (idempotent)."""
    announcement = Announcement.objects.filter(pk=announcement_id).first()
    if announcement is not None:
        AnnouncementDismissal.objects.get_or_create(user=user, announcement=announcement)
