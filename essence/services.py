from django.db import transaction
from django.db.models import F
from django.utils import timezone

from essence.emails import payload_to_message
from essence.models import EmailDelivery


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
