"""The staff admin: only staff whose current session passed two-factor authentication.

Django admin's own login form checks only a password, so it is not used:
/admin/login/ sends staff to the allauth login, which asks for the TOTP code.
"""

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode


def session_passed_two_factor(request) -> bool:
    """True when this session's sign-in included a TOTP (or recovery) code."""
    if not request.user.is_authenticated:
        return False
    if not Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists():
        return False
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


class EssenceAdminSite(admin.AdminSite):
    site_header = "Essence staff"
    site_title = "Essence staff"
    index_title = "Support and operations"

    def has_permission(self, request):
        return super().has_permission(request) and session_passed_two_factor(request)

    def login(self, request, extra_context=None):
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and not session_passed_two_factor(request):
            return render(request, "admin/two_factor_required.html", status=403)
        next_url = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
