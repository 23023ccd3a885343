"""Privacy's periodic jobs, run through essence.retention (lock, RetentionRun with counts)."""

import datetime

from django.conf import settings

from essence.retention import retention_job
from privacy import services
from privacy.models import ConsentRecord


@retention_job("data_export_files", period_setting="DATA_EXPORT_TTL_DAYS")
def purge_expired_data_exports(cutoff, batch_size) -> dict:
    """"Download my data" files go when their link expires (DATA_EXPORT_TTL_DAYS after they were made)."""
    now = cutoff + datetime.timedelta(days=settings.DATA_EXPORT_TTL_DAYS)
    return {"export_files_deleted": services.data_exports_purge_expired(now=now)}


@retention_job("scheduled_account_deletions", period_setting="ACCOUNT_DELETION_GRACE_DAYS")
def delete_accounts_past_grace(cutoff, batch_size) -> dict:
    """Accounts whose "delete in 14 days" grace period has ended are deleted through the
    privacy deletion service (the date is stored when the deletion is scheduled)."""
    now = cutoff + datetime.timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS)
    return {"accounts_deleted": services.account_deletions_due(now=now)}


@retention_job("consent_records", period_setting="CONSENT_RECORD_ANONYMISE_DAYS")
def anonymise_old_consent_records(cutoff, batch_size) -> dict:
    """A deleted user's consent records go with the account (cascade). Records with no user —
    a visitor's choices — keep what was chosen and when, but lose the cookie's anonymous id."""
    ids = list(
        ConsentRecord.objects.filter(user__isnull=True, created_at__lt=cutoff).exclude(anonymous_id="")
        .order_by("id").values_list("id", flat=True)[:batch_size]
    )
    return {"consent_records_anonymised": ConsentRecord.objects.filter(id__in=ids).update(anonymous_id="")}
