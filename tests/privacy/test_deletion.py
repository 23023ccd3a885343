import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from django.utils import timezone

from accounts.models import Membership, UsageEvent, User, Workspace
from accounts.selectors import workspace_for_user
from credits.models import CreditAccount, LedgerEntry, Purchase
from essence.emails import EmailCategory, send_templated_email
from essence.models import EmailDelivery
from privacy import services
from privacy.models import ConsentRecord, DataExport, DataRequest, PolicyAcceptance, PrivacySettings
from tests.e2e.totp import totp
from tests.factories import DEFAULT_PASSWORD, login_staff_with_two_factor
from tests.privacy.helpers import make_purchase, make_usage


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def alice_with_data(alice, charlie, django_capture_on_commit_callbacks):
    make_purchase(user=alice)
    make_usage(user=alice)
    make_purchase(user=charlie)
    make_usage(user=charlie)
    with django_capture_on_commit_callbacks(execute=True):
        services.data_export_request(user=alice, workspace=workspace_for_user(user=alice))
    return alice


def _assert_alice_is_gone(alice_pk, workspace_pk, anonymous_id, export_dirs):
    assert not User.objects.filter(pk=alice_pk).exists()
    assert not User.objects.filter(email="alice@example.com").exists()
    assert not Workspace.objects.filter(pk=workspace_pk).exists()
    assert not EmailAddress.objects.filter(email="alice@example.com").exists()
    assert not Membership.objects.filter(workspace_id=workspace_pk).exists()
    for model in (DataExport, ConsentRecord, PolicyAcceptance, PrivacySettings):
        assert not model.objects.filter(user_id=alice_pk).exists()
    assert all(not d.exists() for d in export_dirs)
    # Accounting records stay, stripped of personal fields.
    purchase = Purchase.objects.get(account_anonymous_id=anonymous_id)
    assert purchase.workspace_id is None and purchase.created_by_id is None and purchase.receipt_url == ""
    entries = LedgerEntry.objects.filter(account_anonymous_id=anonymous_id)
    assert entries.count() == 2 and not entries.filter(workspace__isnull=False).exists()
    # Usage events anonymised.
    anonymised = UsageEvent.objects.filter(user__isnull=True, workspace__isnull=True, anonymised_at__isnull=False)
    assert anonymised.count() == 2
    # One erasure request, no personal data beyond the email hash.
    request = DataRequest.objects.get(type="erasure")
    assert request.user_id is None and request.status == "completed" and request.completed_at
    assert request.email_hash == services.email_hash("alice@example.com")
    assert "alice" not in (request.outcome + request.email_hash).lower()
    # charlie is untouched
    assert User.objects.filter(email="charlie@example.org").exists()
    assert UsageEvent.objects.filter(workspace__isnull=False).count() == 2


def _snapshot(alice):
    workspace = workspace_for_user(user=alice)
    dirs = [services.exports_root() / e.directory for e in DataExport.objects.filter(user=alice)]
    assert dirs and all(d.exists() for d in dirs)
    return alice.pk, workspace.pk, CreditAccount.objects.get(workspace=workspace).anonymous_id, dirs


@pytest.mark.django_db
def test_delete_now_reauthenticates_logs_out_and_erases(alice_client, alice_with_data,
                                                        django_capture_on_commit_callbacks):
    snapshot = _snapshot(alice_with_data)
    response = alice_client.post("/privacy/center/delete/", {"when": "now", "password": "wrong"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "That password is not right." in body
    assert re.search(r'<input type="radio" name="when" value="now"[^>]*checked', body)  # the choice is kept
    assert User.objects.filter(pk=alice_with_data.pk, is_active=True).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/privacy/center/delete/", {"when": "now", "password": DEFAULT_PASSWORD})
    assert response.status_code == 200 and "Your account is being deleted" in response.content.decode()
    assert "_auth_user_id" not in alice_client.session
    assert alice_client.get("/app/").status_code == 302  # logged out
    _assert_alice_is_gone(*snapshot)
    [confirmation] = [m for m in mail.outbox if m.subject == "Essence: your account was deleted"]
    assert confirmation.to == ["alice@example.com"]


@pytest.mark.django_db
def test_two_factor_users_need_a_code(alice_client, alice):
    secret = "JBSWY3DPEHPK3PXP"
    TOTP.activate(alice, secret)
    response = alice_client.post("/privacy/center/delete/", {"when": "now", "password": DEFAULT_PASSWORD})
    assert "Enter the code from your authenticator app." in response.content.decode()
    response = alice_client.post("/privacy/center/delete/",
                                 {"when": "now", "password": DEFAULT_PASSWORD, "code": "000000"})
    assert "authentication code is not right" in response.content.decode()
    assert User.objects.get(pk=alice.pk).is_active
    response = alice_client.post("/privacy/center/delete/",
                                 {"when": "later", "password": DEFAULT_PASSWORD, "code": totp(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=alice).exists()


@pytest.mark.django_db
def test_reauthentication_is_rate_limited(alice_client, alice):
    for _ in range(5):
        alice_client.post("/privacy/center/delete/", {"when": "now", "password": "wrong"})
    response = alice_client.post("/privacy/center/delete/", {"when": "now", "password": DEFAULT_PASSWORD})
    assert "Too many wrong attempts" in response.content.decode()
    assert User.objects.get(pk=alice.pk).is_active


@pytest.mark.django_db
def test_delete_in_14_days_freezes_then_can_be_cancelled(alice_client, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/privacy/center/delete/", {"when": "later", "password": DEFAULT_PASSWORD})
    assert response["Location"] == "/privacy/deletion/pending/"
    settings_row = PrivacySettings.objects.get(user=alice)
    assert settings_row.deletion_scheduled_for - settings_row.deletion_requested_at == timedelta(days=14)
    [notice] = [m for m in mail.outbox if "will be deleted" in m.subject]
    assert notice.to == ["alice@example.com"]
    # The app shows only the cancel page; processing stops.
    assert alice_client.get("/app/")["Location"] == "/privacy/deletion/pending/"
    assert alice_client.get("/privacy/center/")["Location"] == "/privacy/deletion/pending/"
    page = alice_client.get("/privacy/deletion/pending/").content.decode()
    assert "Your account will be deleted on" in page and "Cancel the deletion" in page
    with django_capture_on_commit_callbacks(execute=True):
        send_templated_email(template="test_message", to=[alice.email], user=alice, category=EmailCategory.SERVICE)
    assert EmailDelivery.objects.get(template="test_message").status == EmailDelivery.Status.SUPPRESSED
    assert DataRequest.objects.get(user=alice, type="erasure").status == "scheduled"

    response = alice_client.post("/privacy/deletion/pending/cancel/")
    assert response["Location"] == "/app/"
    assert alice_client.get("/app/").status_code == 200
    assert DataRequest.objects.get(user=alice, type="erasure").status == "cancelled"
    assert services.account_deletions_due(now=timezone.now() + timedelta(days=30)) == 0
    assert User.objects.filter(pk=alice.pk).exists()


@pytest.mark.django_db
def test_the_beat_job_deletes_after_the_grace_period(alice_client, alice_with_data,
                                                     django_capture_on_commit_callbacks):
    snapshot = _snapshot(alice_with_data)
    alice_client.post("/privacy/center/delete/", {"when": "later", "password": DEFAULT_PASSWORD})
    with time_machine.travel(timezone.now() + timedelta(days=13, hours=23)):
        assert services.account_deletions_due() == 0
    assert User.objects.filter(pk=alice_with_data.pk).exists()
    from essence.tasks import retention_run_task

    with (time_machine.travel(timezone.now() + timedelta(days=14, minutes=1)),
          django_capture_on_commit_callbacks(execute=True)):
        assert retention_run_task.delay("scheduled_account_deletions").get() == {"accounts_deleted": 1}
    _assert_alice_is_gone(*snapshot)
    assert any(m.subject == "Essence: your account was deleted" for m in mail.outbox)


@pytest.mark.django_db
def test_deletion_twice_gives_the_same_end_state(alice_with_data, django_capture_on_commit_callbacks):
    snapshot = _snapshot(alice_with_data)
    with django_capture_on_commit_callbacks(execute=True):
        request = services.account_delete_now(user=alice_with_data)
    services.account_delete(data_request_id=request.pk)  # a redelivered task
    _assert_alice_is_gone(*snapshot)
    assert len([m for m in mail.outbox if "was deleted" in m.subject]) == 1


@pytest.mark.django_db
def test_a_crash_midway_rolls_back_and_the_retry_finishes(alice_with_data, monkeypatch,
                                                          django_capture_on_commit_callbacks):
    snapshot = _snapshot(alice_with_data)
    request = services.account_delete_now(user=alice_with_data)  # task not run yet
    original = Workspace.delete

    def crash(self, *args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(Workspace, "delete", crash)
    with pytest.raises(RuntimeError):
        services.account_delete(data_request_id=request.pk)
    assert User.objects.filter(pk=alice_with_data.pk).exists()  # rolled back
    assert UsageEvent.objects.filter(user=alice_with_data).count() == 2
    monkeypatch.setattr(Workspace, "delete", original)
    with django_capture_on_commit_callbacks(execute=True):
        services.account_delete(data_request_id=request.pk)
    _assert_alice_is_gone(*snapshot)


@pytest.mark.django_db
def test_under_16_admin_action_deletes_at_once(client, alice_with_data, django_capture_on_commit_callbacks):
    snapshot = _snapshot(alice_with_data)
    staff = User.objects.create_superuser(email="staff@essencecrm.io", password="x", full_name="Sam Staff")
    login_staff_with_two_factor(client, staff)
    response = client.post("/admin/accounts/user/", {
        "action": "delete_under_16", "_selected_action": [alice_with_data.pk],
    })
    assert response.status_code == 200 and "deleted at once" in response.content.decode()  # asks first
    assert User.objects.filter(pk=alice_with_data.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/accounts/user/", {
            "action": "delete_under_16", "_selected_action": [alice_with_data.pk], "confirm": "yes",
        })
    assert response.status_code == 302
    _assert_alice_is_gone(*snapshot)
    request = DataRequest.objects.get(type="erasure")
    assert request.channel == "staff" and request.outcome.startswith("Account holder under 16")
    assert not PrivacySettings.objects.filter(deletion_scheduled_for__isnull=False).exists()
