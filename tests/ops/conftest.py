import pytest
from django.test import Client

from accounts.selectors import workspace_for_user
from tests.factories import login_staff_with_two_factor, make_user


@pytest.fixture
def staff_client(db):
    """A superuser staff member, signed in with two-factor."""
    staff = make_user(email="root@essencecrm.io", full_name="Rita Root", is_staff=True, is_superuser=True)
    client = Client()
    login_staff_with_two_factor(client, staff)
    client.staff = staff
    return client


@pytest.fixture
def alice_ws(alice):
    return workspace_for_user(user=alice)
