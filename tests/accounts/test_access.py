import re

import pytest
from django.core import mail

from tests.factories import DEFAULT_PASSWORD, make_user


@pytest.mark.django_db
def test_an_unverified_user_cannot_log_in_or_reach_the_dashboard(client, policy_v1):
    user = make_user(email="new@example.com", verified=False)

    response = client.post("/accounts/login/", {"login": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert client.get("/app/").status_code == 302  # not logged in

    # Even with a session (e.g. one made before an email change), the app stays closed.
    client.force_login(user)
    response = client.get("/app/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"


@pytest.mark.django_db
def test_a_verified_user_sees_the_dashboard(alice_client, alice):
    response = alice_client.get("/app/")
    assert response.status_code == 200
    assert "Alice Andersen" in response.content.decode()


@pytest.mark.django_db
def test_a_visitor_is_sent_to_login(client):
    response = client.get("/app/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_password_reset_reveals_nothing_about_unknown_emails(client, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/accounts/password/reset/", {"email": alice.email})
        unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    done_known = client.get(known["Location"]).content
    done_unknown = client.get(unknown["Location"]).content
    # CSRF tokens (the cookie banner's forms) are masked differently on every render.
    csrf = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
    assert csrf.sub(b"", done_known.replace(alice.email.encode(), b"")) == \
        csrf.sub(b"", done_unknown.replace(b"nobody@example.com", b""))
    reset_mail = [m for m in mail.outbox if alice.email in m.to]
    assert len(reset_mail) == 1 and "/accounts/password/reset/key/" in reset_mail[0].body


@pytest.mark.django_db
def test_login_is_rate_limited(client, alice):
    statuses = [
        client.post("/accounts/login/", {"login": alice.email, "password": "wrong password!"}).status_code
        for _ in range(8)
    ]
    response = client.post("/accounts/login/", {"login": alice.email, "password": "wrong password!"})
    assert statuses[0] == 200
    assert response.status_code == 429 or "Too many failed login attempts" in response.content.decode()


@pytest.mark.django_db
def test_profile_name_can_be_corrected(alice_client, alice):
    response = alice_client.post("/accounts/profile/", {"full_name": "Alice B. Andersen"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.full_name == "Alice B. Andersen"

    response = alice_client.post("/accounts/profile/", {"full_name": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
