"""Reads of the essence app: announcements (recipients, the in-app banner)."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from essence.models import Announcement, AnnouncementDismissal

BANNER_DAYS = 30


def _marketing_refused(user_ref):
    """Privacy settings that forbid announcements (the same rule as privacy.selectors.marketing_allowed)."""
    from privacy.models import PrivacySettings

    return PrivacySettings.objects.filter(user=user_ref).filter(
        Q(marketing_objected=True) | Q(processing_restricted=True) | Q(deletion_scheduled_for__isnull=False)
    )


def announcement_recipients():
    """Users an announcement goes to: active, with a verified address, not objecting to
    announcements (nor restricted, nor awaiting deletion). Ordered by id for batching."""
    from accounts.models import User

    return (
        User.objects.filter(is_active=True)
        .filter(Exists(EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)))
        .filter(~Exists(_marketing_refused(OuterRef("pk"))))
        .order_by("id")
    )


def announcement_banner_for(*, user) -> Announcement | None:
    """The newest announcement (sent in the last BANNER_DAYS days) this signed-in user has
    not dismissed, or None: one query. People who objected to announcements see none."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Announcement.objects.filter(status__in=[Announcement.Status.SENDING, Announcement.Status.SENT],
                                    sent_at__gte=timezone.now() - timedelta(days=BANNER_DAYS))
        .filter(~Exists(AnnouncementDismissal.objects.filter(user=user, announcement=OuterRef("pk"))))
        .filter(~Exists(_marketing_refused(user.pk)))
        .order_by("-sent_at", "-id")
        .only("id", "subject", "body")
        .first()
    )
