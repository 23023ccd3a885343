"""Every model's privacy fate, in one place (STYLE.md: "Every model has a privacy fate").

``tests/privacy/test_registry.py`` fails when ``apps.get_models()`` holds a model that is
listed neither in ``FATES`` nor in ``IGNORED`` — so a new model cannot ship without a
decision about export, erasure and retention.

Fates:
- EXPORTED: part of "Download my data" (privacy/exports.py), and erased with the account.
- ERASED: removed when the account is deleted (not in the export: no personal content
  worth giving back, or secret).
- RETAINED_ANONYMISED: kept after deletion with personal fields removed (law or stats).
- NOT_PERSONAL: holds no personal data.
"""

from __future__ import annotations

from dataclasses import dataclass

EXPORTED = "exported"
ERASED = "erased"
RETAINED_ANONYMISED = "retained-anonymised"
NOT_PERSONAL = "not personal"


@dataclass(frozen=True)
class Fate:
    fate: str
    reason: str


FATES: dict[str, Fate] = {
    # accounts
    "accounts.User": Fate(EXPORTED, "account.json (profile); the row is deleted with the account."),
    "accounts.Workspace": Fate(EXPORTED, "account.json (workspaces); deleted with its owner, cascading to its data."),
    "accounts.Membership": Fate(EXPORTED, "account.json (workspaces and roles); cascades with user and workspace."),
    "accounts.UsageEvent": Fate(RETAINED_ANONYMISED, "usage_events.csv while the account exists; on deletion "
                                "workspace and user are cleared and anonymised_at set (service statistics)."),
    # allauth
    "account.EmailAddress": Fate(EXPORTED, "account.json (emails with verified flag); cascades with the user."),
    "account.EmailConfirmation": Fate(ERASED, "short-lived verification keys (secrets); cascade with the address."),
    "mfa.Authenticator": Fate(ERASED, "TOTP secrets and recovery codes are secrets: only 'enabled yes/no' is "
                              "exported; cascade with the user."),
    # essence
    "essence.EmailDelivery": Fate(RETAINED_ANONYMISED, "no message content; user cleared (SET_NULL) on deletion, "
                                  "kept so a retried task never sends twice."),
    "essence.SupportRequest": Fate(EXPORTED, "support_requests.json; deleted with the account (by user and by "
                                   "email address)."),
    "essence.RetentionRun": Fate(NOT_PERSONAL, "counts of what retention jobs removed; no personal data."),
    "essence.Announcement": Fate(NOT_PERSONAL, "a message written by staff to all users; created_by is a staff "
                                 "account (SET_NULL)."),
    "essence.AnnouncementDelivery": Fate(ERASED, "which announcement was emailed to whom (so a retry never sends "
                                         "twice); no content of the user's; cascades with the user."),
    "essence.AnnouncementDismissal": Fate(ERASED, "which banner a user closed; cascades with the user."),
    # contacts: the workspace's CRM data
    "contacts.Contact": Fate(EXPORTED, "contacts.csv, contacts.vcf, contacts.json; cascades with the workspace; "
                             "trash purged after CONTACTS_TRASH_DAYS."),
    "contacts.ContactEmail": Fate(EXPORTED, "contacts.csv, contacts.json; cascades with the contact."),
    "contacts.ContactPhone": Fate(EXPORTED, "contacts.csv, contacts.json; cascades with the contact."),
    "contacts.ContactAddress": Fate(EXPORTED, "contacts.csv, contacts.json; cascades with the contact."),
    "contacts.Tag": Fate(EXPORTED, "contacts.csv, contacts.json (tags of each contact); cascades with the "
                         "workspace."),
    "contacts.ContactTag": Fate(EXPORTED, "contacts.csv, contacts.json (tags of each contact); cascades with "
                                "the contact."),
    "contacts.CustomField": Fate(EXPORTED, "contacts.csv, contacts.json (custom fields by name); cascades with "
                                 "the workspace."),
    "contacts.Note": Fate(EXPORTED, "contacts.json; cascades with the contact."),
    "contacts.Activity": Fate(EXPORTED, "contacts.json (timeline); cascades with the contact."),
    "contacts.Reminder": Fate(EXPORTED, "contacts.json; cascades with the contact."),
    "contacts.ImportJob": Fate(ERASED, "import progress and the uploaded file: cascades with the workspace; the "
                               "file is deleted with it."),
    "contacts.ImportFailure": Fate(ERASED, "rows that failed an import, for the failed-rows download; cascades "
                                   "with the import."),
    "contacts.ContactExport": Fate(ERASED, "background export files: links expire after EXPORT_LINK_DAYS and "
                                   "files are deleted by retention; cascades with the workspace."),
    # privacy
    "privacy.PolicyVersion": Fate(NOT_PERSONAL, "the published policy texts."),
    "privacy.PolicyAcceptance": Fate(EXPORTED, "policy_acceptances.json; cascades with the user."),
    "privacy.ConsentRecord": Fate(EXPORTED, "consents.json; cascades with the user."),
    "privacy.PageViewDaily": Fate(NOT_PERSONAL, "anonymous counts per path and day: no user, IP or user agent."),
    "privacy.PrivacySettings": Fate(EXPORTED, "account.json (privacy_settings); cascades with the user."),
    "privacy.DataRequest": Fate(RETAINED_ANONYMISED, "data_requests.json; after erasure the record of the request "
                                "stays (accountability) with user cleared and only a keyed hash of the email."),
    "privacy.DataExport": Fate(ERASED, "the export job itself; files deleted after DATA_EXPORT_TTL_DAYS and on "
                               "deletion, rows cascade with the user."),
    "privacy.AccessLog": Fate(EXPORTED, "access_log.csv; cascades with the workspace."),
    # credits
    "credits.CreditAccount": Fate(ERASED, "cached balance; cascades with the workspace (entries keep its "
                                  "anonymous id)."),
    "credits.LedgerEntry": Fate(RETAINED_ANONYMISED, "ledger.csv; kept for accounting with workspace and "
                                "created_by cleared, identified only by account_anonymous_id."),
    "credits.Purchase": Fate(RETAINED_ANONYMISED, "purchases.csv; kept for accounting (amount, date, Stripe ids) "
                             "with workspace, created_by and receipt URL cleared."),
    "credits.Price": Fate(NOT_PERSONAL, "the price list."),
    "credits.CreditPack": Fate(NOT_PERSONAL, "the credit packs on sale."),
    "credits.StripeEvent": Fate(RETAINED_ANONYMISED, "webhook payloads for idempotency; trimmed by the credits "
                                "retention job (PRODUCT.md: 90 days); not linked to a user row."),
}

# Framework internals deliberately left out of the registry, each with its reason.
IGNORED: dict[str, str] = {
    "admin.LogEntry": "staff audit trail of admin edits; entries about a deleted user or workspace are removed "
                      "by the deletion service (their object_repr holds an email or name).",
    "auth.Permission": "framework table, no personal data.",
    "auth.Group": "staff permission groups, no customer data.",
    "contenttypes.ContentType": "framework table, no personal data.",
    "sessions.Session": "signed session data holding only the user id; expires on its own and no longer resolves "
                        "to anyone once the user row is deleted.",
}


def fate_of(label: str) -> Fate | None:
    return FATES.get(label)
