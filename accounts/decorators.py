from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect

from accounts.selectors import user_has_verified_email


def workspace_required(view):
    """Signed in, email verified, with a workspace: the gate for every app page."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not user_has_verified_email(user=request.user):
            return redirect("account_email_verification_sent")
        if not request.workspace:
            raise Http404("No workspace")
        return view(request, *args, **kwargs)

    return wrapper
