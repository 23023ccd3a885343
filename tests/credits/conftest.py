import pytest

from accounts.selectors import workspace_for_user
from tests.credits.fake_stripe import fake_stripe  # noqa: F401  (fixture)


@pytest.fixture
def workspace(alice):
    return workspace_for_user(user=alice)


@pytest.fixture
def charlie_workspace(charlie):
    return workspace_for_user(user=charlie)
