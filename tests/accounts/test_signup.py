import pytest
from allauth.account.models import EmailAddress

from accounts.models import Membership, User
from privacy.models import PolicyAcceptance

SIGNUP_URL = "/accounts/signup/"


def signup_data(**overrides):
    data = {
        "full_name": "Dana Doe",
        "email": "dana@example.com",
        "password1": "a sturdy passphrase 42",
        "is_16_or_older": "on",
        "accept_policy": "on",
        "policy_version": "1",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture(autouse=True)
def _policy(policy_v1):
    return policy_v1


@pytest.mark.django_db
def test_it_creates_user_workspace_and_policy_acceptance(client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGNUP_URL, signup_data())

    assert response.status_code == 302
    user = User.objects.get(email="dana@example.com")
    assert user.full_name == "Dana Doe"
    membership = Membership.objects.get(user=user)
    assert membership.role == Membership.Role.OWNER
    acceptance = PolicyAcceptance.objects.get(user=user)
    assert acceptance.version.version == 1
    assert acceptance.accepted_at is not None
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mailoutbox) == 1
    assert "/accounts/confirm-email/" in mailoutbox[0].body
    html = dict((mime, body) for body, mime in mailoutbox[0].alternatives)["text/html"]
    assert "/accounts/confirm-email/" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"is_16_or_older": None}, "is_16_or_older", "You must be 16 or older"),
        ({"accept_policy": None}, "accept_policy", "accept the privacy policy"),
        ({"email": "not-an-email"}, "email", "Enter a valid email address"),
        ({"password1": "short1"}, "password1", "too short"),
        ({"password1": "password123"}, "password1", "too common"),
        ({"full_name": "   "}, "full_name", "This field is required"),
    ],
)
def test_it_refuses_bad_signup_and_keeps_what_was_typed(client, mailoutbox, overrides, field, message):
    data = signup_data(**overrides)
    response = client.post(SIGNUP_URL, data)

    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert message in str(form.errors[field])
    content = response.content.decode()
    assert message in content
    if field != "email":
        assert 'value="dana@example.com"' in content
    else:
        assert 'value="not-an-email"' in content
    if field != "full_name":
        assert 'value="Dana Doe"' in content
    assert User.objects.count() == 0
    assert mailoutbox == []


@pytest.mark.django_db
def test_it_says_when_the_email_is_taken(client, alice, mailoutbox):
    response = client.post(SIGNUP_URL, signup_data(email="ALICE@example.com"))

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert 'value="Dana Doe"' in response.content.decode()
    assert User.objects.count() == 1
    assert mailoutbox == []


@pytest.mark.django_db
def test_it_refuses_a_stale_policy_version(client):
    response = client.post(SIGNUP_URL, signup_data(policy_version="0"))

    assert response.status_code == 200
    assert "privacy policy was updated" in response.content.decode()
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_signup_page_links_the_policy(client):
    content = client.get(SIGNUP_URL).content.decode()
    assert 'href="/privacy/"' in content
    assert "I am 16 or older" in content
