""""Download my data": the ZIP is built by a list of small writers, one per file.

Each writer takes an ``ExportContext`` and returns the file's text. Rows are sorted by
id and scoped to this user (or the workspace they own); secrets (password hash, TOTP
secrets, recovery codes, session data) are never written. Add a file by appending an
``ExportFile`` to ``EXPORT_FILES``.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone


@dataclass
class ExportContext:
    user: object
    workspace: object | None
    export: object


@dataclass(frozen=True)
class ExportFile:
    name: str
    description: str
    write: Callable[[ExportContext], str]


def _json(data) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False) + "\n"


def _csv(header: list[str], rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue()


def write_account(ctx: ExportContext) -> str:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from accounts.models import Membership
    from privacy.selectors import privacy_settings_get

    user = ctx.user
    settings_row = privacy_settings_get(user=user)
    authenticator_types = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    return _json({
        "profile": {"full_name": user.full_name, "email": user.email, "date_joined": user.date_joined,
                    "last_login": user.last_login, "is_active": user.is_active},
        "emails": [{"email": e.email, "verified": e.verified, "primary": e.primary}
                   for e in EmailAddress.objects.filter(user=user).order_by("id")],
        "two_factor": {"enabled": Authenticator.Type.TOTP in authenticator_types,
                       "recovery_codes_set_up": Authenticator.Type.RECOVERY_CODES in authenticator_types},
        "workspaces": [{"id": m.workspace_id, "name": m.workspace.name, "role": m.role, "since": m.created_at}
                       for m in Membership.objects.filter(user=user).select_related("workspace").order_by("id")],
        "privacy_settings": {
            "analytics_objected": bool(settings_row and settings_row.analytics_objected),
            "marketing_objected": bool(settings_row and settings_row.marketing_objected),
            "processing_restricted": bool(settings_row and settings_row.processing_restricted),
        },
        "exported_at": timezone.now(),
    })


def write_ledger(ctx: ExportContext) -> str:
    from credits.models import LedgerEntry

    rows = LedgerEntry.objects.filter(workspace=ctx.workspace).order_by("id") if ctx.workspace else []
    return _csv(
        ["id", "created_at", "kind", "amount", "balance_after", "action", "quantity", "reason"],
        ((e.id, e.created_at.isoformat(), e.kind, e.amount, e.balance_after, e.action, e.quantity, e.reason)
         for e in rows),
    )


def write_purchases(ctx: ExportContext) -> str:
    from credits.models import Purchase

    rows = Purchase.objects.filter(workspace=ctx.workspace).select_related("pack").order_by("id") \
        if ctx.workspace else []
    return _csv(
        ["id", "created_at", "paid_at", "pack", "credits", "amount_minor_units", "currency", "status",
         "amount_refunded", "receipt_url"],
        ((p.id, p.created_at.isoformat(), p.paid_at.isoformat() if p.paid_at else "", p.pack.name, p.credits,
          p.amount, p.currency, p.status, p.amount_refunded, p.receipt_url) for p in rows),
    )


def write_consents(ctx: ExportContext) -> str:
    from privacy.models import ConsentRecord

    return _json([
        {"id": c.id, "given_at": c.created_at, "necessary": c.necessary, "preferences": c.preferences,
         "analytics": c.analytics, "policy_version": c.policy_version, "source": c.source}
        for c in ConsentRecord.objects.filter(user=ctx.user).order_by("id")
    ])


def write_policy_acceptances(ctx: ExportContext) -> str:
    from privacy.models import PolicyAcceptance

    return _json([
        {"version": a.version.version, "last_updated": a.version.last_updated, "accepted_at": a.accepted_at}
        for a in PolicyAcceptance.objects.filter(user=ctx.user).select_related("version").order_by("id")
    ])


def write_usage_events(ctx: ExportContext) -> str:
    from django.db.models import Q

    from accounts.models import UsageEvent

    scope = Q(user=ctx.user) | (Q(workspace=ctx.workspace) if ctx.workspace else Q(pk__in=[]))
    return _csv(
        ["id", "created_at", "action", "quantity", "credits"],
        ((e.id, e.created_at.isoformat(), e.action, e.quantity, e.credits)
         for e in UsageEvent.objects.filter(scope).order_by("id")),
    )


def write_access_log(ctx: ExportContext) -> str:
    from privacy.models import AccessLog

    rows = AccessLog.objects.filter(workspace=ctx.workspace).order_by("id") if ctx.workspace else []
    return _csv(["id", "created_at", "staff", "what", "reason"],
                ((a.id, a.created_at.isoformat(), a.staff_name, a.what, a.reason) for a in rows))


def write_data_requests(ctx: ExportContext) -> str:
    from privacy.models import DataRequest

    return _json([
        {"id": r.id, "type": r.type, "channel": r.channel, "status": r.status, "opened_at": r.opened_at,
         "due_at": r.due_at, "completed_at": r.completed_at, "outcome": r.outcome}
        for r in DataRequest.objects.filter(user=ctx.user).order_by("id")
    ])


def _contacts_text(ctx: ExportContext, fmt: str) -> str:
    from contacts.exporting.services import contacts_file_text

    return contacts_file_text(workspace=ctx.workspace, fmt=fmt) if ctx.workspace else ""


def write_contacts_csv(ctx: ExportContext) -> str:
    return _contacts_text(ctx, "csv")


def write_contacts_vcf(ctx: ExportContext) -> str:
    return _contacts_text(ctx, "vcf")


def write_contacts_json(ctx: ExportContext) -> str:
    from contacts.exporting.services import contacts_everything

    return _json(contacts_everything(workspace=ctx.workspace) if ctx.workspace else [])


def write_support_requests(ctx: ExportContext) -> str:
    from essence.models import SupportRequest

    return _json([
        {"id": r.id, "topic": r.topic, "message": r.message, "name": r.name, "email": r.email,
         "status": r.status, "created_at": r.created_at}
        for r in SupportRequest.objects.filter(user=ctx.user).order_by("id")
    ])


def write_readme(ctx: ExportContext) -> str:
    lines = [
        "Your data at Essence CRM",
        "========================",
        "",
        f"Prepared on {timezone.now():%Y-%m-%d %H:%M} UTC for {ctx.user.email}.",
        "Everything we hold about you and your workspace, in open formats (JSON, CSV).",
        "Secrets are never included: no password hash, no two-factor secrets or recovery codes.",
        "",
        "Files:",
    ]
    for item in EXPORT_FILES:
        lines.append(f"- {item.name}: {item.description}")
    lines += ["", "Questions: support@essencecrm.io", ""]
    return "\n".join(lines)


EXPORT_FILES: list[ExportFile] = [
    ExportFile("account.json", "your profile, email addresses (with whether each is verified), whether "
               "two-factor authentication is on, your workspaces and your privacy switches.", write_account),
    ExportFile("contacts.csv", "your contacts, one row per contact (the same format as Contacts > Export; cells "
               "that a spreadsheet could run as a formula start with an apostrophe).", write_contacts_csv),
    ExportFile("contacts.vcf", "your contacts as vCard 4.0, for phones and other address books.", write_contacts_vcf),
    ExportFile("contacts.json", "everything about each contact, trashed ones too: fields, emails, phones, "
               "addresses, tags, custom fields, notes, timeline and reminders.", write_contacts_json),
    ExportFile("ledger.csv", "every change to your workspace's credits (grants, purchases, spends, refunds).",
               write_ledger),
    ExportFile("purchases.csv", "your credit purchases and their payment status.", write_purchases),
    ExportFile("consents.json", "every cookie-consent choice recorded for your account.", write_consents),
    ExportFile("policy_acceptances.json", "the privacy policy versions you accepted or acknowledged, and when.",
               write_policy_acceptances),
    ExportFile("usage_events.csv", "what you did in Essence and the credits each action used.", write_usage_events),
    ExportFile("access_log.csv", "every time Essence staff looked at your data, and why.", write_access_log),
    ExportFile("data_requests.json", "your data-rights requests (downloads, objections, deletion...) and their "
               "status.", write_data_requests),
    ExportFile("support_requests.json", "the messages you sent to Essence support.", write_support_requests),
    ExportFile("README.txt", "this file.", write_readme),
]


def build_zip(*, path: Path, user, workspace, export, on_progress: Callable[[int], None] | None = None) -> None:
    """Write the whole ZIP to ``path`` (overwriting whatever a crashed run left there)."""
    ctx = ExportContext(user=user, workspace=workspace, export=export)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index, item in enumerate(EXPORT_FILES, start=1):
            archive.writestr(item.name, item.write(ctx))
            if on_progress:
                on_progress(int(index * 100 / (len(EXPORT_FILES) + 1)))
