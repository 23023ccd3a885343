from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.urls import path

from accounts.admin_actions import deactivate, reactivate, resend_verification, start_data_export, start_deletion
from accounts.models import Membership, User, Workspace
from credits.admin_actions import adjust_credits
from privacy import staff_views
from privacy.admin import delete_under_16


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    actions = [resend_verification, start_data_export, start_deletion, deactivate, reactivate, delete_under_16]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["full_name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})]

    # Support staff may change customers, but never grant rights or set someone's password.
    PRIVILEGED_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += self.PRIVILEGED_FIELDS
        return readonly

    def has_change_permission(self, request, obj=None):
        # Changing a staff account (its email, say) would let support take it over.
        if obj is not None and (obj.is_staff or obj.is_superuser) and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "created_at"]
    search_fields = ["name", "memberships__user__email"]
    inlines = [MembershipInline]
    actions = [adjust_credits]
    change_form_template = "admin/accounts/workspace/change_form.html"

    def get_urls(self):
        """The customer's contacts: reachable only through a reason, every view logged
        (privacy/staff_views.py). Contacts have no ModelAdmin of their own on purpose."""
        def view(func):
            return self.admin_site.admin_view(func)

        site = {"admin_site": self.admin_site}
        return [
            path("<int:workspace_id>/contacts/access/",
                 view(lambda r, workspace_id: staff_views.contacts_access(r, workspace_id, **site)),
                 name="accounts_workspace_contacts_access"),
            path("<int:workspace_id>/contacts/",
                 view(lambda r, workspace_id: staff_views.contacts_list(r, workspace_id, **site)),
                 name="accounts_workspace_contacts"),
            path("<int:workspace_id>/contacts/export.csv",
                 view(lambda r, workspace_id: staff_views.contacts_export(r, workspace_id, **site)),
                 name="accounts_workspace_contacts_export"),
            path("<int:workspace_id>/contacts/<int:contact_id>/",
                 view(lambda r, workspace_id, contact_id: staff_views.contact_detail(r, workspace_id, contact_id,
                                                                                      **site)),
                 name="accounts_workspace_contact"),
            *super().get_urls(),
        ]
