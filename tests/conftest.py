"""Shared fixtures. alice owns a workspace; charlie owns another and is the
outsider in every access test (bob, a teammate, comes when workspaces get members)."""

import pytest
from django.core.cache import cache
from django.test import Client

from essence.celery import app as celery_app
from tests.credits.fake_stripe import fake_stripe  # noqa: F401  (a fixture for any test that buys credits)
from tests.factories import ensure_policy_v1, make_user


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is what production uses (tests/accounts/test_passwords.py checks);
    # elsewhere a cheap hasher keeps the suite fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks run in-process unless a test starts a real worker (tests/e2e)."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def policy_v1(db):
    return ensure_policy_v1()


@pytest.fixture
def alice(db):
    return make_user(email="alice@example.com", full_name="Alice Andersen")


@pytest.fixture
def charlie(db):
    return make_user(email="charlie@example.org", full_name="Charlie Chen")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def charlie_client(charlie):
    # Its own Client, so a test can hold alice_client and charlie_client at once.
    other = Client()
    other.force_login(charlie)
    return other
