"""Every email type checks the recipient's objections and restriction (essence/emails.py)."""

import pytest
from django.core import mail

from essence.emails import EmailCategory, send_templated_email
from essence.models import EmailDelivery
from privacy import services


def _send(alice, category, capture, *, pass_user=True):
    with capture(execute=True):
        return send_templated_email(template="test_message", to=[alice.email], category=category,
                                    user=alice if pass_user else None, context={"name": alice.full_name})


def _switch(alice, **changes):
    values = {"analytics_objected": False, "marketing_objected": False, "processing_restricted": False, **changes}
    services.privacy_settings_update(user=alice, **values)


@pytest.mark.django_db
def test_marketing_goes_until_the_user_objects(alice, django_capture_on_commit_callbacks):
    delivery = _send(alice, EmailCategory.MARKETING, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.SENT and len(mail.outbox) == 1

    _switch(alice, marketing_objected=True)
    delivery = _send(alice, EmailCategory.MARKETING, django_capture_on_commit_callbacks)
    assert delivery.status == EmailDelivery.Status.SUPPRESSED
    assert len(mail.outbox) == 1  # nothing more was sent


@pytest.mark.django_db
def test_an_objection_holds_even_when_the_caller_forgets_the_user(alice, django_capture_on_commit_callbacks):
    _switch(alice, marketing_objected=True)
    delivery = _send(alice, EmailCategory.MARKETING, django_capture_on_commit_callbacks, pass_user=False)
    assert delivery.status == EmailDelivery.Status.SUPPRESSED and mail.outbox == []


@pytest.mark.django_db
def test_restriction_stops_marketing_and_service_but_not_policy_or_transactional(
    alice, charlie, django_capture_on_commit_callbacks
):
    _switch(alice, processing_restricted=True)
    for category in (EmailCategory.MARKETING, EmailCategory.SERVICE):
        assert _send(alice, category, django_capture_on_commit_callbacks).status == EmailDelivery.Status.SUPPRESSED
    assert mail.outbox == []
    for category in (EmailCategory.POLICY, EmailCategory.TRANSACTIONAL):
        delivery = _send(alice, category, django_capture_on_commit_callbacks)
        delivery.refresh_from_db()
        assert delivery.status == EmailDelivery.Status.SENT
    assert len(mail.outbox) == 2
    # charlie, not restricted, still gets service mail
    delivery = _send(charlie, EmailCategory.SERVICE, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.SENT


@pytest.mark.django_db
def test_lifting_the_restriction_resumes_service_mail(alice, django_capture_on_commit_callbacks):
    _switch(alice, processing_restricted=True)
    assert _send(alice, EmailCategory.SERVICE, django_capture_on_commit_callbacks).status == "suppressed"
    _switch(alice, processing_restricted=False)
    delivery = _send(alice, EmailCategory.SERVICE, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.SENT


@pytest.mark.django_db
def test_low_balance_service_email_is_suppressed_while_restricted(alice, django_capture_on_commit_callbacks):
    from accounts.selectors import workspace_for_user
    from credits.emails import send_low_balance

    _switch(alice, processing_restricted=True)
    with django_capture_on_commit_callbacks(execute=True):
        send_low_balance(workspace_id=workspace_for_user(user=alice).pk, balance=3)
    assert EmailDelivery.objects.get(template="low_balance").status == EmailDelivery.Status.SUPPRESSED
    assert mail.outbox == []


@pytest.mark.django_db
def test_objecting_to_marketing_does_not_stop_policy_notices(alice, django_capture_on_commit_callbacks):
    _switch(alice, marketing_objected=True, analytics_objected=True)
    delivery = _send(alice, EmailCategory.POLICY, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.SENT and len(mail.outbox) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("objected", [False, True])
@pytest.mark.parametrize("restricted", [False, True])
@pytest.mark.parametrize("deletion_scheduled", [False, True])
def test_the_marketing_rule_is_the_same_for_one_user_and_as_a_query(alice, objected, restricted,
                                                                    deletion_scheduled):
    # Announcements pick their recipients with the query, each email is checked with the
    # Python rule: both must refuse exactly the same people.
    import datetime

    from django.utils import timezone

    from privacy import selectors
    from privacy.models import PrivacySettings

    PrivacySettings.objects.update_or_create(user=alice, defaults={
        "marketing_objected": objected, "processing_restricted": restricted,
        "deletion_scheduled_for": timezone.now() + datetime.timedelta(days=14) if deletion_scheduled else None,
    })
    fresh = type(alice).objects.get(pk=alice.pk)  # no settings row cached on it
    refused = selectors.marketing_refused_settings(alice.pk).exists()
    assert selectors.marketing_allowed(user=fresh) is not refused
    assert refused == (objected or restricted or deletion_scheduled)
