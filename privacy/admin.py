from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils import timezone

from accounts.admin_actions import customers_only
from privacy import selectors, services
from privacy.models import (
    AccessLog,
    ConsentRecord,
    DataExport,
    DataRequest,
    PageViewDaily,
    PolicyAcceptance,
    PolicyVersion,
    PrivacySettings,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "last_updated", "published_at"]
    ordering = ["-version"]
    actions = ["publish"]
    change_form_template = "admin/privacy/policyversion/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        # A published version is a record of what people agreed to: never rewritten.
        if obj and obj.published_at:
            return ["version", "text", "summary", "last_updated", "published_at"]
        return ["published_at"]

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.published_at) and super().has_delete_permission(request, obj)

    @admin.action(description="Publish (sets Last Updated to today and emails every active user)")
    def publish(self, request, queryset):
        published = [v.version for v in queryset.order_by("version") if services.policy_publish(version=v)]
        if published:
            numbers = ", ".join(map(str, published))
            self.message_user(request, f"Published version(s) {numbers}; users are being emailed.")
        else:
            self.message_user(request, "Nothing to publish: already published.", messages.WARNING)

    def response_change(self, request, obj):
        if "_publish" in request.POST:
            if services.policy_publish(version=obj):
                self.message_user(request, f"Version {obj.version} published; users are being emailed.")
            else:
                self.message_user(request, "This version was already published.", messages.WARNING)
            return super().response_post_save_change(request, obj)
        return super().response_change(request, obj)


@admin.register(PolicyAcceptance)
class PolicyAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["user", "version", "accepted_at"]
    raw_id_fields = ["user"]
    list_select_related = ["user", "version"]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "anonymous_id", "preferences", "analytics", "policy_version", "source"]
    list_filter = ["source", "analytics", "preferences"]
    list_select_related = ["user"]


@admin.register(PrivacySettings)
class PrivacySettingsAdmin(ReadOnlyAdmin):
    list_display = ["user", "analytics_objected", "marketing_objected", "processing_restricted",
                    "deletion_scheduled_for"]
    list_select_related = ["user"]


class DeadlineFilter(admin.SimpleListFilter):
    title = "deadline"
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue"), ("week", "Due this week"), ("open", "All open")]

    def queryset(self, request, queryset):
        ids = {
            "overdue": selectors.data_requests_overdue,
            "week": selectors.data_requests_due_soon,
            "open": selectors.data_requests_open,
        }.get(self.value())
        if ids is None:
            return queryset
        return queryset.filter(pk__in=ids().values("pk"))


@admin.register(DataRequest)
class DataRequestAdmin(admin.ModelAdmin):
    """The DSAR register: every data-rights request, self-service or by email. Requests
    arriving by email are added here by staff (channel "Email to support") and completed
    with an outcome; "Overdue" and "Due this week" show what needs doing."""

    list_display = ["id", "type", "channel", "status", "user", "opened_at", "due_at", "completed_at", "deadline"]
    list_filter = [DeadlineFilter, "type", "channel", "status"]
    list_select_related = ["user"]
    search_fields = ["user__email", "outcome"]
    raw_id_fields = ["user"]
    readonly_fields = ["email_hash", "due_soon_notified_at"]
    fields = ["user", "type", "channel", "status", "opened_at", "due_at", "completed_at", "outcome", "email_hash",
              "due_soon_notified_at"]
    date_hierarchy = "opened_at"

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="deadline")
    def deadline(self, obj):
        if obj.status not in DataRequest.OPEN_STATUSES:
            return "done"
        days = (obj.due_at - timezone.now()).days
        return f"overdue by {-days} day(s)" if obj.due_at < timezone.now() else f"{days} day(s) left"

    def get_changeform_initial_data(self, request):
        return {"channel": DataRequest.Channel.EMAIL, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        # Completing a request stamps its time; reopening clears it.
        if obj.status in DataRequest.OPEN_STATUSES:
            obj.completed_at = None
        else:
            obj.completed_at = obj.completed_at or timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "status", "progress", "created_at", "expires_at"]
    list_filter = ["status"]
    exclude = ["directory"]


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    """Never editable, not even by superusers: the has_*_permission overrides win over
    is_superuser, and the model refuses updates too."""

    list_display = ["created_at", "staff_name", "workspace", "what", "reason"]
    list_select_related = ["workspace"]


@admin.register(PageViewDaily)
class PageViewDailyAdmin(ReadOnlyAdmin):
    list_display = ["day", "path", "count"]
    list_filter = ["day"]


@admin.action(description="Account holder is under 16: delete at once (no grace period)")
def delete_under_16(modeladmin, request, queryset):
    queryset = customers_only(request, queryset)
    if request.POST.get("confirm") != "yes":
        return TemplateResponse(request, "admin/privacy/delete_under_16.html", {
            **modeladmin.admin_site.each_context(request), "title": "Delete accounts of people under 16",
            "users": queryset, "action": "delete_under_16", "opts": modeladmin.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        })
    count = 0
    for user in queryset:
        services.account_delete_under_16(user=user, staff_user=request.user)
        count += 1
    modeladmin.message_user(request, f"Deleted {count} account(s); only a data-request record without personal "
                                     "data remains.")
