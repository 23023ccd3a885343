from django.utils.functional import SimpleLazyObject

from accounts.selectors import workspace_for_user


class CurrentWorkspaceMiddleware:
    """Gives every request ``request.workspace`` (None when signed out), looked up on first use."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.workspace = SimpleLazyObject(lambda: workspace_for_user(user=request.user))
        return self.get_response(request)
