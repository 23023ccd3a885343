import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from essence.models import EmailDelivery
from privacy import services
from privacy.models import PolicyAcceptance, PolicyVersion
from tests.factories import login_staff_with_two_factor


@pytest.fixture
def draft_v2(policy_v1):
    return PolicyVersion.objects.create(version=2, text="1. Who we are\nVersion two text.",
                                        summary="Clarified retention.", last_updated=datetime.date(2026, 1, 1))


@pytest.fixture
def staff_client(client, db):
    staff = get_user_model().objects.create_superuser(email="staff@essencecrm.io", password="x", full_name="Sam Staff")
    login_staff_with_two_factor(client, staff)
    return client


@pytest.mark.django_db
def test_publishing_emails_everyone_through_celery_and_updates_last_updated(
    staff_client, alice, charlie, draft_v2, django_capture_on_commit_callbacks, monkeypatch
):
    services.privacy_settings_update(user=alice, analytics_objected=True, marketing_objected=True,
                                     processing_restricted=True)
    monkeypatch.setattr(services, "POLICY_BATCH_SIZE", 1)  # one batch task per user
    from privacy import tasks

    calls = []
    original = tasks.policy_notify_batch_task.delay
    monkeypatch.setattr(tasks.policy_notify_batch_task, "delay", lambda *a: calls.append(a) or original(*a))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post("/admin/privacy/policyversion/", {
            "action": "publish", "_selected_action": [draft_v2.pk],
        })
    assert response.status_code == 302
    draft_v2.refresh_from_db()
    assert draft_v2.published_at and draft_v2.last_updated == timezone.localdate()
    recipients = sorted(m.to[0] for m in mail.outbox if "updated our privacy policy" in m.subject)
    # Every active user, even alice who objected to announcements and restricted processing.
    assert "alice@example.com" in recipients and "charlie@example.org" in recipients
    assert len(calls) >= 3  # batched: one task per batch
    assert EmailDelivery.objects.filter(template="policy_changed", category="policy").count() == len(recipients)

    page = staff_client.get("/privacy/").content.decode()
    assert f"Last Updated: <time datetime=\"{timezone.localdate():%Y-%m-%d}\">" in page and "Version 2" in page

    # Publishing again does nothing; re-running a batch sends nothing twice.
    assert services.policy_publish(version=draft_v2) is False
    with django_capture_on_commit_callbacks(execute=True):
        services.policy_notify_batch(version_id=draft_v2.pk, user_ids=[alice.pk, charlie.pk])
    assert len([m for m in mail.outbox if "updated our privacy policy" in m.subject]) == len(recipients)


@pytest.mark.django_db
def test_the_banner_shows_until_acknowledged(alice_client, alice, draft_v2):
    assert "We updated our privacy policy" not in alice_client.get("/app/").content.decode()
    services.policy_publish(version=draft_v2)
    body = alice_client.get("/app/").content.decode()
    assert "We updated our privacy policy" in body
    assert "We updated our privacy policy" in alice_client.get("/privacy/center/").content.decode()
    response = alice_client.post("/privacy/acknowledge/", {"version": 2, "next": "/app/"})
    assert response["Location"] == "/app/"
    assert PolicyAcceptance.objects.filter(user=alice, version=draft_v2).exists()
    assert "We updated our privacy policy" not in alice_client.get("/app/").content.decode()


@pytest.mark.django_db
def test_acknowledging_a_stale_version_is_refused(alice_client, alice, draft_v2):
    services.policy_publish(version=draft_v2)
    alice_client.post("/privacy/acknowledge/", {"version": 1})
    assert not PolicyAcceptance.objects.filter(user=alice, version=draft_v2).exists()


@pytest.mark.django_db
def test_earlier_versions_stay_readable(client, draft_v2):
    services.policy_publish(version=draft_v2)
    listing = client.get("/privacy/versions/").content.decode()
    assert "Version 1" in listing and "Version 2" in listing and "Clarified retention." in listing
    old = client.get("/privacy/versions/1/").content.decode()
    assert "This is an earlier version." in old and "November 26, 2026" in old
    assert "earlier version" not in client.get("/privacy/versions/2/").content.decode().split("<article")[1][:300]
    assert client.get("/privacy/versions/9/").status_code == 404


@pytest.mark.django_db
def test_drafts_are_not_readable(client, draft_v2):
    assert client.get("/privacy/versions/2/").status_code == 404
    assert "Version 2" not in client.get("/privacy/versions/").content.decode()


@pytest.mark.django_db
def test_the_admin_save_and_publish_button(staff_client, draft_v2, django_capture_on_commit_callbacks):
    page = staff_client.get(f"/admin/privacy/policyversion/{draft_v2.pk}/change/").content.decode()
    assert 'name="_publish"' in page
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/admin/privacy/policyversion/{draft_v2.pk}/change/", {
            "version": 2, "text": draft_v2.text, "summary": "Clarified retention periods.",
            "last_updated": "2026-01-01", "_publish": "Save and publish",
        })
    draft_v2.refresh_from_db()
    assert draft_v2.published_at and draft_v2.summary == "Clarified retention periods."
