import re

from django.shortcuts import redirect
from django.urls import reverse

from privacy import selectors, services
from privacy.consent import analytics_consented

_ID_SEGMENT = re.compile(
    r"^(\d+|[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|(?=.*\d)[A-Za-z0-9_.:=-]{12,})$",
    re.IGNORECASE,
)
_NOT_COUNTED = ("/static/", "/admin/", "/healthz", "/dev/", "/privacy/exports/", "/privacy/analytics/")


def normalise_path(path: str) -> str:
    """/contacts/42/edit/ -> /contacts/:id/edit/ ; ids, uuids and tokens never stored."""
    parts = [":id" if part and _ID_SEGMENT.match(part) else part for part in path.split("/")]
    return "/".join(parts)[:200] or "/"


class PageViewMiddleware:
    """Counts a page view per (normalised path, day) when this browser consented to
    analytics and the signed-in user has neither objected nor restricted processing.
    Stores no user, IP or user agent."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method == "GET"
            and response.status_code == 200
            and response.get("Content-Type", "").startswith("text/html")
            and not request.headers.get("HX-Request")
            and not request.path.startswith(_NOT_COUNTED)
            and analytics_consented(request)
            and selectors.analytics_allowed_for_user(user=request.user)
        ):
            services.page_view_count(path=normalise_path(request.path))
        return response


class PendingDeletionMiddleware:
    """A signed-in user whose account awaits deletion sees only the page that lets them
    cancel (and can log out, read the policy, change cookie choices)."""

    ALLOWED = ("/privacy/deletion/pending/", "/accounts/logout/", "/static/", "/privacy/consent/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(self.ALLOWED)
            and request.path != "/privacy/"
            and selectors.deletion_pending_for(user=user)
        ):
            return redirect(reverse("privacy_deletion_pending"))
        return self.get_response(request)
