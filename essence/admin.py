from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from essence import selectors, services
from essence.emails import email_context
from essence.models import Announcement, EmailDelivery, RetentionRun, SupportRequest


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "template", "category", "status", "attempts", "sent_at"]
    list_filter = ["status", "category", "template"]
    readonly_fields = [f.name for f in EmailDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SupportRequest)
class SupportRequestAdmin(admin.ModelAdmin):
    list_display = ["created_at", "topic", "name", "email", "status"]
    list_filter = ["status", "topic"]
    search_fields = ["email", "name", "message"]
    readonly_fields = ["user", "name", "email", "topic", "message", "created_at"]
    fields = ["created_at", "user", "name", "email", "topic", "message", "status", "staff_notes"]

    def has_add_permission(self, request):
        return False


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    list_display = ["job", "status", "started_at", "finished_at", "cutoff", "counts"]
    list_filter = ["job", "status"]
    readonly_fields = [f.name for f in RetentionRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _announcement_preview_context(announcement, user) -> dict:
    """The context the announcement email is rendered with when it is sent."""
    return email_context(services.announcement_email_context(announcement=announcement, user=user))


PREVIEW_RECIPIENT = {"full_name": "(the recipient's name)", "email": ""}


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    """Write (draft), preview the email, then "Send": to every active, verified user who has
    not objected to announcements, in background batches; also a banner in the app."""

    list_display = ["subject", "status", "sent_count", "created_at", "sent_at", "created_by"]
    list_filter = ["status"]
    search_fields = ["subject", "body"]
    actions = ["send"]
    fields = ["subject", "body", "preview", "status", "sent_count", "created_by", "created_at", "sent_at"]
    readonly_fields = ["preview", "status", "sent_count", "created_by", "created_at", "sent_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj and obj.status != Announcement.Status.DRAFT:
            return ["subject", "body", *self.readonly_fields]  # what was sent stays as sent
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return (obj is None or obj.status == Announcement.Status.DRAFT) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="Preview")
    def preview(self, obj):
        if not obj or not obj.pk:
            return "Save the draft to preview the email."
        context = _announcement_preview_context(obj, PREVIEW_RECIPIENT)
        text = render_to_string("emails/announcement_body.txt", context)
        return format_html('<p><strong>Subject:</strong> {}</p><pre>{}</pre>'
                           '<p><a href="{}" target="_blank" rel="noopener">Open the HTML email</a></p>',
                           obj.subject, text, reverse("admin:essence_announcement_preview", args=[obj.pk]))

    def get_urls(self):
        return [
            path("<int:announcement_id>/preview/", self.admin_site.admin_view(self.preview_view),
                 name="essence_announcement_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request, announcement_id):
        """The HTML email exactly as recipients get it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        announcement = get_object_or_404(Announcement, pk=announcement_id)
        response = HttpResponse(render_to_string("emails/announcement_body.html",
                                                 _announcement_preview_context(announcement, PREVIEW_RECIPIENT)))
        # Like the dev outbox: the email's inline styles apply, nothing can run.
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        return response

    @admin.action(description="Send… (emails everyone who has not objected, in the background)",
                  permissions=["change"])
    def send(self, request, queryset):
        drafts = queryset.filter(status=Announcement.Status.DRAFT)
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(request, "admin/essence/announcement/send_confirm.html", {
                **self.admin_site.each_context(request), "title": "Send announcements",
                "announcements": drafts, "recipients": selectors.announcement_recipients().count(),
                "opts": self.model._meta, "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            })
        started = 0
        for announcement in drafts:
            if services.announcement_send(announcement=announcement):
                self.log_change(request, announcement, "Started sending.")
                started += 1
        if started:
            self.message_user(request, f"Sending {started} announcement(s) in the background; the sent count "
                                       "updates as batches go out.")
        else:
            self.message_user(request, "Nothing to send: only drafts can be sent, once.", messages.WARNING)
        return None
