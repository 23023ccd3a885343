from django.conf import settings
from django.utils.functional import SimpleLazyObject

from accounts.selectors import workspace_for_user


class CurrentWorkspaceMiddleware:
    """Gives every request ``request.workspace`` (None when signed out), looked up on first use."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.workspace = SimpleLazyObject(lambda: workspace_for_user(user=request.user))
        return self.get_response(request)


class StaffSessionExpiryMiddleware:
    """Staff sessions end after STAFF_SESSION_IDLE_SECONDS without a request (customers' last longer)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
        return self.get_response(request)
