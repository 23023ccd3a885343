from django.contrib import admin

from essence.models import EmailDelivery, RetentionRun, SupportRequest


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
