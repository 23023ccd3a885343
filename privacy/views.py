import logging

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.decorators import workspace_required
from privacy import selectors, services
from privacy.consent import consent_from_request, consent_make, consent_set_cookie, preferences_consented
from privacy.exceptions import PrivacyError
from privacy.forms import AcknowledgeForm, ConsentForm, DeleteAccountForm, PrivacySwitchesForm, ThemeForm
from privacy.models import ConsentRecord
from privacy.selectors import policy_blocks, policy_current

logger = logging.getLogger(__name__)

REAUTH_LIMIT = 5
REAUTH_WINDOW = 15 * 60


def _safe_next(request, candidate: str | None, default: str = "/") -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return default


# --- Policy -----------------------------------------------------------------------


def policy(request):
    current = policy_current()
    if current is None:
        raise Http404("No privacy policy has been published.")
    return render(request, "privacy/policy.html", {"policy": current, "blocks": policy_blocks(current.text),
                                                   "is_current": True})


def policy_versions(request):
    return render(request, "privacy/versions.html", {"versions": selectors.policy_versions_published(),
                                                     "current": policy_current()})


def policy_version_detail(request, version: int):
    shown = selectors.policy_version_get_published(version=version)
    current = policy_current()
    return render(request, "privacy/policy.html", {"policy": shown, "blocks": policy_blocks(shown.text),
                                                   "is_current": current and current.pk == shown.pk})


@login_required
@require_POST
def policy_acknowledge(request):
    form = AcknowledgeForm(request.POST)
    current = policy_current()
    if form.is_valid() and current and form.cleaned_data["version"] == current.version:
        services.policy_accept(user=request.user, version=current)
        messages.success(request, f"Thank you: you acknowledged version {current.version} of the privacy policy.")
    else:
        messages.error(request, "The privacy policy changed again; please review the latest version.")
    return redirect(_safe_next(request, request.POST.get("next"), "/app/"))


# --- Consent --------------------------------------------------------------------------


def consent(request):
    """GET: the choices (reopened from the footer). POST: store a choice, go back."""
    current = consent_from_request(request)
    if request.method == "POST":
        form = ConsentForm(request.POST)
        if form.is_valid():
            preferences, analytics = form.choices()
            policy_version = policy_current().version if policy_current() else None
            choice = consent_make(request=request, preferences=preferences, analytics=analytics,
                                  policy_version=policy_version)
            from_page = request.POST.get("from") == "page"
            source = ConsentRecord.Source.SETTINGS if from_page else ConsentRecord.Source.BANNER
            if request.user.is_authenticated:
                services.consent_record(user=request.user, consent=choice, source=source)
            if request.headers.get("Accept", "").startswith("application/json"):
                response = JsonResponse({"ok": True, **choice.as_dict()})
            else:
                messages.success(request, "Your cookie choices were saved.")
                response = redirect(_safe_next(request, form.cleaned_data["next"], "/"))
            consent_set_cookie(response, choice)
            return response
        return render(request, "privacy/consent.html", {"form": form, "current": current}, status=400)
    initial = {"preferences": current.preferences, "analytics": current.analytics} if current else {}
    initial["next"] = _safe_next(request, request.GET.get("next") or request.headers.get("Referer"), "/")
    return render(request, "privacy/consent.html", {"form": ConsentForm(initial=initial), "current": current})


@require_POST
def theme_set(request):
    form = ThemeForm(request.POST)
    target = _safe_next(request, request.POST.get("next"), "/")
    if not form.is_valid():
        return redirect(target)
    if not preferences_consented(request):
        messages.warning(request, "To remember your theme we need your consent to preference cookies: "
                                  "allow them in Cookie settings.")
        return redirect(target)
    response = redirect(target)
    response.set_cookie(settings.THEME_COOKIE_NAME, form.cleaned_data["theme"], max_age=settings.CONSENT_COOKIE_MAX_AGE,
                        samesite="Lax", secure=settings.SESSION_COOKIE_SECURE, httponly=True)
    return response


# --- Privacy center -----------------------------------------------------------------------


def _center_context(request, *, delete_form=None, switches_form=None, export_error=None):
    user = request.user
    settings_row = selectors.privacy_settings_get(user=user)
    needs_code = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    return {
        "emails": EmailAddress.objects.filter(user=user).order_by("-primary", "email"),
        "two_factor": needs_code,
        "consent": consent_from_request(request),
        "consent_records": selectors.consent_record_list(user=user)[:5],
        "switches_form": switches_form or PrivacySwitchesForm(initial={
            "analytics_objected": bool(settings_row and settings_row.analytics_objected),
            "marketing_objected": bool(settings_row and settings_row.marketing_objected),
            "processing_restricted": bool(settings_row and settings_row.processing_restricted),
        }),
        "privacy_settings": settings_row,
        "export": selectors.data_export_latest(user=user),
        "export_error": export_error,
        "exports_per_day": settings.DATA_EXPORTS_PER_DAY,
        "export_ttl_days": settings.DATA_EXPORT_TTL_DAYS,
        "delete_form": delete_form or DeleteAccountForm(grace_days=settings.ACCOUNT_DELETION_GRACE_DAYS,
                                                        needs_code=needs_code),
        "grace_days": settings.ACCOUNT_DELETION_GRACE_DAYS,
        "data_requests": selectors.data_request_list(user=user),
        "access_log": selectors.access_log_list(workspace=request.workspace),
    }


@workspace_required
def center(request):
    return render(request, "privacy/center.html", _center_context(request))


@workspace_required
@require_POST
def center_switches(request):
    form = PrivacySwitchesForm(request.POST)
    if not form.is_valid():
        return render(request, "privacy/center.html", _center_context(request, switches_form=form), status=400)
    services.privacy_settings_update(user=request.user, **form.cleaned_data)
    messages.success(request, "Your privacy choices were saved.")
    return redirect("/privacy/center/#restrict")


@workspace_required
@require_POST
def export_start(request):
    try:
        services.data_export_request(user=request.user, workspace=request.workspace)
    except PrivacyError as exc:
        if request.htmx:
            return render(request, "privacy/_export.html", {**_center_context(request), "export_error": str(exc)})
        return render(request, "privacy/center.html", _center_context(request, export_error=str(exc)), status=429)
    if request.htmx:
        return render(request, "privacy/_export.html", _center_context(request))
    messages.success(request, "We are preparing your data. We will email you when it is ready.")
    return redirect("/privacy/center/#download")


@workspace_required
def export_status(request):
    return render(request, "privacy/_export.html", _center_context(request))


def export_download(request, export_id):
    export = selectors.data_export_downloadable(user=request.user, export_id=export_id)
    path = services.exports_root() / export.directory / export.file_name
    if not export.file_name or not path.is_file():
        raise Http404("This export is no longer available.")
    response = FileResponse(path.open("rb"), as_attachment=True, filename=export.file_name,
                            content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    return response


@workspace_required
@require_POST
def delete_account(request):
    user = request.user
    needs_code = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    form = DeleteAccountForm(request.POST, grace_days=settings.ACCOUNT_DELETION_GRACE_DAYS, needs_code=needs_code)
    attempts_key = f"privacy:reauth:{user.pk}"
    if form.is_valid():
        if cache.get(attempts_key, 0) >= REAUTH_LIMIT:
            form.add_error(None, "Too many wrong attempts. Please wait 15 minutes and try again.")
        elif error := services.reauthenticate(user=user, password=form.cleaned_data["password"],
                                              code=form.cleaned_data.get("code", "")):
            cache.add(attempts_key, 0, REAUTH_WINDOW)
            cache.incr(attempts_key)
            form.add_error("code" if "code" in error.lower() else "password", error)
    if not form.is_valid():
        return render(request, "privacy/center.html", _center_context(request, delete_form=form), status=400)
    cache.delete(attempts_key)
    if form.cleaned_data["when"] == "now":
        services.account_delete_now(user=user)
        logout(request)
        return render(request, "privacy/deleted.html")
    services.account_deletion_schedule(user=user)
    return redirect("privacy_deletion_pending")


@login_required
def deletion_pending(request):
    delete_on = selectors.deletion_pending_for(user=request.user)
    if not delete_on:
        return redirect("dashboard")
    return render(request, "privacy/deletion_pending.html", {"delete_on": delete_on})


@login_required
@require_POST
def deletion_cancel(request):
    services.account_deletion_cancel(user=request.user)
    messages.success(request, "Your account will not be deleted. Welcome back.")
    return redirect("dashboard")


# --- Staff analytics -----------------------------------------------------------------------


@staff_member_required
def analytics(request):
    days = selectors.page_views_by_day(days=30)
    peak = max((d["count"] for d in days), default=0) or 1
    width, height, gap = 24, 160, 4
    bars = []
    for i, d in enumerate(days):
        bar_height = round(d["count"] * height / peak)
        bars.append({"x": i * (width + gap), "h": bar_height, "y": height - bar_height, "day": d["day"],
                     "count": d["count"], "w": width})
    return render(request, "privacy/analytics.html", {
        "bars": bars, "chart_width": len(days) * (width + gap), "chart_height": height, "peak": peak,
        "total": sum(d["count"] for d in days), "top_paths": selectors.page_views_top_paths(days=30),
    })


