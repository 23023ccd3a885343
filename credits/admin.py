from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.models import Workspace
from credits import selectors, services
from credits.forms import AdjustCreditsForm
from credits.models import CreditAccount, CreditPack, LedgerEntry, Price, Purchase, StripeEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never added, changed or deleted here — not even by superusers."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "workspace", "kind", "amount", "balance_after", "action", "idempotency_key"]
    list_filter = ["kind"]
    search_fields = ["idempotency_key", "workspace__name", "stripe_event_id", "reason"]
    list_select_related = ["workspace"]
    date_hierarchy = "created_at"


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "workspace", "credits", "amount", "currency", "status", "paid_at",
                    "stripe_checkout_session_id"]
    list_filter = ["status"]
    search_fields = ["stripe_checkout_session_id", "stripe_payment_intent_id", "stripe_charge_id", "workspace__name"]
    list_select_related = ["workspace"]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "type", "event_id"]
    list_filter = ["type"]
    search_fields = ["event_id"]


@admin.register(CreditPack)
class CreditPackAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "credits", "price_amount", "currency", "active", "sort_order"]
    list_editable = ["active", "sort_order"]


@admin.register(Price)
class PriceAdmin(admin.ModelAdmin):
    list_display = ["action", "credits", "description"]


@admin.register(CreditAccount)
class CreditAccountAdmin(ReadOnlyAdmin):
    """Balances are read-only; staff change them only through "Adjust credits" (a ledger entry)."""

    list_display = ["workspace", "balance", "updated_at", "adjust_link"]
    search_fields = ["workspace__name", "workspace__memberships__user__email"]
    list_select_related = ["workspace"]

    @admin.display(description="")
    def adjust_link(self, obj):
        return format_html('<a href="{}">Adjust credits</a>',
                           reverse("admin:credits_creditaccount_adjust", args=[obj.workspace_id]))

    def get_urls(self):
        return [
            path("<int:workspace_id>/adjust/", self.admin_site.admin_view(self.adjust_view),
                 name="credits_creditaccount_adjust"),
            *super().get_urls(),
        ]

    def adjust_view(self, request, workspace_id):
        if not request.user.has_perm("credits.add_ledgerentry") and not request.user.is_superuser:
            raise PermissionDenied
        workspace = get_object_or_404(Workspace, pk=workspace_id)
        form = AdjustCreditsForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            entry = services.adjust(
                workspace=workspace, amount=form.cleaned_data["amount"], reason=form.cleaned_data["reason"],
                created_by=request.user, idempotency_key=f"adjust:{form.cleaned_data['token']}",
            )
            self.message_user(request, f"{workspace}: {entry.amount:+d} credits ({entry.reason}). "
                                       f"Balance now {entry.balance_after}.", messages.SUCCESS)
            return redirect("admin:credits_creditaccount_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Adjust credits: {workspace}",
            "workspace": workspace,
            "balance": selectors.balance_for(workspace=workspace),
            "form": form,
        }
        return TemplateResponse(request, "admin/credits/adjust_credits.html", context)
