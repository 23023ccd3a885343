import re

import pytest
from allauth.account.models import EmailAddress

from accounts.models import Membership, User
from privacy.models import PolicyAcceptance
from tests.e2e.conftest import WorkerMail
from tests.e2e.totp import fresh_totp, totp

PASSWORD = "journey passphrase 2026"


@pytest.mark.slow
def test_signup_verify_login_with_two_factor(page, live_server, celery_worker: WorkerMail):
    shots = page.shots
    page.goto("/")
    shots.take("landing")
    page.get_by_role("link", name="Start free — 25 credits").click()

    page.get_by_label("Full name").fill("Maya Lindqvist")
    page.get_by_label("Email").fill("maya@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("I am 16 or older").check()
    page.locator("#id_accept_policy").check()
    shots.take("signup-filled")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/accounts/confirm-email/")
    shots.take("verification-sent")

    user = User.objects.get(email="maya@example.com")
    assert PolicyAcceptance.objects.get(user=user).version.version == 1
    assert Membership.objects.filter(user=user, role="owner").exists()

    # The verification email is sent by the real Celery worker.
    message = celery_worker.wait_for("maya@example.com", "Confirm")
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", WorkerMail.text(message)).group(0)
    assert message.get_body(preferencelist=("html",)) is not None

    page.goto(link)
    shots.take("confirm-email")
    page.get_by_role("button", name="Confirm").click()
    assert EmailAddress.objects.get(user=user).verified

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("maya@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/app/")
    assert page.get_by_role("heading", name="Welcome, Maya Lindqvist").is_visible()
    shots.take("dashboard")

    # Turn on TOTP two-factor, computing the code ourselves.
    page.goto("/accounts/2fa/totp/activate/")
    if page.get_by_role("heading", name="Confirm Access").is_visible():
        shots.take("reauthenticate")  # sensitive changes ask for the password again
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    secret = page.locator("#authenticator_secret").input_value()
    shots.take("totp-activate")
    first_code = totp(secret)
    page.get_by_label("Authenticator code").fill(first_code)
    page.get_by_role("button", name="Activate").click()
    page.wait_for_load_state()
    shots.take("totp-activated")
    assert user.authenticator_set.filter(type="totp").exists()

    page.goto("/app/")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("maya@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    shots.take("two-factor-prompt")
    page.get_by_label("Code").fill(fresh_totp(secret, not_equal_to=first_code))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/app/")
    assert page.get_by_role("heading", name="Welcome, Maya Lindqvist").is_visible()
    shots.take("dashboard-after-2fa")
