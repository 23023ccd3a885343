from credits.models import StripeEvent
from essence.retention import retention_job


@retention_job("stripe_webhook_payloads", period_setting="RETENTION_WEBHOOK_PAYLOAD_DAYS")
def trim_webhook_payloads(cutoff, batch_size) -> dict:
    """Old Stripe events keep their id and type (still deduplicated), not the payload with
    customer emails and addresses."""
    events = list(
        StripeEvent.objects.filter(received_at__lt=cutoff, payload__has_key="data")
        .order_by("id")
        .only("id", "event_id", "type")[:batch_size]
    )
    for event in events:
        event.payload = {"id": event.event_id, "type": event.type, "trimmed": True}
    StripeEvent.objects.bulk_update(events, ["payload"])
    return {"webhook_payloads_trimmed": len(events)}
