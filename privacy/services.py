"""Every write of the privacy app: consent, objections and restriction, data exports,
account deletion, access log, policy versions. Keyword-only; transactions owned here."""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from essence.emails import EmailCategory, send_templated_email
from privacy import selectors
from privacy.consent import Consent
from privacy.exceptions import ExportAlreadyRunning, ExportRateLimited
from privacy.models import (
    AccessLog,
    ConsentRecord,
    DataExport,
    DataRequest,
    PolicyAcceptance,
    PolicyVersion,
    PrivacySettings,
)

logger = logging.getLogger(__name__)

DUE_DAYS = 30


def policy_accept(*, user, version: PolicyVersion) -> PolicyAcceptance:
    acceptance, _ = PolicyAcceptance.objects.get_or_create(user=user, version=version)
    return acceptance


# --- Data requests -----------------------------------------------------------------


def email_hash(email: str) -> str:
    """A keyed, irreversible hash of an address: lets staff answer "was this address's
    account deleted?" without keeping the address."""
    secret = settings.PRIVACY_HASH_SALT or settings.SECRET_KEY
    return salted_hmac("essence.privacy.email", email.strip().lower(), secret=secret, algorithm="sha256").hexdigest()


def data_request_open(*, user, type: str, channel: str = DataRequest.Channel.SELF_SERVICE,
                      status: str = DataRequest.Status.OPEN, outcome: str = "") -> DataRequest:
    now = timezone.now()
    completed = status == DataRequest.Status.COMPLETED
    return DataRequest.objects.create(
        user=user, type=type, channel=channel, status=status, opened_at=now,
        due_at=now + timedelta(days=DUE_DAYS), completed_at=now if completed else None, outcome=outcome,
    )


def data_request_complete(*, data_request: DataRequest, outcome: str,
                          status: str = DataRequest.Status.COMPLETED) -> None:
    DataRequest.objects.filter(pk=data_request.pk).exclude(status=status).update(
        status=status, outcome=outcome, completed_at=timezone.now()
    )


def data_requests_notify_due_soon(*, now=None) -> int:
    """Email support once about every open request due within 7 days (or already overdue)
    that it was not told about yet. Each request is claimed (``due_soon_notified_at``) in
    the same transaction that queues the email, so two runs never report it twice.
    Returns how many requests the email listed."""
    now = now or timezone.now()
    with transaction.atomic():
        candidates = list(
            selectors.data_requests_open()
            .filter(due_at__lte=now + timedelta(days=selectors.DUE_SOON_DAYS), due_soon_notified_at__isnull=True)
            .select_for_update(skip_locked=True).order_by("due_at", "id").values_list("id", flat=True)
        )
        if not candidates:
            return 0
        # The rows are locked by us (another run skips them): claim exactly these.
        DataRequest.objects.filter(id__in=candidates).update(due_soon_notified_at=now)
        requests = list(DataRequest.objects.filter(id__in=candidates).order_by("due_at", "id"))
        send_templated_email(
            template="data_requests_due_soon", to=[settings.SUPPORT_EMAIL], category=EmailCategory.TRANSACTIONAL,
            context={"requests": requests, "now": now,
                     "admin_url": f"{settings.SITE_URL}/admin/privacy/datarequest/?deadline=week"},
        )
    logger.info("privacy: told support about %s data request(s) due soon", len(candidates))
    return len(candidates)


# --- Consent ---------------------------------------------------------------------------


def consent_record(*, user=None, consent: Consent, source: str) -> ConsentRecord:
    return ConsentRecord.objects.create(
        user=user if getattr(user, "pk", None) else None,
        anonymous_id=consent.anonymous_id,
        preferences=consent.preferences,
        analytics=consent.analytics,
        policy_version=consent.policy_version,
        source=source,
    )


# --- Objections and restriction --------------------------------------------------------


def _settings_for_update(user) -> PrivacySettings:
    PrivacySettings.objects.get_or_create(user=user)
    row = PrivacySettings.objects.select_for_update().get(user=user)
    user._privacy_settings_cache = row
    return row


SWITCHES = {
    "analytics_objected": (DataRequest.Type.OBJECTION, "Objected to product analytics", "Analytics objection lifted"),
    "marketing_objected": (DataRequest.Type.OBJECTION, "Objected to product announcements and tips",
                           "Announcements objection lifted"),
    "processing_restricted": (DataRequest.Type.RESTRICTION, "Processing restricted", "Restriction lifted"),
}


@transaction.atomic
def privacy_settings_update(*, user, analytics_objected: bool, marketing_objected: bool,
                            processing_restricted: bool) -> PrivacySettings:
    """Set the three switches; each change is recorded as a completed DataRequest."""
    row = _settings_for_update(user)
    now = timezone.now()
    wanted = {"analytics_objected": analytics_objected, "marketing_objected": marketing_objected,
              "processing_restricted": processing_restricted}
    for field, value in wanted.items():
        if getattr(row, field) == bool(value):
            continue
        setattr(row, field, bool(value))
        setattr(row, f"{field}_at", now if value else None)
        request_type, on_text, off_text = SWITCHES[field]
        data_request_open(user=user, type=request_type, status=DataRequest.Status.COMPLETED,
                          outcome=on_text if value else off_text)
    row.save()
    return row


# --- Access log ------------------------------------------------------------------------


def access_log_record(*, staff_user, workspace, what: str, reason: str) -> AccessLog:
    """Staff tooling calls this each time someone at Essence looks at a customer's data."""
    if not reason.strip():
        raise ValueError("A reason is required to access customer data.")
    return AccessLog.objects.create(
        staff_user=staff_user, staff_name=staff_user.full_name or staff_user.email,
        workspace=workspace, what=what[:200], reason=reason.strip(),
    )


def staff_data_export_start(*, staff_user, user, workspace, reason: str,
                            channel: str = DataRequest.Channel.EMAIL) -> DataExport:
    """Staff start "Download my data" on a customer's behalf (they asked support): the
    usual export (its DataRequest carries ``channel``), written to the access log too."""
    if not reason.strip():
        raise ValueError("A reason is required to export a customer's data.")
    with transaction.atomic():
        export = data_export_request(user=user, workspace=workspace, channel=channel)
        if workspace is not None:
            access_log_record(staff_user=staff_user, workspace=workspace,
                              what="data export started by staff (sent to the account holder)", reason=reason)
    return export


# --- Analytics ---------------------------------------------------------------------------


def page_view_count(*, path: str, day=None) -> None:
    """One more consenting view of ``path`` today: a single atomic upsert."""
    day = day or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO privacy_pageviewdaily (path, day, count) VALUES (%s, %s, 1) "
            "ON CONFLICT (path, day) DO UPDATE SET count = privacy_pageviewdaily.count + 1",
            [path[:200], day],
        )


# --- Data export -----------------------------------------------------------------------


def exports_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "exports"


def data_export_request(*, user, workspace,
                        channel: str = DataRequest.Channel.SELF_SERVICE) -> DataExport:
    """Start "Download my data": at most one running per user, DATA_EXPORTS_PER_DAY a day.
    Staff starting it for a customer who wrote to support pass ``channel=EMAIL``."""
    from privacy.tasks import data_export_build_task

    with transaction.atomic():
        _settings_for_update(user)  # serialises concurrent clicks of the same user
        if DataExport.objects.filter(user=user, status__in=DataExport.RUNNING_STATUSES).exists():
            raise ExportAlreadyRunning()
        if selectors.data_exports_started_today(user=user) >= settings.DATA_EXPORTS_PER_DAY:
            raise ExportRateLimited(settings.DATA_EXPORTS_PER_DAY)
        data_request = data_request_open(user=user, type=DataRequest.Type.PORTABILITY, channel=channel,
                                         status=DataRequest.Status.IN_PROGRESS)
        try:
            with transaction.atomic():
                export = DataExport.objects.create(user=user, data_request=data_request,
                                                   directory=secrets.token_urlsafe(24))
        except IntegrityError as exc:
            raise ExportAlreadyRunning() from exc
        transaction.on_commit(lambda: data_export_build_task.delay(str(export.id)))
    return export


def data_export_build(*, export_id) -> DataExport | None:
    """Build the ZIP. Safe to run again at any point: a finished export is left alone, and
    an interrupted one is rebuilt from scratch into a temporary file that replaces the
    final one only when complete."""
    from privacy.exports import build_zip

    export = DataExport.objects.select_related("user").filter(id=export_id).first()
    if export is None or export.status not in DataExport.RUNNING_STATUSES:
        return export
    DataExport.objects.filter(id=export.id, status__in=DataExport.RUNNING_STATUSES).update(
        status=DataExport.Status.RUNNING, started_at=timezone.now(), progress=1
    )
    from accounts.selectors import workspace_for_user

    user = export.user
    workspace = workspace_for_user(user=user)
    folder = exports_root() / export.directory
    folder.mkdir(parents=True, exist_ok=True)
    file_name = f"essence-data-{timezone.localdate():%Y-%m-%d}.zip"
    partial = folder / (file_name + ".partial")

    def progress(percent: int) -> None:
        DataExport.objects.filter(id=export.id, status=DataExport.Status.RUNNING).update(progress=min(percent, 99))

    build_zip(path=partial, user=user, workspace=workspace, export=export, on_progress=progress)
    os.replace(partial, folder / file_name)
    now = timezone.now()
    with transaction.atomic():
        finished = DataExport.objects.filter(id=export.id, status=DataExport.Status.RUNNING).update(
            status=DataExport.Status.READY, progress=100, file_name=file_name,
            file_size=(folder / file_name).stat().st_size, finished_at=now,
            expires_at=now + timedelta(days=settings.DATA_EXPORT_TTL_DAYS),
        )
        if finished != 1:
            # The account was deleted (or the job given up) while we built: keep no file.
            transaction.on_commit(lambda: shutil.rmtree(folder, ignore_errors=True))
            return DataExport.objects.filter(id=export.id).first()
        export.refresh_from_db()
        if export.data_request_id:
            data_request_complete(data_request=export.data_request, outcome="ZIP of your data delivered for download.")
        send_templated_email(
            template="data_export_ready", to=[user.email], user=user, category=EmailCategory.TRANSACTIONAL,
            context={"user": user, "export": export,
                     "download_url": f"{settings.SITE_URL}/privacy/exports/{export.id}/download/",
                     "center_url": f"{settings.SITE_URL}/privacy/center/#download",
                     "ttl_days": settings.DATA_EXPORT_TTL_DAYS},
        )
    return export


def data_export_fail(*, export_id, error: str) -> None:
    DataExport.objects.filter(id=export_id, status__in=DataExport.RUNNING_STATUSES).update(
        status=DataExport.Status.FAILED, error=error[:300], finished_at=timezone.now()
    )


STUCK_EXPORT_HOURS = 2


def _remove_export_files(export: DataExport) -> None:
    if export.directory:
        shutil.rmtree(exports_root() / export.directory, ignore_errors=True)


def data_exports_purge_expired(*, now=None) -> int:
    """Delete the files of exports past their expiry (and of failed ones); the row stays as
    "expired" so the privacy center can say so. Returns how many were purged."""
    now = now or timezone.now()
    # A job lost with its worker (never redelivered) must not block new exports forever.
    DataExport.objects.filter(status__in=DataExport.RUNNING_STATUSES,
                              created_at__lte=now - timedelta(hours=STUCK_EXPORT_HOURS)).update(
        status=DataExport.Status.FAILED, error="Timed out", finished_at=now)
    purged = 0
    stale = DataExport.objects.filter(
        status__in=[DataExport.Status.READY, DataExport.Status.FAILED], expires_at__lte=now
    ) | DataExport.objects.filter(status=DataExport.Status.FAILED)
    for export in stale.distinct():
        _remove_export_files(export)
        if DataExport.objects.filter(id=export.id).exclude(status=DataExport.Status.EXPIRED).update(
            status=DataExport.Status.EXPIRED, file_name="", file_size=0
        ):
            purged += 1
    # Folders whose export row is gone (account deleted while a job ran): never keep them.
    root = exports_root()
    if root.is_dir():
        known = set(DataExport.objects.exclude(status=DataExport.Status.EXPIRED).values_list("directory", flat=True))
        for folder in root.iterdir():
            if folder.is_dir() and folder.name not in known:
                shutil.rmtree(folder, ignore_errors=True)
                purged += 1
    logger.info("privacy: purged %s expired data export(s)", purged)
    return purged


# --- Account deletion -----------------------------------------------------------------


def reauthenticate(*, user, password: str, code: str = "") -> str | None:
    """Check the password and, when the user has two-factor on, a TOTP (or recovery) code.
    Returns an error message, or None when both are right."""
    from allauth.mfa.models import Authenticator

    if not password or not user.check_password(password):
        return "That password is not right."
    authenticators = {a.type: a for a in Authenticator.objects.filter(user=user)}
    if Authenticator.Type.TOTP in authenticators:
        from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
        from allauth.mfa.totp.internal.auth import TOTP

        code = (code or "").strip().replace(" ", "")
        if not code:
            return "Enter the code from your authenticator app."
        ok = TOTP(authenticators[Authenticator.Type.TOTP]).validate_code(code)
        if not ok and Authenticator.Type.RECOVERY_CODES in authenticators:
            ok = RecoveryCodes(authenticators[Authenticator.Type.RECOVERY_CODES]).validate_code(code)
        if not ok:
            return "That authentication code is not right (or was already used)."
    return None


@transaction.atomic
def account_deletion_schedule(*, user) -> PrivacySettings:
    """"Delete in 14 days": the account is frozen at once (the app shows only the
    cancel page, processing and non-essential email stop) and deleted by a beat job."""
    row = _settings_for_update(user)
    if row.deletion_scheduled_for:
        return row
    now = timezone.now()
    row.deletion_requested_at = now
    row.deletion_scheduled_for = now + timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS)
    row.save()
    data_request_open(user=user, type=DataRequest.Type.ERASURE, status=DataRequest.Status.SCHEDULED,
                      outcome=f"Account deletion scheduled for {row.deletion_scheduled_for:%Y-%m-%d %H:%M} UTC.")
    send_templated_email(
        template="account_deletion_scheduled", to=[user.email], user=user, category=EmailCategory.TRANSACTIONAL,
        context={"user": user, "delete_on": row.deletion_scheduled_for,
                 "login_url": f"{settings.SITE_URL}/accounts/login/"},
    )
    return row


@transaction.atomic
def account_deletion_cancel(*, user) -> None:
    row = _settings_for_update(user)
    if not row.deletion_scheduled_for:
        return
    row.deletion_scheduled_for = None
    row.deletion_requested_at = None
    row.save()
    for data_request in DataRequest.objects.filter(user=user, type=DataRequest.Type.ERASURE,
                                                   status=DataRequest.Status.SCHEDULED):
        data_request_complete(data_request=data_request, outcome="Cancelled by the account holder.",
                              status=DataRequest.Status.CANCELLED)


@transaction.atomic
def account_delete_now(*, user, channel: str = DataRequest.Channel.SELF_SERVICE, reason: str = "") -> DataRequest:
    """"Delete now": the user can no longer sign in from this moment; the deletion itself
    runs as a Celery task after commit."""
    from privacy.tasks import account_delete_task

    user.is_active = False
    user.save(update_fields=["is_active"])
    data_request = data_request_open(user=user, type=DataRequest.Type.ERASURE, channel=channel,
                                     status=DataRequest.Status.IN_PROGRESS, outcome=reason)
    DataRequest.objects.filter(pk=data_request.pk).update(email_hash=email_hash(user.email))
    transaction.on_commit(lambda: account_delete_task.delay(data_request.pk))
    return data_request


def account_delete(*, data_request_id: int, notify: bool = True) -> DataRequest | None:
    """Erase the account a DataRequest is about. Idempotent and crash-safe:

    files are removed first (removing them again is harmless), then everything in the
    database happens in one transaction (a crash rolls it back entirely), and a completed
    request is never processed again.

    Removed: the user (and, by cascade, their email addresses, 2FA authenticators, consent
    records, policy acceptances, privacy settings, exports), the workspaces they own (and
    by cascade contacts, memberships, credit account, access log). Kept anonymised:
    ledger entries and purchases (workspace and created_by cleared, receipt URL dropped;
    they keep the account's anonymous id), usage events (workspace and user cleared),
    the DataRequest itself (user cleared, a keyed hash of the email kept).
    """
    from accounts.models import Membership, UsageEvent, User, Workspace
    from credits.models import Purchase

    data_request = DataRequest.objects.filter(pk=data_request_id).first()
    if data_request is None or data_request.status == DataRequest.Status.COMPLETED:
        return data_request
    user = User.objects.filter(pk=data_request.user_id).first() if data_request.user_id else None
    if user is None:
        data_request_complete(data_request=data_request, outcome="Account already deleted.")
        return data_request

    for export in DataExport.objects.filter(user=user):
        _remove_export_files(export)

    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        address, name = user.email, user.full_name
        owned = list(Workspace.objects.filter(memberships__user=user, memberships__role=Membership.Role.OWNER))
        now = timezone.now()
        usage = UsageEvent.objects.filter(user=user) | UsageEvent.objects.filter(workspace__in=owned)
        anonymised_usage = usage.update(workspace=None, user=None, anonymised_at=now)
        purchases = Purchase.objects.filter(workspace__in=owned) | Purchase.objects.filter(created_by=user)
        kept_purchases = purchases.update(created_by=None, receipt_url="")
        from credits.models import LedgerEntry

        kept_entries = LedgerEntry.objects.filter(workspace__in=owned).count()
        # SET_NULL on the workspace and created_by FKs clears the rest (the ledger's trigger
        # allows exactly that); the workspace delete cascades to everything it holds.
        _admin_log_forget(user=user, workspaces=owned)
        from essence.models import SupportRequest

        # Messages to support hold the sender's name, address and words: they go with the account.
        SupportRequest.objects.filter(user=user).delete()
        SupportRequest.objects.filter(email__iexact=address).delete()
        for workspace in owned:
            workspace.delete()
        user.delete()
        outcome = (
            f"Account and {len(owned)} workspace(s) deleted; {kept_purchases} purchase(s) and {kept_entries} "
            f"ledger entr{'y' if kept_entries == 1 else 'ies'} kept without personal data for accounting; "
            f"{anonymised_usage} usage event(s) anonymised."
        )
        DataRequest.objects.filter(pk=data_request.pk).update(
            user=None, status=DataRequest.Status.COMPLETED, completed_at=now, outcome=outcome,
            email_hash=email_hash(address),
        )
        if notify:
            send_templated_email(
                template="account_deleted", to=[address], user=None, category=EmailCategory.TRANSACTIONAL,
                context={"full_name": name},
            )
    data_request.refresh_from_db()
    logger.info("privacy: erasure request %s completed", data_request.pk)
    return data_request


def _admin_log_forget(*, user, workspaces) -> None:
    """Admin history entries about this user or their workspaces name them (object_repr)."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import Workspace

    LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(user), object_id=str(user.pk)).delete()
    LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Workspace),
                            object_id__in=[str(w.pk) for w in workspaces]).delete()


def account_deletions_due(*, now=None) -> int:
    """The beat job: delete accounts whose grace period has passed. Returns how many."""
    now = now or timezone.now()
    done = 0
    for row in PrivacySettings.objects.filter(deletion_scheduled_for__lte=now).select_related("user"):
        with transaction.atomic():
            data_request = (
                DataRequest.objects.select_for_update()
                .filter(user=row.user, type=DataRequest.Type.ERASURE, status=DataRequest.Status.SCHEDULED)
                .first()
            )
            if data_request is None:
                data_request = data_request_open(user=row.user, type=DataRequest.Type.ERASURE)
            DataRequest.objects.filter(pk=data_request.pk).update(
                status=DataRequest.Status.IN_PROGRESS, email_hash=email_hash(row.user.email)
            )
        try:
            account_delete(data_request_id=data_request.pk)
        except Exception:
            # One failing account must not hold up the others; the next run retries it.
            logger.exception("privacy: scheduled deletion of request %s failed", data_request.pk)
            continue
        done += 1
    logger.info("privacy: deleted %s account(s) whose grace period ended", done)
    return done


def account_delete_under_16(*, user, staff_user) -> DataRequest:
    """Staff found the account holder is under 16: delete at once, no grace period.
    Only the DataRequest (no personal data) remains."""
    with transaction.atomic():
        data_request = data_request_open(user=user, type=DataRequest.Type.ERASURE, channel=DataRequest.Channel.STAFF,
                                         status=DataRequest.Status.IN_PROGRESS)
        DataRequest.objects.filter(pk=data_request.pk).update(email_hash=email_hash(user.email))
    account_delete(data_request_id=data_request.pk)
    DataRequest.objects.filter(pk=data_request.pk).update(
        outcome="Account holder under 16: deleted at once. " + DataRequest.objects.get(pk=data_request.pk).outcome
    )
    data_request.refresh_from_db()
    return data_request


# --- Policy versions ---------------------------------------------------------------------


def policy_publish(*, version: PolicyVersion) -> bool:
    """Publish a drafted version now; notify every active user by email (batched Celery
    tasks). Returns False when it was already published."""
    from privacy.tasks import policy_notify_task

    with transaction.atomic():
        published = PolicyVersion.objects.filter(pk=version.pk, published_at__isnull=True).update(
            published_at=timezone.now(), last_updated=timezone.localdate()
        )
        if published:
            transaction.on_commit(lambda: policy_notify_task.delay(version.pk))
    version.refresh_from_db()
    return bool(published)


POLICY_BATCH_SIZE = 200


def policy_notify_all(*, version_id: int) -> int:
    """Queue one batch task per POLICY_BATCH_SIZE active users. Returns the batch count."""
    from accounts.models import User
    from privacy.tasks import policy_notify_batch_task

    ids = list(User.objects.filter(is_active=True).order_by("id").values_list("id", flat=True))
    batches = [ids[i:i + POLICY_BATCH_SIZE] for i in range(0, len(ids), POLICY_BATCH_SIZE)]
    for batch in batches:
        policy_notify_batch_task.delay(version_id, batch)
    return len(batches)


def policy_notify_batch(*, version_id: int, user_ids: list[int]) -> int:
    """Email the policy-change notice to these users, once each (safe to re-run)."""
    from accounts.models import User
    from essence.models import EmailDelivery

    version = PolicyVersion.objects.filter(pk=version_id, published_at__isnull=False).first()
    if version is None:
        return 0
    template = "policy_changed"
    sent = 0
    for user in User.objects.filter(id__in=user_ids, is_active=True).order_by("id"):
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=user.pk).first()
            already = EmailDelivery.objects.filter(user=user, template=template,
                                                   created_at__gte=version.published_at)
            if already.exists():
                continue
            send_templated_email(
                template=template, to=[user.email], user=user, category=EmailCategory.POLICY,
                context={"user": user, "version": version, "policy_url": f"{settings.SITE_URL}/privacy/"},
            )
            sent += 1
    return sent
