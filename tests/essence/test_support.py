import pytest
from django.core import mail

from essence.models import SupportRequest

VALID = {"name": "Pat Visitor", "email": "pat@example.net", "topic": "billing", "message": "I was charged twice?"}


@pytest.fixture
def run_on_commit(monkeypatch):
    """Run on_commit callbacks at once: these tests run inside a rolled-back transaction."""
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())


@pytest.mark.django_db
def test_a_visitor_reaches_support_and_gets_a_confirmation(client, run_on_commit, settings):
    response = client.post("/support/", VALID)
    assert response.status_code == 302 and response["Location"] == "/support/sent/"

    request = SupportRequest.objects.get()
    assert (request.email, request.topic, request.user) == ("pat@example.net", "billing", None)
    to_support, to_sender = sorted(mail.outbox, key=lambda m: m.to[0] != settings.SUPPORT_EMAIL)
    assert to_support.to == [settings.SUPPORT_EMAIL] and to_support.reply_to == ["pat@example.net"]
    assert "I was charged twice?" in to_support.body
    assert to_sender.to == ["pat@example.net"] and f"#{request.id}" in to_sender.subject
    # The confirmation never echoes the message: the form can't be used to mail strangers arbitrary text.
    assert "charged twice" not in to_sender.body
    assert all(m.alternatives for m in mail.outbox)


@pytest.mark.django_db
def test_a_signed_in_user_is_not_asked_who_they_are(alice_client, alice, run_on_commit):
    page = alice_client.get("/support/").content.decode()
    assert 'name="email"' not in page
    response = alice_client.post("/support/", {"topic": "privacy", "message": "Where is my data export?"})
    assert response.status_code == 302
    request = SupportRequest.objects.get()
    assert (request.user, request.email, request.name) == (alice, alice.email, alice.full_name)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data, field, message",
    [
        ({**VALID, "email": "not-an-address"}, "email", "Enter a valid email address"),
        ({**VALID, "message": ""}, "message", "This field is required"),
        ({**VALID, "message": "help"}, "message", "at least 10 characters"),
        ({**VALID, "topic": ""}, "topic", "This field is required"),
        ({**VALID, "topic": "nonsense"}, "topic", "Select a valid choice"),
    ],
)
def test_bad_input_is_explained_and_kept(client, data, field, message, run_on_commit):
    response = client.post("/support/", data)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert "Pat Visitor" in response.content.decode()
    assert SupportRequest.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_too_many_messages_are_refused_with_a_clear_message(client, run_on_commit):
    for _ in range(3):
        assert client.post("/support/", VALID).status_code == 302
    response = client.post("/support/", VALID)
    assert response.status_code == 429
    assert "try again later" in response.content.decode()
    assert "I was charged twice?" in response.content.decode()  # what was typed is kept
    assert SupportRequest.objects.count() == 3
    # Other senders from the same IP are still limited to 5 attempts an hour (refused ones count).
    statuses = [client.post("/support/", {**VALID, "email": f"p{i}@example.net"}).status_code for i in range(2)]
    assert statuses == [302, 429]


@pytest.mark.django_db
def test_deleting_an_account_deletes_its_support_messages(alice, run_on_commit):
    from essence import services
    from privacy import services as privacy_services

    services.support_request_create(user=alice, topic="privacy", message="Please delete my data soon.")
    services.support_request_create(user=None, name="Alice", email=alice.email.upper(), topic="other",
                                    message="Sent before I signed in.")
    other = services.support_request_create(user=None, name="Bo", email="bo@example.com", topic="other",
                                            message="Nothing to do with Alice.")
    privacy_services.account_delete_now(user=alice)
    assert list(SupportRequest.objects.all()) == [other]
