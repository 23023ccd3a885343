"""Admin actions other apps' admins attach (kept free of admin registrations to avoid import cycles)."""

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse


@admin.action(description="Adjust credits…", permissions=["change"])
def adjust_credits(modeladmin, request, queryset):
    if queryset.count() != 1:
        modeladmin.message_user(request, "Choose exactly one workspace to adjust.", messages.WARNING)
        return None
    return redirect(reverse("admin:credits_creditaccount_adjust", args=[queryset.get().pk]))
