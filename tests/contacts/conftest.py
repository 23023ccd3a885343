import uuid

import pytest

from accounts.selectors import workspace_for_user
from contacts import services
from credits import services as credit_services
from credits.models import LedgerEntry


def workspace_of(user):
    return workspace_for_user(user=user)


def give_credits(workspace, amount):
    credit_services.grant(workspace=workspace, amount=amount, kind=LedgerEntry.Kind.PURCHASE,
                          idempotency_key=f"test-grant-{uuid.uuid4().hex}")


def make_contact(user, *, given_name="Ada", family_name="Lovelace", emails=(), phones=(), addresses=(), **fields):
    """A contact made the way the product makes one (spends a credit)."""
    return services.contact_create(
        workspace=workspace_of(user), user=user, idempotency_key=uuid.uuid4().hex,
        fields={"given_name": given_name, "family_name": family_name, **fields},
        emails=[{"value": e, "label": ""} for e in emails],
        phones=[{"number": p, "label": ""} for p in phones],
        addresses=list(addresses),
    )


@pytest.fixture
def alice_ws(alice):
    return workspace_of(alice)


@pytest.fixture
def charlie_ws(charlie):
    return workspace_of(charlie)
