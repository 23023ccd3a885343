from django.shortcuts import render

from privacy.selectors import processing_restricted

# Reading and exporting stay open under restriction: access and portability are rights too.
_STILL_ALLOWED = ("/contacts/export/",)


class ReadOnlyWhenRestrictedMiddleware:
    """While the account holder has restricted processing (or awaits deletion), contacts
    are read-only: every change to them is refused with a page that says why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method not in ("GET", "HEAD", "OPTIONS")
            and request.path.startswith("/contacts/")
            and not request.path.startswith(_STILL_ALLOWED)
            and request.user.is_authenticated
            and processing_restricted(user=request.user)
        ):
            return render(request, "contacts/read_only.html", status=403)
        return self.get_response(request)
