import pytest
from django.db import IntegrityError

from accounts.models import Membership
from accounts.selectors import workspace_for_user


@pytest.mark.django_db
def test_each_user_gets_their_own_workspace(alice, charlie):
    alice_ws = workspace_for_user(user=alice)
    charlie_ws = workspace_for_user(user=charlie)
    assert alice_ws is not None and charlie_ws is not None
    assert alice_ws != charlie_ws


@pytest.mark.django_db
def test_a_workspace_has_one_owner(alice, charlie):
    workspace = workspace_for_user(user=alice)
    with pytest.raises(IntegrityError):
        Membership.objects.create(workspace=workspace, user=charlie, role=Membership.Role.OWNER)


@pytest.mark.django_db
def test_request_workspace_is_the_signed_in_users(alice_client, alice):
    response = alice_client.get("/app/")
    assert response.wsgi_request.workspace == workspace_for_user(user=alice)
