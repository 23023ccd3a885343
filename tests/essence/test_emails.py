import pytest
from django.core import mail

from essence.celery import app as celery_app
from essence.emails import send_templated_email
from essence.models import EmailDelivery
from essence.tasks import send_email_task


class FlakyBackend:
    """Raises for the first `failures` sends, like a provider having a bad minute."""

    failures = 0
    calls = 0

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        pass

    def close(self):
        pass

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise ConnectionError("provider unavailable")
        mail.outbox.extend(messages)
        return len(messages)


@pytest.fixture
def flaky_backend(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.calls = 0
    FlakyBackend.failures = 2
    # Let eager retries run their course, as a worker would, instead of raising the first Retry.
    celery_app.conf.task_eager_propagates = False
    yield FlakyBackend
    celery_app.conf.task_eager_propagates = True


def _queue_test_email(django_capture_on_commit_callbacks, monkeypatch, alice):
    """Queue an email and return (delivery id, payload) as the worker would receive them."""
    sent_to_broker = []
    monkeypatch.setattr(send_email_task, "delay", lambda *args: sent_to_broker.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        send_templated_email(template="test_message", to=[alice.email], context={"name": alice.full_name}, user=alice)
    assert len(sent_to_broker) == 1
    return sent_to_broker[0]


@pytest.mark.django_db
def test_email_task_retries_and_sends_once_when_the_provider_recovers(
    flaky_backend, alice, django_capture_on_commit_callbacks, monkeypatch
):
    delivery_id, payload = _queue_test_email(django_capture_on_commit_callbacks, monkeypatch, alice)

    # Run the task as a worker would: it fails twice, retries with backoff, then succeeds.
    result = send_email_task.apply(args=[delivery_id, payload], throw=False)

    assert result.successful()
    assert flaky_backend.calls == 3
    assert len(mail.outbox) == 1
    delivery = EmailDelivery.objects.get(id=delivery_id)
    assert delivery.status == EmailDelivery.Status.SENT
    assert delivery.attempts == 3
    assert delivery.last_error == ""

    # A redelivered task (acks_late) finds it sent and sends nothing more.
    send_email_task.apply(args=[delivery_id, payload], throw=False)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_email_gives_up_after_max_retries_and_says_so(
    flaky_backend, alice, django_capture_on_commit_callbacks, monkeypatch
):
    flaky_backend.failures = 100
    delivery_id, payload = _queue_test_email(django_capture_on_commit_callbacks, monkeypatch, alice)
    result = send_email_task.apply(args=[delivery_id, payload], throw=False)

    assert result.failed()
    delivery = EmailDelivery.objects.get(id=delivery_id)
    assert delivery.status == EmailDelivery.Status.FAILED
    assert "provider unavailable" in delivery.last_error
    assert mail.outbox == []


@pytest.mark.django_db
def test_templated_email_is_sent_after_commit_with_text_and_html(alice, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_templated_email(template="test_message", to=[alice.email], context={"name": "<Alice>"})
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.subject == "Essence test message"
    assert "Hello <Alice>" in message.body
    html = message.alternatives[0][0]
    assert "Hello &lt;Alice&gt;" in html


@pytest.mark.django_db
def test_nothing_is_sent_when_the_transaction_rolls_back(alice, mailoutbox, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                send_templated_email(template="test_message", to=[alice.email], context={})
                raise RuntimeError("the action failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mailoutbox == []


@pytest.mark.django_db
def test_emails_go_through_anymail(settings, alice, django_capture_on_commit_callbacks):
    from anymail.backends.test import EmailBackend  # noqa: F401

    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        send_templated_email(template="test_message", to=[alice.email], context={"name": "A"})
    assert len(mail.outbox) == 1
    assert mail.outbox[0].anymail_test_params["to"][0].addr_spec == alice.email

