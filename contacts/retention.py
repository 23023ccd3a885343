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


@retention_job("import_files", period_setting="IMPORT_UNDO_DAYS")
def delete_stale_import_files(cutoff, batch_size) -> dict:
    """Uploads never imported (left at the mapping step) or paused for longer than the period
    lose their file; the import shows as failed and can be uploaded again."""
    from contacts.models import ImportJob

    stale = list(
        ImportJob.objects.filter(created_at__lt=cutoff)
        .exclude(source="")
        .exclude(status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING])
        .order_by("created_at")[:batch_size]
    )
    for job in stale:
        job.source.delete(save=False)
    ImportJob.objects.filter(pk__in=[job.pk for job in stale]).update(source="")
    ImportJob.objects.filter(
        pk__in=[job.pk for job in stale], status__in=[ImportJob.Status.UPLOADED, ImportJob.Status.PAUSED]
    ).update(status=ImportJob.Status.FAILED, message="The uploaded file was deleted after "
             f"{settings.IMPORT_UNDO_DAYS} days without being imported. Upload it again to import it.")
    return {"import_files_deleted": len(stale)}
