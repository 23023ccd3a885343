"""Test data built through the same services the product uses."""

import datetime
from pathlib import Path

import factory
from allauth.account.models import EmailAddress
from django.conf import settings

from accounts import services as account_services
from accounts.models import User
from privacy.models import PolicyVersion

POLICY_V1 = Path(settings.BASE_DIR) / "privacy" / "policy_texts" / "v1.txt"
DEFAULT_PASSWORD = "correct horse battery staple"


def ensure_policy_v1() -> PolicyVersion:
    """The data migration publishes v1; transactional tests flush it, so re-create it."""
    version, _ = PolicyVersion.objects.get_or_create(
        version=1,
        defaults={
            "text": POLICY_V1.read_text(encoding="utf-8"),
            "last_updated": datetime.date(2026, 11, 26),
            "published_at": datetime.datetime(2026, 11, 26, tzinfo=datetime.UTC),
        },
    )
    return version


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
