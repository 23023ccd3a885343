import logging

from celery import shared_task
from django.core.cache import cache

from essence import retention, services

logger = logging.getLogger(__name__)

EMAIL_MAX_RETRIES = 8


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=EMAIL_MAX_RETRIES,
)
def send_email_task(self, delivery_id: str, payload: dict) -> bool:
    try:
        return services.email_deliver(delivery_id=delivery_id, payload=payload)
    except Exception:
        if self.request.retries >= EMAIL_MAX_RETRIES:
            logger.exception("email %s failed for good", delivery_id)
            services.email_mark_failed(delivery_id=delivery_id)
        raise


@shared_task
def celery_smoke_task(token: str) -> None:
    """Proves a worker is consuming: `manage.py celerysmoke` waits for this key."""
    cache.set(f"celery-smoke:{token}", "done", timeout=300)


@shared_task(acks_late=True)
def retention_run_task(job: str) -> dict:
    """Every retention job, from beat: contacts' trash, data exports, scheduled deletions, …"""
    return retention.run(job).counts


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=5)
def announcement_fan_out_task(announcement_id: int) -> int:
    return services.announcement_fan_out(announcement_id=announcement_id)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=5)
def announcement_send_batch_task(announcement_id: int, user_ids: list[int]) -> int:
    return services.announcement_send_batch(announcement_id=announcement_id, user_ids=user_ids)
