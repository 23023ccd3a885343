"""Reads of the essence app: announcements (recipients, the in-app banner) and the staff dashboard."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from essence.models import Announcement, AnnouncementDismissal
from privacy import selectors as privacy_selectors

BANNER_DAYS = 30


def announcement_recipients():
    """Users an announcement goes to: active, with a verified address, not objecting to
    announcements (nor restricted, nor awaiting deletion). Ordered by id for batching."""
    from accounts.models import User

    return (
        User.objects.filter(is_active=True)
        # The address we send to is the account's own one, and it is verified.
        .filter(Exists(EmailAddress.objects.filter(user=OuterRef("pk"), email__iexact=OuterRef("email"),
                                                   verified=True)))
        .filter(~Exists(privacy_selectors.marketing_refused_settings(OuterRef("pk"))))
        .order_by("id")
    )


LIVE_CACHE_KEY = "essence:announcements:live"
LIVE_CACHE_SECONDS = 300


def _live_announcements():
    return Announcement.objects.filter(status__in=[Announcement.Status.SENDING, Announcement.Status.SENT],
                                       sent_at__gte=timezone.now() - timedelta(days=BANNER_DAYS))


def announcement_live_exists() -> bool:
    """Whether any announcement is in its banner window, cached for a few minutes (and
    cleared when one is sent), so pages cost no query while there is nothing to show."""
    live = cache.get(LIVE_CACHE_KEY)
    if live is None:
        live = _live_announcements().exists()
        cache.set(LIVE_CACHE_KEY, live, LIVE_CACHE_SECONDS)
    return live


def announcement_banner_for(*, user) -> Announcement | None:
    """The newest announcement (sent in the last BANNER_DAYS days) this signed-in user has
    not dismissed, or None. One query while an announcement is live, none otherwise.
    People who objected to announcements see none."""
    if not getattr(user, "is_authenticated", False) or not announcement_live_exists():
        return None
    return (
        _live_announcements()
        .filter(~Exists(AnnouncementDismissal.objects.filter(user=user, announcement=OuterRef("pk"))))
        .filter(~Exists(privacy_selectors.marketing_refused_settings(user.pk)))
        .order_by("-sent_at", "-id")
        .only("id", "subject", "body")
        .first()
    )


# --- Staff dashboard ------------------------------------------------------------------------

FAILED_JOBS_DAYS = 7


def _per_day(queryset, *, field: str, value, days: int, sign: int = 1) -> list[tuple[date, int]]:
    """``value`` (an aggregate) of ``queryset`` per day of ``field`` over the last ``days``
    days (today included), oldest first, zeros filled in."""
    first = timezone.localdate() - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first, time.min))
    rows = dict(
        queryset.filter(**{f"{field}__gte": start})
        .annotate(day=TruncDate(field)).values("day").annotate(total=value).values_list("day", "total")
    )
    return [(first + timedelta(days=i), sign * (rows.get(first + timedelta(days=i)) or 0)) for i in range(days)]


def signups_per_day(*, days: int = 30) -> list[tuple[date, int]]:
    from accounts.models import User

    return _per_day(User.objects.all(), field="date_joined", value=Count("id"), days=days)


def credits_sold_per_day(*, days: int = 30) -> list[tuple[date, int]]:
    """Credits bought (ledger purchase entries) per day."""
    from credits.models import LedgerEntry

    return _per_day(LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PURCHASE), field="created_at",
                    value=Sum("amount"), days=days)


def credits_spent_per_day(*, days: int = 30) -> list[tuple[date, int]]:
    """Credits used (ledger spend entries, stored negative) per day, as positive numbers."""
    from credits.models import LedgerEntry

    return _per_day(LedgerEntry.objects.filter(kind=LedgerEntry.Kind.SPEND), field="created_at",
                    value=Sum("amount"), days=days, sign=-1)


def active_workspace_count(*, days: int = 30) -> int:
    """Workspaces with at least one usage event in the last ``days`` days."""
    from accounts.models import UsageEvent

    return (UsageEvent.objects.filter(created_at__gte=timezone.now() - timedelta(days=days), workspace__isnull=False)
            .values("workspace_id").distinct().count())


def failed_jobs(*, days: int = FAILED_JOBS_DAYS) -> dict:
    from essence.models import EmailDelivery, RetentionRun

    since = timezone.now() - timedelta(days=days)
    return {
        "emails": EmailDelivery.objects.filter(status=EmailDelivery.Status.FAILED, created_at__gte=since).count(),
        "retention_runs": RetentionRun.objects.filter(status=RetentionRun.Status.FAILED,
                                                      started_at__gte=since).count(),
    }


def data_request_counts() -> dict:
    return {"open": privacy_selectors.data_requests_open().count(),
            "overdue": privacy_selectors.data_requests_overdue().count(),
            "due_soon": privacy_selectors.data_requests_due_soon().count()}


def staff_dashboard(*, days: int = 30) -> dict:
    signups = signups_per_day(days=days)
    sold = credits_sold_per_day(days=days)
    spent = credits_spent_per_day(days=days)
    return {
        "days": days, "signups": signups, "credits_sold": sold, "credits_spent": spent,
        "signups_total": sum(v for _, v in signups), "credits_sold_total": sum(v for _, v in sold),
        "credits_spent_total": sum(v for _, v in spent), "active_workspaces": active_workspace_count(days=days),
        "data_requests": data_request_counts(), "failed_jobs": failed_jobs(), "failed_jobs_days": FAILED_JOBS_DAYS,
    }
