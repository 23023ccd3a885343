"""Test data built through the same services the product uses."""

import importlib

import factory
from allauth.account.models import EmailAddress
from django.apps import apps as django_apps

from accounts import services as account_services
from accounts.models import User
from privacy.models import PolicyVersion

DEFAULT_PASSWORD = "correct horse battery staple"


SEED_MIGRATIONS = [
    ("privacy.migrations.0002_publish_policy_v1", "publish_v1"),
    ("credits.migrations.0002_ledger_append_only_and_seed", "seed"),
]


def ensure_seed_data() -> None:
    """Data migrations seed the policy, prices and packs; transactional tests flush
    them, so run the same seed functions again (they are idempotent)."""
    for module, function in SEED_MIGRATIONS:
        getattr(importlib.import_module(module), function)(django_apps, None)


def ensure_policy_v1() -> PolicyVersion:
    ensure_seed_data()
    return PolicyVersion.objects.get(version=1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_user(*, verified: bool = True, **fields) -> User:
    """A user as signup leaves them: workspace, policy acceptance, (verified) email."""
    user = UserFactory(**fields)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    account_services.user_signup_complete(user=user, policy_version=ensure_policy_v1())
    return user


def login_staff_with_two_factor(client, user) -> None:
    """Sign a staff user in as the admin requires: TOTP on, and this session passed it.
    (The full login-with-code flow is tested in tests/essence/test_admin_access.py.)"""
    import time

    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        authenticator = TOTP.activate(user, generate_totp_secret()).instance
    client.force_login(user)
    session = client.session
    session["account_authentication_methods_user"] = str(user.pk)
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "email": user.email},
        {"method": "mfa", "at": time.time(), "id": authenticator.pk, "type": "totp"},
    ]
    session.save()
