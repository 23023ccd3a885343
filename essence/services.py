from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from essence.emails import EmailCategory, payload_to_message, send_templated_email
from essence.models import EmailDelivery, SupportRequest


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
