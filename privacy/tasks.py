"""Thin, idempotent Celery tasks: each loads by id and calls a service."""

import logging

from celery import shared_task

from privacy import services

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=5)
def data_export_build_task(self, export_id: str) -> None:
    try:
        services.data_export_build(export_id=export_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            logger.exception("privacy: export %s failed for good", export_id)
            services.data_export_fail(export_id=export_id, error=f"{type(exc).__name__}")
        raise


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=8)
def account_delete_task(data_request_id: int) -> None:
    services.account_delete(data_request_id=data_request_id)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=5)
def policy_notify_task(version_id: int) -> int:
    return services.policy_notify_all(version_id=version_id)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=5)
def policy_notify_batch_task(version_id: int, user_ids: list[int]) -> int:
    return services.policy_notify_batch(version_id=version_id, user_ids=user_ids)


@shared_task(acks_late=True)
def data_requests_notify_due_soon_task() -> int:
    return services.data_requests_notify_due_soon()
