from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect

from accounts.selectors import user_has_verified_email

_VERIFIED_EMAIL_KEY = "essence_verified_email"


def workspace_required(view):
    """Signed in, email verified, with a workspace: the gate for every app page."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        # Verified once for this address, verified for the session: an address cannot become
        # unverified, and a changed address (user.email) is checked again.
        if request.session.get(_VERIFIED_EMAIL_KEY) != request.user.email:
            if not user_has_verified_email(user=request.user):
                return redirect("account_email_verification_sent")
            request.session[_VERIFIED_EMAIL_KEY] = request.user.email
        if not request.workspace:
            raise Http404("No workspace")
        return view(request, *args, **kwargs)

    return wrapper
