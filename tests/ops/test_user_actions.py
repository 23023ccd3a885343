"""Staff actions on customer accounts: each one calls a service and is in the admin log."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.admin.models import LogEntry
from django.core import mail

from accounts.models import User
from privacy.models import AccessLog, DataExport, DataRequest
from tests.factories import make_user

USERS = "/admin/accounts/user/"


def act(client, action, users, **extra):
    return client.post(USERS, {"action": action, "_selected_action": [u.pk for u in users], **extra})


def logged(user, text):
    return LogEntry.objects.filter(object_id=str(user.pk), change_message__contains=text).exists()


@pytest.mark.django_db
def test_it_resends_the_verification_email(staff_client, django_capture_on_commit_callbacks):
    pending = make_user(email="new@example.com", verified=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = act(staff_client, "resend_verification", [pending])
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["new@example.com"]]
    assert "/accounts/confirm-email/" in mail.outbox[0].body
    assert logged(pending, "Resent the verification email")
    assert EmailAddress.objects.get(user=pending).verified is False


@pytest.mark.django_db
def test_it_starts_a_data_export_for_the_customer(staff_client, alice, alice_ws):
    page = act(staff_client, "start_data_export", [alice])
    assert page.status_code == 200 and "How did this come to us?" in page.content.decode()
    assert not DataExport.objects.exists()

    refused = act(staff_client, "start_data_export", [alice], confirm="yes", channel="email", reason="")
    assert refused.status_code == 200 and "Give a reason." in refused.content.decode()
    assert not DataExport.objects.exists()

    response = act(staff_client, "start_data_export", [alice], confirm="yes", channel="email", reason="Support #7")
    assert response.status_code == 302
    export = DataExport.objects.get(user=alice)
    assert export.data_request.channel == DataRequest.Channel.EMAIL
    assert export.data_request.type == DataRequest.Type.PORTABILITY
    entry = AccessLog.objects.get(workspace=alice_ws)
    assert entry.what.startswith("data export started by staff") and entry.reason == "Support #7"
    assert logged(alice, "Started a data export")


@pytest.mark.django_db
def test_it_deletes_an_account_on_the_customers_behalf_after_confirmation(staff_client, alice,
                                                                         django_capture_on_commit_callbacks):
    page = act(staff_client, "start_deletion", [alice])
    assert page.status_code == 200 and "cannot be undone" in page.content.decode()
    assert User.objects.filter(pk=alice.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = act(staff_client, "start_deletion", [alice], confirm="yes", channel="email", reason="Emailed us")
    assert response.status_code == 302
    assert not User.objects.filter(pk=alice.pk).exists()  # the task runs eagerly in tests
    request = DataRequest.objects.get(type=DataRequest.Type.ERASURE, channel=DataRequest.Channel.EMAIL)
    assert request.user is None and request.email_hash


@pytest.mark.django_db
def test_it_deactivates_and_reactivates_an_account(staff_client, alice, alice_client):
    assert act(staff_client, "deactivate", [alice]).status_code == 200  # confirmation first
    assert User.objects.get(pk=alice.pk).is_active

    act(staff_client, "deactivate", [alice, staff_client.staff], confirm="yes")
    assert not User.objects.get(pk=alice.pk).is_active
    assert User.objects.get(pk=staff_client.staff.pk).is_active  # never yourself
    assert alice_client.get("/app/").status_code == 302  # her session no longer resolves
    assert logged(alice, "Deactivated the account")

    act(staff_client, "reactivate", [alice])
    assert User.objects.get(pk=alice.pk).is_active
    assert logged(alice, "Reactivated the account")
