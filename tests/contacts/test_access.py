"""Acceptance 5: every contacts URL with another workspace's id is a 404, for GET and POST,
and changes nothing. The URL patterns are enumerated, so a new pattern with an id must be
added to OBJECT_PARAMS (or the test fails) and is then covered automatically."""

import itertools
from datetime import timedelta

import pytest
from django.urls import URLPattern
from django.utils import timezone

from contacts import services
from contacts.models import Activity, Contact, ContactExport, CustomField, ImportJob, Note, Reminder, Tag
from contacts.urls import urlpatterns
from tests.contacts.conftest import make_contact

# URL names whose contact must be in the trash for the view to look at it at all.
TRASH_ONLY = {"restore", "delete_forever"}
NO_OBJECT_ID = {"list", "create", "bulk", "validate", "trash", "duplicates", "reminders", "tags", "fields", "import",
                "export"}


@pytest.fixture
def worlds(alice, charlie, alice_ws, charlie_ws):
    def world(user, ws, prefix):
        live = make_contact(user, given_name=f"{prefix}Live", emails=[f"{prefix.lower()}@example.com"])
        other = make_contact(user, given_name=f"{prefix}Other")
        trashed = make_contact(user, given_name=f"{prefix}Trashed")
        services.contact_trash(contact=trashed, user=user)
        tag = services.contact_tag_add(contact=live, tag_name=f"{prefix}-tag", user=user)
        field = services.custom_field_create(workspace=ws, name=f"{prefix} field", kind="text")
        reminder = services.reminder_create(contact=live, user=user, due_at=timezone.now() + timedelta(days=1),
                                            message="call")
        job = ImportJob.objects.create(workspace=ws, original_name=f"{prefix}.csv", kind="csv", encoding="utf-8",
                                       status=ImportJob.Status.DONE, finished_at=timezone.now())
        export = ContactExport.objects.create(workspace=ws, format="csv", status=ContactExport.Status.READY,
                                              expires_at=timezone.now() + timedelta(days=1))
        return {"contact": live, "other": other, "trashed": trashed, "tag": tag, "field": field,
                "reminder": reminder, "job": job, "export": export}

    return world(alice, alice_ws, "Alice"), world(charlie, charlie_ws, "Charlie")


def _value(param, name, world):
    if param == "contact_id":
        return world["trashed" if name in TRASH_ONLY else "contact"].id
    return {
        "keep_id": world["contact"].id, "other_id": world["other"].id, "tag_id": world["tag"].id,
        "field_id": world["field"].id, "reminder_id": world["reminder"].id, "job_id": world["job"].pk,
        "export_id": world["export"].pk,
    }[param]


def _cases(own, foreign):
    """(url, description) for every pattern: all ids foreign, and each id foreign alone."""
    for pattern in urlpatterns:
        assert isinstance(pattern, URLPattern)
        params = list(pattern.pattern.converters)
        if not params:
            assert pattern.name in NO_OBJECT_ID, f"classify {pattern.name}"
            continue
        for param in params:
            assert param in {"contact_id", "keep_id", "other_id", "tag_id", "field_id", "reminder_id", "job_id",
                             "export_id"}, param
        combos = {tuple(params)} | {(p,) for p in params}
        for foreign_params in combos:
            kwargs = {p: _value(p, pattern.name, foreign if p in foreign_params else own) for p in params}
            path = str(pattern.pattern)
            for p, v in kwargs.items():
                path = path.replace(f"<int:{p}>", str(v)).replace(f"<uuid:{p}>", str(v))
            yield f"/contacts/{path}", f"{pattern.name} with foreign {','.join(foreign_params)}"


def _snapshot():
    return (
        list(Contact.objects.order_by("id").values_list("id", "display_name", "deleted_at", "updated_at")),
        Note.objects.count(), Activity.objects.count(), Tag.objects.count(), CustomField.objects.count(),
        list(Reminder.objects.order_by("id").values_list("id", "done", "status")),
        list(ImportJob.objects.order_by("id").values_list("id", "status")),
    )


def test_every_contacts_url_with_another_workspaces_id_is_404_for_get_and_post(alice_client, worlds):
    own, foreign = worlds
    before = _snapshot()
    cases = list(_cases(own, foreign))
    assert len(cases) >= 20
    post_data = {"body": "x", "name": "hijacked", "due_at": "2030-01-01T10:00", "message": "x", "given_name": "X",
                 "emails-TOTAL_FORMS": "0", "emails-INITIAL_FORMS": "0", "phones-TOTAL_FORMS": "0",
                 "phones-INITIAL_FORMS": "0", "addresses-TOTAL_FORMS": "0", "addresses-INITIAL_FORMS": "0"}
    for (url, what), method in itertools.product(cases, ["get", "post"]):
        response = getattr(alice_client, method)(url, post_data if method == "post" else None)
        assert response.status_code == 404, f"{method.upper()} {url} ({what}) answered {response.status_code}"
    assert _snapshot() == before


def test_the_same_urls_work_with_own_ids(alice_client, worlds):
    own, _ = worlds
    for url, _what in _cases(own, own):
        if url.endswith(("/trash/", "/delete/", "/restore/", "/done/", "/remove/", "/notes/", "/tags/",
                         "/reminders/", "/rename/", "/undo/", "/resume/", "/download/", "/map/")):
            continue  # POST-only; their GET answers 405
        assert alice_client.get(url).status_code == 200, url


def test_bulk_actions_ignore_other_workspaces_contacts(alice_client, worlds):
    own, foreign = worlds
    ids = [own["other"].id, foreign["contact"].id, foreign["other"].id]
    alice_client.post("/contacts/bulk/", {"action": "tag", "tag_name": "mine", "ids": ids})
    alice_client.post("/contacts/bulk/", {"action": "untag", "tag_id": foreign["tag"].id, "ids": ids})
    alice_client.post("/contacts/bulk/", {"action": "trash", "ids": ids})
    foreign["contact"].refresh_from_db()
    foreign["other"].refresh_from_db()
    assert foreign["contact"].deleted_at is None and foreign["other"].deleted_at is None
    assert list(foreign["contact"].tags.values_list("name", flat=True)) == ["Charlie-tag"]
    assert not foreign["other"].tags.exists()
    own["other"].refresh_from_db()
    assert own["other"].deleted_at is not None
    assert list(own["other"].tags.values_list("name", flat=True)) == ["mine"]


def test_search_and_list_never_show_another_workspaces_contacts(alice_client, worlds):
    _, foreign = worlds
    for q in ["", "Charlie", "Charlielive", "Chralie", "charlie@example.com"]:
        response = alice_client.get("/contacts/", {"q": q})
        assert b"CharlieLive" not in response.content, q
    assert b"CharlieTrashed" not in alice_client.get("/contacts/trash/").content
    assert b"Charlie" not in alice_client.get("/contacts/duplicates/").content
    assert alice_client.get("/contacts/", {"tag": foreign["tag"].id}).status_code == 200
