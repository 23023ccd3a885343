import pytest

from contacts import services
from contacts.models import Contact
from tests.contacts.conftest import make_contact


@pytest.mark.django_db
def test_deleting_a_custom_field_deletes_its_values_in_this_workspace_only(alice, alice_ws, charlie, charlie_ws):
    mine = services.custom_field_create(workspace=alice_ws, name="Shoe size", kind="number")
    keep = services.custom_field_create(workspace=alice_ws, name="Nickname", kind="text")
    theirs = services.custom_field_create(workspace=charlie_ws, name="Shoe size", kind="number")
    ada = make_contact(alice)
    Contact.objects.filter(pk=ada.pk).update(custom_values={mine.key: 42, keep.key: "Countess"})
    bob = make_contact(charlie, given_name="Bob")
    Contact.objects.filter(pk=bob.pk).update(custom_values={theirs.key: 44})

    services.custom_field_delete(field=mine)

    assert Contact.objects.get(pk=ada.pk).custom_values == {keep.key: "Countess"}
    assert Contact.objects.get(pk=bob.pk).custom_values == {theirs.key: 44}
