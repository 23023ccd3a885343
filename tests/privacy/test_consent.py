import re

import pytest
from django.conf import settings

from privacy.models import ConsentRecord

COOKIE = settings.CONSENT_COOKIE_NAME


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/pricing/", "/privacy/", "/accounts/login/"])
def test_a_new_visitor_sees_the_banner_on_public_pages(client, policy_v1, url):
    body = client.get(url).content.decode()
    assert 'id="consent-banner"' in body
    # Reject all is exactly as prominent as Accept all: same element, same classes.
    assert 'value="reject_all" class="button consent-choice"' in body
    assert 'value="accept_all" class="button consent-choice"' in body
    assert "<summary>Customise</summary>" in body


@pytest.mark.django_db
def test_signed_in_pages_show_the_banner_too(alice_client):
    assert 'id="consent-banner"' in alice_client.get("/app/").content.decode()


@pytest.mark.django_db
def test_reject_all_without_js_stores_the_choice_and_goes_back(client, policy_v1):
    response = client.post("/privacy/consent/", {"action": "reject_all", "next": "/pricing/"})
    assert response.status_code == 302 and response["Location"] == "/pricing/"
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["max-age"] == settings.CONSENT_COOKIE_MAX_AGE
    body = client.get("/pricing/").content.decode()
    assert 'id="consent-banner"' not in body  # the choice survives the next request
    assert ConsentRecord.objects.count() == 0  # anonymous: only the cookie


@pytest.mark.django_db
def test_an_offsite_next_is_ignored(client, policy_v1):
    response = client.post("/privacy/consent/", {"action": "accept_all", "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_the_js_path_answers_json(client, policy_v1):
    response = client.post("/privacy/consent/", {"action": "accept_all"}, HTTP_ACCEPT="application/json")
    assert response.json() == {"ok": True, "necessary": True, "preferences": True, "analytics": True}
    assert COOKIE in response.cookies


@pytest.mark.django_db
def test_a_signed_in_choice_is_a_consent_record(alice_client, alice):
    alice_client.post("/privacy/consent/", {"action": "custom", "analytics": "on", "next": "/app/"})
    record = ConsentRecord.objects.get(user=alice)
    assert (record.necessary, record.preferences, record.analytics) == (True, False, True)
    assert record.policy_version == 1 and record.anonymous_id and record.source == "banner"


@pytest.mark.django_db
def test_a_forged_cookie_counts_as_no_choice(client, policy_v1):
    from django.core import signing

    client.cookies[COOKIE] = signing.dumps({"id": "x", "p": True, "a": True}, salt="other")
    assert 'id="consent-banner"' in client.get("/").content.decode()
    client.cookies[COOKIE] = "garbage"
    assert 'id="consent-banner"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_footer_link_reopens_the_choices(client, policy_v1):
    client.post("/privacy/consent/", {"action": "accept_all"})
    body = client.get("/").content.decode()
    assert "Cookie settings" in body and "/privacy/consent/?next=" in body
    page = client.get("/privacy/consent/").content.decode()
    assert re.search(r'<input type="checkbox" name="analytics"[^>]*checked', page)
    assert "preferences on, analytics on" in page


@pytest.mark.django_db
def test_a_visitor_choice_becomes_a_consent_record_at_signup(client, policy_v1):
    client.post("/privacy/consent/", {"action": "custom", "preferences": "on"})
    response = client.post("/accounts/signup/", {
        "full_name": "Nora Visitor", "email": "nora@example.com", "password1": "a long enough passphrase 1",
        "is_16_or_older": "on", "accept_policy": "on", "policy_version": "1",
    })
    assert response.status_code == 302
    record = ConsentRecord.objects.get(user__email="nora@example.com")
    assert (record.preferences, record.analytics, record.source) == (True, False, "signup")


@pytest.mark.django_db
def test_the_theme_cookie_needs_preferences_consent(client, policy_v1):
    response = client.post("/privacy/theme/", {"theme": "dark", "next": "/"})
    assert settings.THEME_COOKIE_NAME not in response.cookies
    client.post("/privacy/consent/", {"action": "accept_all"})
    response = client.post("/privacy/theme/", {"theme": "dark", "next": "/"})
    assert response.cookies[settings.THEME_COOKIE_NAME].value == "dark"
    assert 'data-theme="dark"' in client.get("/").content.decode()
    # Withdrawing preferences consent deletes the preference cookie and stops honouring it.
    response = client.post("/privacy/consent/", {"action": "reject_all"})
    assert response.cookies[settings.THEME_COOKIE_NAME].value == ""
    client.cookies[settings.THEME_COOKIE_NAME] = "dark"
    assert 'data-theme="light"' in client.get("/").content.decode()
