import logging

import stripe
from celery import shared_task

from credits import services

logger = logging.getLogger(__name__)

RECEIPT_MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, max_retries=RECEIPT_MAX_RETRIES)
def purchase_receipt_task(self, purchase_id: int) -> bool:
    """Fetch the Stripe receipt link and email the receipt; a repeat run sends nothing twice."""
    try:
        return services.purchase_receipt_send(purchase_id=purchase_id)
    except stripe.StripeError as exc:
        if self.request.retries >= RECEIPT_MAX_RETRIES:
            logger.warning("receipt link for purchase %s unavailable (%s); sending without it", purchase_id, exc)
            return services.purchase_receipt_send(purchase_id=purchase_id, fetch_receipt_url=False)
        raise self.retry(exc=exc, countdown=min(600, 10 * 2**self.request.retries)) from exc
