from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import Membership, UsageEvent, User, Workspace
from essence.retention import retention_job


@retention_job("unverified_signups", period_setting="RETENTION_UNVERIFIED_SIGNUP_DAYS")
def delete_unverified_signups(cutoff, batch_size) -> dict:
    """Accounts whose email was never verified are deleted with their (unused) workspace."""
    from allauth.account.models import EmailAddress

    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    with transaction.atomic():
        users = list(
            User.objects.select_for_update(skip_locked=True)
            .filter(date_joined__lt=cutoff, is_staff=False, is_superuser=False)
            .exclude(Exists(verified))
            .order_by("id")[:batch_size]
        )
        workspace_ids = Membership.objects.filter(user__in=users, role=Membership.Role.OWNER).values("workspace_id")
        Workspace.objects.filter(id__in=workspace_ids).delete()
        for user in users:
            user.delete()
    return {"users_deleted": len(users)}


@retention_job("usage_events", period_setting="USAGE_EVENTS_ANONYMISE_DAYS")
def anonymise_usage_events(cutoff, batch_size) -> dict:
    """Old usage events keep what happened and when, not who."""
    ids = list(
        UsageEvent.objects.filter(created_at__lt=cutoff, anonymised_at__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[:batch_size]
    )
    anonymised = UsageEvent.objects.filter(id__in=ids, anonymised_at__isnull=True).update(
        workspace=None, user=None, anonymised_at=timezone.now()
    )
    return {"usage_events_anonymised": anonymised}
