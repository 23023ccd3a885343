from django.contrib import admin

from privacy.models import PolicyAcceptance, PolicyVersion


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "last_updated", "published_at"]
    ordering = ["-version"]

    def get_readonly_fields(self, request, obj=None):
        # A published version is a record of what people agreed to: never rewritten.
        if obj and obj.published_at:
            return ["version", "text", "summary", "last_updated", "published_at"]
        return []


@admin.register(PolicyAcceptance)
class PolicyAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["user", "version", "accepted_at"]
    raw_id_fields = ["user"]
    list_select_related = ["user", "version"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
