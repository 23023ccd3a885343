"""Staff actions on customer accounts (UserAdmin). Each one that changes an account asks
for confirmation (and a reason where the customer's data is involved), calls a service,
and is written to the admin log (LogEntry) against the user."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from accounts import selectors, services
from privacy import services as privacy_services
from privacy.exceptions import ExportAlreadyRunning, ExportRateLimited
from privacy.models import DataRequest


class StaffRequestForm(forms.Form):
    channel = forms.ChoiceField(
        choices=[(DataRequest.Channel.EMAIL, "The customer asked by email to support"),
                 (DataRequest.Channel.STAFF, "Staff decision (no request from the customer)")],
        initial=DataRequest.Channel.EMAIL, label="How did this come to us?",
    )
    reason = forms.CharField(
        max_length=500, strip=True, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="E.g. the support request number. Stored with the data request (and the access log).",
        error_messages={"required": "Give a reason."},
    )


def customers_only(request, queryset):
    """Never yourself; and only superusers act on staff accounts."""
    queryset = queryset.exclude(pk=request.user.pk)
    if not request.user.is_superuser:
        queryset = queryset.filter(is_staff=False, is_superuser=False)
    return queryset


def _confirm(modeladmin, request, queryset, *, action, title, intro, button, form=None):
    return TemplateResponse(request, "admin/accounts/user/action_confirm.html", {
        **modeladmin.admin_site.each_context(request), "title": title, "intro": intro, "button": button,
        "users": queryset, "action": action, "form": form, "opts": modeladmin.model._meta,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    })


@admin.action(description="Resend verification email", permissions=["change"])
def resend_verification(modeladmin, request, queryset):
    sent = 0
    for user in queryset:
        if services.user_resend_verification(user=user, request=request):
            modeladmin.log_change(request, user, "Resent the verification email.")
            sent += 1
    skipped = queryset.count() - sent
    modeladmin.message_user(request, f"Verification email sent to {sent} account(s)"
                                     + (f"; {skipped} had no unverified address." if skipped else "."))


@admin.action(description="Start a data export for the customer…", permissions=["change"])
def start_data_export(modeladmin, request, queryset):
    form = StaffRequestForm(request.POST if request.POST.get("confirm") == "yes" else None)
    if not form.is_bound or not form.is_valid():
        return _confirm(modeladmin, request, queryset, action="start_data_export", form=form,
                        title="Start a data export on the customer's behalf",
                        intro="Builds the same ZIP as “Download my data” and emails the account holder a "
                              "download link. It is recorded as a data request and in the customer's access log.",
                        button="Start the export")
    started = 0
    for user in queryset:
        try:
            privacy_services.staff_data_export_start(
                staff_user=request.user, user=user, workspace=selectors.workspace_for_user(user=user),
                reason=form.cleaned_data["reason"], channel=form.cleaned_data["channel"],
            )
        except (ExportAlreadyRunning, ExportRateLimited) as exc:
            modeladmin.message_user(request, f"{user.email}: {exc}", messages.WARNING)
            continue
        modeladmin.log_change(request, user, f"Started a data export: {form.cleaned_data['reason']}")
        started += 1
    modeladmin.message_user(request, f"Started {started} data export(s); the account holder gets an email "
                                     "when it is ready.")
    return None


@admin.action(description="Delete the account on the customer's behalf…", permissions=["change"])
def start_deletion(modeladmin, request, queryset):
    queryset = customers_only(request, queryset)
    form = StaffRequestForm(request.POST if request.POST.get("confirm") == "yes" else None)
    if not form.is_bound or not form.is_valid():
        return _confirm(modeladmin, request, queryset, action="start_deletion", form=form,
                        title="Delete accounts on the customer's behalf",
                        intro="These accounts stop working at once and are deleted in the background: the user, "
                              "their workspace and its contacts, their exports. Purchases and ledger entries stay "
                              "without personal data. This cannot be undone.",
                        button="Yes, delete these accounts")
    count = 0
    for user in queryset:
        modeladmin.log_change(request, user, f"Started account deletion: {form.cleaned_data['reason']}")
        privacy_services.account_delete_now(user=user, channel=form.cleaned_data["channel"],
                                            reason=f"Deleted by staff: {form.cleaned_data['reason']}")
        count += 1
    modeladmin.message_user(request, f"Deletion started for {count} account(s).")
    return None


@admin.action(description="Deactivate (the account can no longer sign in)…", permissions=["change"])
def deactivate(modeladmin, request, queryset):
    queryset = customers_only(request, queryset)
    if request.POST.get("confirm") != "yes":
        return _confirm(modeladmin, request, queryset, action="deactivate", title="Deactivate accounts",
                        intro="These people can no longer sign in, and any session they have stops working. "
                              "Nothing is deleted; you can reactivate them.",
                        button="Deactivate")
    return _set_active(modeladmin, request, queryset, active=False)


@admin.action(description="Reactivate", permissions=["change"])
def reactivate(modeladmin, request, queryset):
    return _set_active(modeladmin, request, customers_only(request, queryset), active=True)


def _set_active(modeladmin, request, queryset, *, active: bool):
    done = "Reactivated" if active else "Deactivated"
    changed = 0
    for user in queryset:
        if services.user_set_active(user=user, active=active):
            modeladmin.log_change(request, user, f"{done} the account.")
            changed += 1
    modeladmin.message_user(request, f"{done} {changed} account(s).")
