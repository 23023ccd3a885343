import datetime

from django.conf import settings
from django.utils import timezone

from contacts import services
from contacts.models import ContactExport
from essence.retention import retention_job


@retention_job("trashed_contacts", period_setting="CONTACTS_TRASH_DAYS")
def purge_trashed_contacts(cutoff, batch_size) -> dict:
    """Contacts in the trash longer than the period are deleted for good."""
    return {"contacts_deleted": services.contacts_purge_trashed_batch(cutoff=cutoff, batch_size=batch_size)}


@retention_job("contact_export_files", period_setting="EXPORT_LINK_DAYS")
def delete_expired_contact_exports(cutoff, batch_size) -> dict:
    """Background export files go when their link expires (EXPORT_LINK_DAYS after they were made)."""
    now = cutoff + datetime.timedelta(days=settings.EXPORT_LINK_DAYS)
    expired = list(
        ContactExport.objects.filter(expires_at__lte=now).exclude(status=ContactExport.Status.EXPIRED)
        .order_by("expires_at")[:batch_size]
    )
    for export in expired:
        if export.file:
            export.file.delete(save=False)
    ContactExport.objects.filter(pk__in=[e.pk for e in expired]).update(
        status=ContactExport.Status.EXPIRED, file="", finished_at=timezone.now()
    )
    return {"export_files_deleted": len(expired)}
