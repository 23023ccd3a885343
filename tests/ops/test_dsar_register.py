"""Acceptance 4 of issue 8: the DSAR register flags requests due soon and overdue, and a
daily job emails support about each request due within 7 days once."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from privacy import services
from privacy.models import DataRequest
from privacy.tasks import data_requests_notify_due_soon_task

REGISTER = "/admin/privacy/datarequest/"


def opened_days_ago(days, user=None, **fields):
    opened = timezone.now() - timedelta(days=days)
    return DataRequest.objects.create(user=user, type=DataRequest.Type.ACCESS, channel=DataRequest.Channel.EMAIL,
                                      opened_at=opened, **fields)


def listed(client, query):
    response = client.get(f"{REGISTER}?{query}")
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


@pytest.mark.django_db
def test_a_request_opened_25_days_ago_is_due_this_week_and_one_35_days_ago_overdue(staff_client):
    due_soon = opened_days_ago(25)
    overdue = opened_days_ago(35)
    fresh = opened_days_ago(2)
    done = opened_days_ago(28, status=DataRequest.Status.COMPLETED, completed_at=timezone.now())

    assert due_soon.due_at == due_soon.opened_at + timedelta(days=30)
    assert listed(staff_client, "deadline=week") == {due_soon.pk}
    assert listed(staff_client, "deadline=overdue") == {overdue.pk}
    assert listed(staff_client, "") == {due_soon.pk, overdue.pk, fresh.pk, done.pk}


@pytest.mark.django_db
def test_the_daily_job_emails_support_once_even_when_run_twice(staff_client, django_capture_on_commit_callbacks):
    due_soon = opened_days_ago(25)
    opened_days_ago(2)  # not due yet
    opened_days_ago(26, status=DataRequest.Status.COMPLETED, completed_at=timezone.now())
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert data_requests_notify_due_soon_task.delay().get() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert data_requests_notify_due_soon_task.delay().get() == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [settings.SUPPORT_EMAIL]
    assert f"#{due_soon.pk} Access" in message.body
    due_soon.refresh_from_db()
    assert due_soon.due_soon_notified_at is not None

    # A request that becomes due soon later is reported in a later run, alone.
    later = opened_days_ago(24)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.data_requests_notify_due_soon() == 1
    assert len(mail.outbox) == 2
    assert f"#{later.pk}" in mail.outbox[1].body and f"#{due_soon.pk} " not in mail.outbox[1].body


@pytest.mark.django_db
def test_the_job_runs_daily_from_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["privacy-data-requests-due-soon"]
    assert entry["task"] == "privacy.tasks.data_requests_notify_due_soon_task"


@pytest.mark.django_db
def test_staff_add_a_request_that_came_by_email_and_complete_it(staff_client, alice):
    form = staff_client.get(f"{REGISTER}add/")
    assert form.status_code == 200 and 'value="email" selected' in form.content.decode()
    now = timezone.now()
    response = staff_client.post(f"{REGISTER}add/", {
        "user": alice.pk, "type": "rectification", "channel": "email", "status": "open",
        "opened_at_0": now.strftime("%Y-%m-%d"), "opened_at_1": now.strftime("%H:%M:%S"),
        "due_at_0": "", "due_at_1": "", "completed_at_0": "", "completed_at_1": "", "outcome": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    request = DataRequest.objects.get(user=alice, type="rectification")
    assert request.channel == "email"
    assert abs(request.due_at - (request.opened_at + timedelta(days=30))) < timedelta(seconds=1)

    response = staff_client.post(f"{REGISTER}{request.pk}/change/", {
        "user": alice.pk, "type": "rectification", "channel": "email", "status": "completed",
        "opened_at_0": request.opened_at.strftime("%Y-%m-%d"), "opened_at_1": request.opened_at.strftime("%H:%M:%S"),
        "due_at_0": request.due_at.strftime("%Y-%m-%d"), "due_at_1": request.due_at.strftime("%H:%M:%S"),
        "completed_at_0": "", "completed_at_1": "", "outcome": "Corrected the spelling of her name.",
    })
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "completed" and request.completed_at and request.outcome.startswith("Corrected")
