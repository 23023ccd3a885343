import re
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, Sum
from django.http import Http404
from django.utils import timezone

from privacy.models import (
    AccessLog,
    ConsentRecord,
    DataExport,
    DataRequest,
    PageViewDaily,
    PolicyAcceptance,
    PolicyVersion,
    PrivacySettings,
)

_HEADING = re.compile(r"^(\d+(?:\.\d+)?)\.?\s+\S")


def policy_current() -> PolicyVersion | None:
    return (
        PolicyVersion.objects.filter(published_at__isnull=False, published_at__lte=timezone.now())
        .order_by("-version")
        .first()
    )


def policy_blocks(text: str) -> list[dict]:
    """Split the policy's plain text into headings, paragraphs and lists, word for word."""
    blocks: list[dict] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("- "):
            if not blocks or blocks[-1]["kind"] != "list":
                blocks.append({"kind": "list", "items": []})
            blocks[-1]["items"].append(line[2:])
        elif match := _HEADING.match(line):
            level = 2 if "." not in match.group(1) else 3
            blocks.append({"kind": f"h{level}", "text": line})
        else:
            blocks.append({"kind": "p", "text": line})
    return blocks


# --- Privacy settings, objections, restriction -------------------------------------


def privacy_settings_get(*, user) -> PrivacySettings | None:
    """The user's settings row (None when they never changed anything), cached on the user."""
    if not getattr(user, "pk", None):
        return None
    if not hasattr(user, "_privacy_settings_cache"):
        user._privacy_settings_cache = PrivacySettings.objects.filter(user_id=user.pk).first()
    return user._privacy_settings_cache


# The same rules as the Python checks below, for queries over many users.
FROZEN = Q(processing_restricted=True) | Q(deletion_scheduled_for__isnull=False)
MARKETING_REFUSED = Q(marketing_objected=True) | FROZEN


def marketing_refused_settings(user_ref):
    """Settings rows of ``user_ref`` (a user id or OuterRef) that forbid marketing email and
    announcements: what ``marketing_allowed`` refuses, as a query."""
    return PrivacySettings.objects.filter(MARKETING_REFUSED, user=user_ref)


def processing_restricted(*, user=None, workspace=None) -> bool:
    """True while processing is frozen for this user, or for any member of this workspace:
    the user switched on "restrict processing" or their account awaits deletion.

    The contacts app makes a restricted workspace read-only with this.
    """
    if workspace is not None:
        return PrivacySettings.objects.filter(FROZEN, user__memberships__workspace=workspace).exists()
    settings_row = privacy_settings_get(user=user) if user is not None else None
    return bool(settings_row and (settings_row.processing_restricted or settings_row.deletion_scheduled_for))


def marketing_allowed(*, user) -> bool:
    settings_row = privacy_settings_get(user=user)
    return not (settings_row and (settings_row.marketing_objected or settings_row.processing_restricted
                                  or settings_row.deletion_scheduled_for))


def analytics_allowed_for_user(*, user) -> bool:
    """A signed-in user's own switches (the browser's cookie choice is checked separately)."""
    if not getattr(user, "is_authenticated", False):
        return True
    settings_row = privacy_settings_get(user=user)
    return not (settings_row and (settings_row.analytics_objected or settings_row.processing_restricted
                                  or settings_row.deletion_scheduled_for))


def deletion_pending_for(*, user):
    """When the user's account is scheduled to be deleted, or None."""
    settings_row = privacy_settings_get(user=user)
    return settings_row.deletion_scheduled_for if settings_row else None


# --- Privacy center lists ------------------------------------------------------------


def data_request_list(*, user):
    return DataRequest.objects.filter(user=user).order_by("-opened_at", "-id")


def access_log_list(*, workspace):
    return AccessLog.objects.filter(workspace=workspace).order_by("-created_at", "-id")


def consent_record_list(*, user):
    return ConsentRecord.objects.filter(user=user).order_by("-created_at", "-id")


def data_export_list(*, user):
    return DataExport.objects.filter(user=user).order_by("-created_at")


def data_export_latest(*, user) -> DataExport | None:
    return data_export_list(user=user).exclude(status=DataExport.Status.EXPIRED).first()


def data_export_get_for_user(*, user, export_id) -> DataExport:
    """The one gate for an export: only its own user, signed in; everyone else gets 404."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such export.")
    try:
        return DataExport.objects.get(id=export_id, user=user)
    except (DataExport.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such export.") from exc


def data_export_downloadable(*, user, export_id) -> DataExport:
    export = data_export_get_for_user(user=user, export_id=export_id)
    if export.status != DataExport.Status.READY or not export.expires_at or export.expires_at <= timezone.now():
        raise Http404("This export has expired.")
    return export


def data_exports_started_today(*, user) -> int:
    return DataExport.objects.filter(user=user, created_at__gte=timezone.now() - timedelta(days=1)).count()


# --- Policy ---------------------------------------------------------------------------


def policy_versions_published():
    return PolicyVersion.objects.filter(
        published_at__isnull=False, published_at__lte=timezone.now()
    ).order_by("-version")


def policy_version_get_published(*, version: int) -> PolicyVersion:
    try:
        return policy_versions_published().get(version=version)
    except PolicyVersion.DoesNotExist as exc:
        raise Http404("No such policy version.") from exc


def policy_needs_acknowledgement(*, user) -> PolicyVersion | None:
    """The current policy version when this signed-in user has not acknowledged it yet."""
    if not getattr(user, "is_authenticated", False):
        return None
    # One query on every signed-in page: the current version, with whether this user accepted it.
    current = (
        PolicyVersion.objects.filter(published_at__isnull=False, published_at__lte=timezone.now())
        .annotate(accepted=Exists(PolicyAcceptance.objects.filter(user=user, version=OuterRef("pk"))))
        .defer("text")  # the whole policy, read only when a page shows it
        .order_by("-version")
        .first()
    )
    if current is None or current.accepted:
        return None
    return current


# --- Analytics ------------------------------------------------------------------------


def page_views_by_day(*, days: int = 30) -> list[dict]:
    """Total consenting page views per day for the last ``days`` days, zero-filled."""
    today = timezone.localdate()
    start = today - timedelta(days=days - 1)
    totals = dict(
        PageViewDaily.objects.filter(day__gte=start)
        .values("day").annotate(total=Sum("count")).values_list("day", "total")
    )
    return [{"day": start + timedelta(days=i), "count": totals.get(start + timedelta(days=i), 0)} for i in range(days)]


def page_views_top_paths(*, days: int = 30, limit: int = 20):
    start = timezone.localdate() - timedelta(days=days - 1)
    return (
        PageViewDaily.objects.filter(day__gte=start)
        .values("path").annotate(total=Sum("count")).order_by("-total", "path")[:limit]
    )


# --- DSAR register (staff) ------------------------------------------------------------

DUE_SOON_DAYS = 7


def data_requests_open():
    return DataRequest.objects.filter(status__in=DataRequest.OPEN_STATUSES)


def data_requests_overdue(*, now=None):
    """Not completed (nor cancelled or failed) and past their due date."""
    return data_requests_open().filter(due_at__lt=now or timezone.now())


def data_requests_due_soon(*, now=None, days: int = DUE_SOON_DAYS):
    """Still open and due within ``days`` days (not yet overdue)."""
    now = now or timezone.now()
    return data_requests_open().filter(due_at__gte=now, due_at__lte=now + timedelta(days=days))
