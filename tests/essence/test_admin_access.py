"""Staff reach /admin/ only from a session that passed two-factor authentication."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from tests.e2e.totp import totp
from tests.factories import DEFAULT_PASSWORD, make_user


@pytest.fixture
def support_user(db):
    return make_user(email="sam@essencecrm.io", full_name="Sam Support", is_staff=True)


def enable_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def log_in_with_two_factor(client, user, secret):
    response = client.post("/accounts/login/", {"login": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    response = client.post("/accounts/2fa/authenticate/", {"code": totp(secret)})
    assert response.status_code == 302, response.content.decode()[:500]


@pytest.mark.django_db
def test_staff_without_two_factor_cannot_enter_the_admin(client, support_user):
    client.post("/accounts/login/", {"login": support_user.email, "password": DEFAULT_PASSWORD})
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    response = client.get(response["Location"])
    assert response.status_code == 403
    assert "Turn on two-factor authentication" in response.content.decode()


@pytest.mark.django_db
def test_staff_with_two_factor_can_enter_the_admin(client, support_user):
    secret = enable_totp(support_user)
    log_in_with_two_factor(client, support_user, secret)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "Support and operations" in response.content.decode()


@pytest.mark.django_db
def test_a_session_that_skipped_two_factor_is_refused_even_if_totp_exists(client, support_user):
    enable_totp(support_user)
    client.force_login(support_user)  # e.g. a session from before 2FA was turned on
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403


@pytest.mark.django_db
def test_customers_with_two_factor_still_cannot_enter(client, alice):
    secret = enable_totp(alice)
    log_in_with_two_factor(client, alice, secret)
    response = client.get("/admin/")
    assert response.status_code == 302


@pytest.mark.django_db
def test_admin_login_form_is_not_a_password_only_back_door(client, support_user):
    enable_totp(support_user)
    response = client.post("/admin/login/", {"username": support_user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_staff_sessions_expire_sooner(client, support_user, alice, settings):
    settings.STAFF_SESSION_IDLE_SECONDS = 1800
    client.force_login(support_user)
    client.get("/")
    assert client.session.get_expiry_age() == 1800

    client.force_login(alice)
    client.get("/")
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
