import pytest
from django.db.models import Sum

from privacy import services
from privacy.middleware import normalise_path
from privacy.models import PageViewDaily


def _views(path=None):
    qs = PageViewDaily.objects.all() if path is None else PageViewDaily.objects.filter(path=path)
    return qs.aggregate(total=Sum("count"))["total"] or 0


@pytest.mark.django_db
def test_no_choice_or_reject_all_records_nothing(client, policy_v1):
    client.get("/pricing/")
    client.post("/privacy/consent/", {"action": "reject_all"})
    client.get("/pricing/")
    client.get("/")
    assert _views() == 0


@pytest.mark.django_db
def test_accept_all_counts_page_views_per_path_and_day(client, policy_v1):
    client.post("/privacy/consent/", {"action": "accept_all"})
    client.get("/pricing/")
    client.get("/pricing/?utm=x")
    client.get("/")
    assert _views("/pricing/") == 2 and _views("/") == 1
    row = PageViewDaily.objects.get(path="/pricing/")
    assert {f.name for f in PageViewDaily._meta.fields} == {"id", "path", "day", "count"}  # nothing about who
    assert row.count == 2


@pytest.mark.django_db
def test_analytics_only_consent_via_customise(client, policy_v1):
    client.post("/privacy/consent/", {"action": "custom", "analytics": "on"})
    client.get("/pricing/")
    assert _views("/pricing/") == 1


def test_paths_lose_ids_and_tokens():
    assert normalise_path("/contacts/42/edit/") == "/contacts/:id/edit/"
    assert normalise_path("/privacy/exports/3f2a1c9e-1b2c-4d5e-8f90-123456789abc/download/") == \
        "/privacy/exports/:id/download/"
    assert normalise_path("/accounts/confirm-email/MQ:1tXyZ:abcDEF123456/") == "/accounts/confirm-email/:id/"
    assert normalise_path("/accounts/2fa/") == "/accounts/2fa/"


@pytest.mark.django_db
@pytest.mark.parametrize("switch", ["analytics_objected", "processing_restricted"])
def test_objection_or_restriction_stops_counting_a_signed_in_user(alice_client, alice, switch):
    alice_client.post("/privacy/consent/", {"action": "accept_all"})
    alice_client.get("/app/")
    assert _views("/app/") == 1
    values = {"analytics_objected": False, "marketing_objected": False, "processing_restricted": False, switch: True}
    services.privacy_settings_update(user=alice, **values)
    alice_client.get("/app/")
    alice_client.get("/privacy/center/")
    assert _views() == 1


@pytest.mark.django_db
def test_upsert_is_atomic_and_adds_up():
    for _ in range(3):
        services.page_view_count(path="/x/")
    assert PageViewDaily.objects.get(path="/x/").count == 3


@pytest.mark.django_db
def test_only_staff_see_the_chart(alice_client, alice, client):
    services.page_view_count(path="/pricing/")
    assert alice_client.get("/privacy/analytics/").status_code == 302
    alice.is_staff = True
    alice.save()
    response = alice_client.get("/privacy/analytics/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and "/pricing/" in body and "<rect" in body
