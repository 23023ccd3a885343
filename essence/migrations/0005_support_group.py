"""The "support" staff group (issue 8): customers, workspaces, purchases, the ledger
(read-only, plus adjustments), data requests, policy versions, announcements and support
requests. No delete on customer data, no change on ledger entries. Superusers have all."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPPORT_GROUP = "support"

PERMISSIONS = {
    "accounts": ["view_user", "change_user", "view_workspace", "change_workspace", "view_membership"],
    # Ledger: read-only; "add" only for adjustments through "Adjust credits" (reason required).
    "credits": ["view_purchase", "view_ledgerentry", "add_ledgerentry", "view_creditaccount", "view_creditpack",
                "view_price"],
    "privacy": ["view_datarequest", "add_datarequest", "change_datarequest",
                "view_policyversion", "add_policyversion", "change_policyversion",
                "view_accesslog", "view_privacysettings", "view_dataexport"],
    "essence": ["view_announcement", "add_announcement", "change_announcement",
                "view_supportrequest", "change_supportrequest", "view_emaildelivery", "view_retentionrun"],
}


def create_support_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=SUPPORT_GROUP)
    wanted = []
    for app_label, codenames in PERMISSIONS.items():
        found = list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
        missing = set(codenames) - {p.codename for p in found}
        if missing:
            raise RuntimeError(f"support group: missing permissions {app_label}.{sorted(missing)}")
        wanted += found
    group.permissions.set(wanted)


def remove_support_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=SUPPORT_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("essence", "0004_announcements"),
        ("accounts", "0002_usageevent"),
        ("credits", "0003_purchase_dispute_receipt"),
        ("privacy", "0004_datarequest_due_soon_notified_at"),
    ]

    operations = [migrations.RunPython(create_support_group, remove_support_group)]
