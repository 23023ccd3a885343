import pytest
from django.db import OperationalError


@pytest.mark.django_db
def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


class _UnreachableConnection:
    def cursor(self):
        raise OperationalError('connection to server at "db" failed: Connection refused')


def test_healthz_reports_503_when_the_database_is_unreachable(client, monkeypatch):
    monkeypatch.setattr("essence.health.connection", _UnreachableConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["database"] == "unreachable"
    assert response.json()["broker"] == "ok"


def test_healthz_reports_503_when_the_broker_is_unreachable(client, settings, monkeypatch):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    monkeypatch.setattr("essence.health._database_status", lambda: "ok")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "unreachable"
