import pytest
from django.contrib.auth import get_user_model

from accounts.selectors import workspace_for_user
from privacy import selectors, services
from privacy.models import AccessLog, DataRequest, PrivacySettings
from tests.factories import login_staff_with_two_factor


@pytest.mark.django_db
def test_the_center_needs_sign_in(client, policy_v1):
    response = client.get("/privacy/center/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_the_center_shows_every_section_and_every_personal_field(alice_client, alice):
    body = alice_client.get("/privacy/center/").content.decode()
    for heading in ("Download my data", "Your data — correct anything", "Restrict or object", "Who accessed my data",
                    "My requests", "Delete my account"):
        assert heading in body
    for value in ("Alice Andersen", "alice@example.com", "verified", "/accounts/profile/", "/accounts/email/",
                  "/accounts/password/change/", "/accounts/2fa/", "/privacy/consent/"):
        assert value in body, value


@pytest.mark.django_db
def test_switches_are_stored_with_times_and_recorded_as_requests(alice_client, alice):
    response = alice_client.post("/privacy/center/switches/",
                                 {"marketing_objected": "on", "processing_restricted": "on"})
    assert response.status_code == 302
    row = PrivacySettings.objects.get(user=alice)
    assert row.marketing_objected and row.marketing_objected_at and row.processing_restricted
    assert not row.analytics_objected and row.analytics_objected_at is None
    requests = DataRequest.objects.filter(user=alice).order_by("id")
    assert [(r.type, r.status) for r in requests] == [("objection", "completed"), ("restriction", "completed")]
    assert all(r.completed_at and r.due_at for r in requests)
    body = alice_client.get("/privacy/center/").content.decode()
    assert "Processing restricted" in body and "read-only" in body
    # Lifting is recorded too.
    alice_client.post("/privacy/center/switches/", {"marketing_objected": "on"})
    assert DataRequest.objects.filter(user=alice, outcome="Restriction lifted").exists()
    assert not PrivacySettings.objects.get(user=alice).processing_restricted


@pytest.mark.django_db
def test_processing_restricted_by_user_or_workspace(alice, charlie):
    workspace = workspace_for_user(user=alice)
    assert not selectors.processing_restricted(user=alice)
    assert not selectors.processing_restricted(workspace=workspace)
    services.privacy_settings_update(user=alice, analytics_objected=False, marketing_objected=False,
                                     processing_restricted=True)
    fresh = get_user_model().objects.get(pk=alice.pk)
    assert selectors.processing_restricted(user=fresh)
    assert selectors.processing_restricted(workspace=workspace)
    assert not selectors.processing_restricted(workspace=workspace_for_user(user=charlie))


@pytest.mark.django_db
def test_access_log_shows_only_this_account(alice_client, alice, charlie):
    staff = get_user_model().objects.create_user(email="sam@essencecrm.io", full_name="Sam Staff", is_staff=True)
    services.access_log_record(staff_user=staff, workspace=workspace_for_user(user=alice), what="Contacts list",
                               reason="Ticket 7 about an import")
    services.access_log_record(staff_user=staff, workspace=workspace_for_user(user=charlie), what="Charlie stuff",
                               reason="Ticket 8")
    body = alice_client.get("/privacy/center/").content.decode()
    assert "Ticket 7 about an import" in body and "Sam Staff" in body
    assert "Ticket 8" not in body


@pytest.mark.django_db
def test_access_log_admin_is_read_only_even_for_superusers(client, alice):
    superuser = get_user_model().objects.create_superuser(email="root@essencecrm.io", password="x", full_name="Root")
    entry = services.access_log_record(staff_user=superuser, workspace=workspace_for_user(user=alice),
                                       what="Profile", reason="Ticket 9")
    login_staff_with_two_factor(client, superuser)
    assert client.get("/admin/privacy/accesslog/").status_code == 200
    assert client.get("/admin/privacy/accesslog/add/").status_code == 403
    response = client.post(f"/admin/privacy/accesslog/{entry.pk}/change/", {"reason": "edited"})
    assert response.status_code == 403
    assert client.post(f"/admin/privacy/accesslog/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AccessLog.objects.get(pk=entry.pk).reason == "Ticket 9"


@pytest.mark.django_db
def test_my_requests_lists_type_status_and_dates(alice_client, alice, charlie):
    services.data_request_open(user=alice, type=DataRequest.Type.RECTIFICATION, channel=DataRequest.Channel.EMAIL)
    services.data_request_open(user=charlie, type=DataRequest.Type.ACCESS)
    body = alice_client.get("/privacy/center/").content.decode()
    assert "Rectification" in body and "Email to support" in body and "Open" in body
    assert "Access" not in body.split('id="requests"')[1].split("</section>")[0]


@pytest.mark.django_db
def test_staff_log_an_emailed_request_with_a_30_day_due_date(client, alice):
    staff = get_user_model().objects.create_superuser(email="root@essencecrm.io", password="x", full_name="Root")
    login_staff_with_two_factor(client, staff)
    response = client.post("/admin/privacy/datarequest/add/", {
        "user": alice.pk, "type": "access", "channel": "email", "status": "open",
        "opened_at_0": "2026-11-20", "opened_at_1": "10:00:00", "due_at_0": "", "due_at_1": "", "outcome": "",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    request = DataRequest.objects.get(user=alice)
    assert (request.due_at - request.opened_at).days == 30
