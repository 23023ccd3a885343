import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.core import mail
from django.utils import timezone

from accounts.selectors import workspace_for_user
from privacy import exports, services
from privacy.models import AccessLog, DataExport, DataRequest
from tests.privacy.helpers import make_purchase, make_usage

FILES = {"account.json", "contacts.csv", "contacts.vcf", "contacts.json", "ledger.csv", "purchases.csv",
         "consents.json", "policy_acceptances.json", "usage_events.csv", "access_log.csv", "data_requests.json",
         "support_requests.json", "README.txt"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _start(client, capture):
    with capture(execute=True):
        return client.post("/privacy/center/export/")


def _zip(client, export):
    response = client.get(f"/privacy/exports/{export.id}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def alice_data(alice, charlie):
    make_purchase(user=alice)
    make_usage(user=alice)
    make_purchase(user=charlie, receipt_url="https://pay.stripe.com/receipts/charlie")
    make_usage(user=charlie, action="charlie_secret_action")
    staff = charlie  # any user row will do as the staff member here
    services.access_log_record(staff_user=staff, workspace=workspace_for_user(user=alice), what="Contact list",
                               reason="Support ticket 12")
    Authenticator.objects.create(user=alice, type=Authenticator.Type.TOTP, data={"secret": "SUPERSECRETTOTP"})
    return alice


@pytest.mark.django_db
def test_download_my_data_builds_a_zip_of_this_user_only(alice_client, alice_data, charlie,
                                                         django_capture_on_commit_callbacks):
    response = _start(alice_client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    export = DataExport.objects.get(user=alice_data)
    assert export.status == DataExport.Status.READY and export.progress == 100
    assert export.expires_at - export.finished_at == timedelta(days=7)

    archive = _zip(alice_client, export)
    assert set(archive.namelist()) == FILES
    blob = "\n".join(archive.read(name).decode() for name in archive.namelist())
    account = json.loads(archive.read("account.json"))
    assert account["profile"]["email"] == "alice@example.com"
    assert account["emails"] == [{"email": "alice@example.com", "verified": True, "primary": True}]
    assert account["two_factor"]["enabled"] is True
    # Secrets and other people's data are never in it.
    for forbidden in ("SUPERSECRETTOTP", alice_data.password, "charlie@example.org", "Charlie Chen's workspace",
                      "charlie_secret_action", "receipts/charlie"):
        assert forbidden not in blob
    ledger = list(csv.DictReader(io.StringIO(archive.read("ledger.csv").decode())))
    assert {row["kind"] for row in ledger} == {"signup_grant", "purchase"}
    assert len(list(csv.DictReader(io.StringIO(archive.read("purchases.csv").decode())))) == 1
    assert len(list(csv.DictReader(io.StringIO(archive.read("usage_events.csv").decode())))) == 2
    assert "Support ticket 12" in archive.read("access_log.csv").decode()
    assert json.loads(archive.read("policy_acceptances.json"))[0]["version"] == 1
    requests = json.loads(archive.read("data_requests.json"))
    assert requests[0]["type"] == "portability"
    readme = archive.read("README.txt").decode()
    for name in FILES:
        assert name in readme

    # The request is recorded and completed; the email links to the download.
    request = DataRequest.objects.get(user=alice_data, type="portability")
    assert request.status == "completed" and request.due_at - request.opened_at == timedelta(days=30)
    [message] = [m for m in mail.outbox if "ready" in m.subject]
    assert f"/privacy/exports/{export.id}/download/" in message.body


@pytest.mark.django_db
def test_another_user_or_a_visitor_gets_404(alice_client, alice, client, charlie,
                                            django_capture_on_commit_callbacks):
    _start(alice_client, django_capture_on_commit_callbacks)
    export = DataExport.objects.get(user=alice)
    url = f"/privacy/exports/{export.id}/download/"
    alice_client.logout()
    assert client.get(url).status_code == 404
    client.force_login(charlie)
    assert client.get(url).status_code == 404
    assert client.get("/privacy/exports/not-a-uuid/download/").status_code == 404


@pytest.mark.django_db
def test_files_live_under_a_random_folder_and_expire(alice_client, alice, settings,
                                                     django_capture_on_commit_callbacks):
    _start(alice_client, django_capture_on_commit_callbacks)
    export = DataExport.objects.get(user=alice)
    folder = services.exports_root() / export.directory
    assert len(export.directory) >= 32 and (folder / export.file_name).is_file()
    url = f"/privacy/exports/{export.id}/download/"
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert alice_client.get(url).status_code == 404  # the link expired
        assert services.data_exports_purge_expired() == 1
    assert not folder.exists()
    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED
    assert alice_client.get(url).status_code == 404


@pytest.mark.django_db
def test_one_running_export_at_a_time_and_three_a_day(alice_client, alice, django_capture_on_commit_callbacks):
    # Queued but not yet built (no on-commit execution): a second click is refused.
    alice_client.post("/privacy/center/export/")
    response = alice_client.post("/privacy/center/export/")
    assert "already being prepared" in response.content.decode()
    assert DataExport.objects.filter(user=alice).count() == 1
    services.data_export_build(export_id=DataExport.objects.get(user=alice).id)
    _start(alice_client, django_capture_on_commit_callbacks)
    _start(alice_client, django_capture_on_commit_callbacks)
    response = _start(alice_client, django_capture_on_commit_callbacks)
    assert response.status_code == 429
    assert "3 times a day" in response.content.decode()
    assert DataExport.objects.filter(user=alice).count() == 3
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        assert _start(alice_client, django_capture_on_commit_callbacks).status_code == 302


@pytest.mark.django_db
def test_progress_partial_for_htmx(alice_client, alice):
    response = alice_client.post("/privacy/center/export/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Preparing your data" in body and 'hx-trigger="every 1s"' in body
    assert "<html" not in body
    status = alice_client.get("/privacy/center/export/status/", HTTP_HX_REQUEST="true").content.decode()
    assert "Preparing your data" in status


@pytest.mark.django_db
def test_the_build_is_idempotent(alice_client, alice, django_capture_on_commit_callbacks):
    _start(alice_client, django_capture_on_commit_callbacks)
    export = DataExport.objects.get(user=alice)
    first = (services.exports_root() / export.directory / export.file_name).read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        services.data_export_build(export_id=export.id)  # a redelivered task
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    assert (services.exports_root() / export.directory / export.file_name).read_bytes() == first
    assert len([m for m in mail.outbox if "ready" in m.subject]) == 1


@pytest.mark.django_db
def test_a_crash_midway_is_rebuilt_to_the_same_end_state(alice_client, alice, monkeypatch,
                                                         django_capture_on_commit_callbacks):
    def crash(ctx):
        raise RuntimeError("worker killed")

    original = exports.EXPORT_FILES[:]
    monkeypatch.setattr(exports, "EXPORT_FILES", original[:3] + [exports.ExportFile("boom", "", crash)])
    alice_client.post("/privacy/center/export/")
    export = DataExport.objects.get(user=alice)
    with pytest.raises(RuntimeError):
        services.data_export_build(export_id=export.id)
    export.refresh_from_db()
    assert export.status == DataExport.Status.RUNNING and not export.file_name
    folder = services.exports_root() / export.directory
    assert [p.name for p in folder.iterdir()] == [p.name for p in folder.glob("*.partial")]  # only a partial file

    monkeypatch.setattr(exports, "EXPORT_FILES", original)  # the retry (acks_late redelivery)
    with django_capture_on_commit_callbacks(execute=True):
        services.data_export_build(export_id=export.id)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    assert sorted(p.name for p in folder.iterdir()) == [export.file_name]
    assert set(_zip(alice_client, export).namelist()) == FILES


@pytest.mark.django_db
def test_access_log_entries_are_never_edited(alice, charlie):
    entry = services.access_log_record(staff_user=charlie, workspace=workspace_for_user(user=alice),
                                       what="Profile", reason="Ticket 1")
    entry.reason = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        AccessLog.objects.filter(pk=entry.pk).update(reason="changed")
    with pytest.raises(ValueError):
        services.access_log_record(staff_user=charlie, workspace=workspace_for_user(user=alice), what="x", reason=" ")


@pytest.mark.django_db
def test_a_lost_job_stops_blocking_after_two_hours(alice_client, alice, django_capture_on_commit_callbacks):
    alice_client.post("/privacy/center/export/")  # queued, never run: its worker died
    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1)):
        services.data_exports_purge_expired()
        assert DataExport.objects.get(user=alice).status == DataExport.Status.EXPIRED
        assert _start(alice_client, django_capture_on_commit_callbacks).status_code == 302


@pytest.mark.django_db
def test_no_file_is_kept_when_the_account_goes_while_the_job_runs(alice_client, alice, monkeypatch,
                                                                  django_capture_on_commit_callbacks):
    def account_deleted_meanwhile(ctx):
        DataExport.objects.filter(pk=ctx.export.pk).delete()  # what the user's deletion cascades to
        return ""

    monkeypatch.setattr(exports, "EXPORT_FILES", exports.EXPORT_FILES[:2] +
                        [exports.ExportFile("x.txt", "", account_deleted_meanwhile)])
    alice_client.post("/privacy/center/export/")
    export = DataExport.objects.get(user=alice)
    with django_capture_on_commit_callbacks(execute=True):
        services.data_export_build(export_id=export.id)
    assert not (services.exports_root() / export.directory).exists()
    assert not mail.outbox


@pytest.mark.django_db
def test_the_purge_removes_orphan_folders(alice):
    orphan = services.exports_root() / "leftover-from-a-deleted-account"
    orphan.mkdir(parents=True)
    (orphan / "essence-data.zip").write_bytes(b"PK")
    services.data_exports_purge_expired()
    assert not orphan.exists()
