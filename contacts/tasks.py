from celery import shared_task

from contacts import services


@shared_task(acks_late=True, ignore_result=True)
def reminders_send_due_task() -> dict:
    """Every minute: email the reminders that are due. Each is claimed before it is sent,
    so overlapping ticks (or a redelivered task) never send one twice."""
    return services.reminders_send_due()


@shared_task(acks_late=True, ignore_result=True)
def contacts_purge_trashed_task() -> int:
    """Hourly: delete contacts trashed longer than CONTACTS_TRASH_DAYS. Repeating it is harmless."""
    return services.contacts_purge_trashed()
