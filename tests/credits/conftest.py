import pytest

from accounts.selectors import workspace_for_user


@pytest.fixture
def workspace(alice):
    return workspace_for_user(user=alice)


@pytest.fixture
def charlie_workspace(charlie):
    return workspace_for_user(user=charlie)
