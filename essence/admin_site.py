"""The staff admin: only staff whose current session passed two-factor authentication.

Django admin's own login form checks only a password, so it is not used:
/admin/login/ sends staff to the allauth login, which asks for the TOTP code.
"""

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
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

    def get_urls(self):
        return [path("dashboard/", self.admin_view(self.dashboard_view), name="dashboard"), *super().get_urls()]

    def index(self, request, extra_context=None):
        from essence import selectors

        return super().index(request, {"data_requests": selectors.data_request_counts(), **(extra_context or {})})

    def dashboard_view(self, request):
        """Signups, active workspaces, credits sold and spent, data requests, failed jobs."""
        from credits.charts import bar_chart
        from essence import selectors

        numbers = selectors.staff_dashboard()
        charts = [
            bar_chart(numbers["signups"], chart_id="signups", title="Signups per day, last 30 days",
                      empty="No signups in the last 30 days", unit="signup"),
            bar_chart(numbers["credits_sold"], chart_id="credits-sold", title="Credits sold per day, last 30 days",
                      empty="No credits sold in the last 30 days", unit="credit"),
            bar_chart(numbers["credits_spent"], chart_id="credits-spent", title="Credits spent per day, last 30 days",
                      empty="No credits spent in the last 30 days", unit="credit"),
        ]
        return TemplateResponse(request, "admin/dashboard.html", {
            **self.each_context(request), "title": "Staff dashboard", "numbers": numbers, "charts": charts,
        })
