"""Acceptance 6 of issue 8: an announcement reaches exactly the users who did not object
(counted), in batches, once each; it shows as a banner until dismissed."""

import pytest
from django.core import mail

from essence import services
from essence.models import Announcement, AnnouncementDelivery
from privacy import services as privacy_services
from tests.factories import make_user

ADMIN = "/admin/essence/announcement/"


def objecting(email):
    user = make_user(email=email)
    privacy_services.privacy_settings_update(user=user, analytics_objected=False, marketing_objected=True,
                                             processing_restricted=False)
    return user


@pytest.fixture
def audience(db):
    willing = [make_user(email=f"yes{i}@example.com") for i in range(5)]
    refused = [objecting("no1@example.com"), objecting("no2@example.com")]
    restricted = make_user(email="frozen@example.com")
    privacy_services.privacy_settings_update(user=restricted, analytics_objected=False, marketing_objected=False,
                                             processing_restricted=True)
    unverified = make_user(email="unverified@example.com", verified=False)
    inactive = make_user(email="gone@example.com", is_active=False)
    return {"willing": willing, "not": [*refused, restricted, unverified, inactive]}


def draft(staff_client, subject="New: tags in bulk"):
    body = "You can now tag many contacts.\n\nEnjoy."
    response = staff_client.post(f"{ADMIN}add/", {"subject": subject, "body": body})
    assert response.status_code == 302, response.content.decode()[:1500]
    return Announcement.objects.get(subject=subject)


def recipients():
    return sorted(address for m in mail.outbox if m.subject == "New: tags in bulk" for address in m.to)


@pytest.mark.django_db
def test_it_previews_then_sends_to_exactly_the_users_who_did_not_object_in_batches(
        staff_client, audience, monkeypatch, django_capture_on_commit_callbacks):
    announcement = draft(staff_client)
    assert announcement.status == "draft" and announcement.created_by == staff_client.staff
    page = staff_client.get(f"{ADMIN}{announcement.pk}/change/").content.decode()
    assert "You can now tag many contacts." in page and "Open the HTML email" in page
    html = staff_client.get(f"{ADMIN}{announcement.pk}/preview/").content.decode()
    assert "<p>You can now tag many contacts.</p>" in html and "privacy center" in html

    batches = []
    real_batch = services.announcement_send_batch
    monkeypatch.setattr(services, "ANNOUNCEMENT_BATCH_SIZE", 2)
    monkeypatch.setattr(services, "announcement_send_batch",
                        lambda **kw: batches.append(kw["user_ids"]) or real_batch(**kw))
    mail.outbox.clear()

    confirm = staff_client.post(ADMIN, {"action": "send", "_selected_action": [announcement.pk]})
    assert confirm.status_code == 200 and "Yes, send to 6 users" in confirm.content.decode()  # 5 + staff
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(ADMIN, {"action": "send", "_selected_action": [announcement.pk],
                                             "confirm": "yes"})
    assert response.status_code == 302

    expected = sorted([u.email for u in audience["willing"]] + [staff_client.staff.email])
    assert recipients() == expected
    assert [len(b) for b in batches] == [2, 2, 2]
    announcement.refresh_from_db()
    assert announcement.status == "sent" and announcement.sent_count == 6 and announcement.sent_at
    assert not {u.email for u in audience["not"]} & set(recipients())

    # Again, and a retried batch: nobody is emailed twice and the count stays exact.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(ADMIN, {"action": "send", "_selected_action": [announcement.pk], "confirm": "yes"})
        assert real_batch(announcement_id=announcement.pk, user_ids=[u.pk for u in audience["willing"]]) == 0
        assert services.announcement_fan_out(announcement_id=announcement.pk) == 0
    assert mail.outbox == []
    announcement.refresh_from_db()
    assert announcement.sent_count == 6
    assert AnnouncementDelivery.objects.filter(announcement=announcement).count() == 6


@pytest.mark.django_db
def test_someone_who_objects_after_the_fan_out_is_skipped(staff_client, django_capture_on_commit_callbacks):
    late = make_user(email="late@example.com")
    announcement = draft(staff_client)
    Announcement.objects.filter(pk=announcement.pk).update(status="sending")
    AnnouncementDelivery.objects.create(announcement=announcement, user=late)
    privacy_services.privacy_settings_update(user=late, analytics_objected=False, marketing_objected=True,
                                             processing_restricted=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.announcement_send_batch(announcement_id=announcement.pk, user_ids=[late.pk]) == 0
    assert mail.outbox == []
    assert AnnouncementDelivery.objects.get(user=late).status == "skipped"


@pytest.mark.django_db
def test_the_banner_shows_until_dismissed(staff_client, alice, alice_client, charlie,
                                          django_capture_on_commit_callbacks):
    assert "announcement-banner" not in alice_client.get("/app/").content.decode()
    announcement = draft(staff_client)
    assert "announcement-banner" not in alice_client.get("/app/").content.decode()  # drafts never show
    with django_capture_on_commit_callbacks(execute=True):
        services.announcement_send(announcement=announcement)

    page = alice_client.get("/app/").content.decode()
    assert "announcement-banner" in page and "New: tags in bulk" in page and "<script" not in page.split(
        "announcement-banner")[1].split("</div>")[0]
    response = alice_client.post(f"/announcements/{announcement.pk}/dismiss/", {"next": "/contacts/"})
    assert response.status_code == 302 and response["Location"] == "/contacts/"
    assert "announcement-banner" not in alice_client.get("/app/").content.decode()
    assert alice_client.get(f"/announcements/{announcement.pk}/dismiss/").status_code == 405

    # Dismissal is per user; someone who objects to announcements never sees the banner.
    from django.test import Client

    other = Client()
    other.force_login(charlie)
    assert "New: tags in bulk" in other.get("/app/").content.decode()
    privacy_services.privacy_settings_update(user=charlie, analytics_objected=False, marketing_objected=True,
                                             processing_restricted=False)
    assert "New: tags in bulk" not in other.get("/app/").content.decode()


@pytest.mark.django_db
def test_the_banner_costs_one_query(alice, staff_client, django_capture_on_commit_callbacks,
                                    django_assert_num_queries):
    from essence.selectors import announcement_banner_for

    with django_capture_on_commit_callbacks(execute=True):
        services.announcement_send(announcement=draft(staff_client))
    announcement_banner_for(user=alice)  # warms the "is anything live" cache
    with django_assert_num_queries(1):
        assert announcement_banner_for(user=alice).subject == "New: tags in bulk"


@pytest.mark.django_db
def test_without_a_live_announcement_pages_pay_no_query_for_the_banner(alice, django_assert_num_queries):
    from essence.selectors import announcement_banner_for

    assert announcement_banner_for(user=alice) is None
    with django_assert_num_queries(0):
        assert announcement_banner_for(user=alice) is None


@pytest.mark.django_db
def test_the_dismiss_button_needs_a_signed_in_user(client):
    response = client.post("/announcements/1/dismiss/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
