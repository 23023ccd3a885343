"""The list caches each workspace's tags and custom fields (selectors.list_choices); every
change shows on the very next list request, and no workspace sees another's."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts import selectors, services
from contacts.importing import services as import_services
from contacts.models import ContactTag, ImportJob, Tag
from contacts.tasks import import_run_task
from tests.contacts.conftest import give_credits, make_contact


def _tag_options(client) -> list[str]:
    html = client.get("/contacts/").content.decode()
    select = re.search(r'<select name="tag" id="id_tag">(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', select)


def _field_options(client) -> list[str]:
    html = client.get("/contacts/").content.decode()
    found = re.search(r'<select name="custom_field" id="id_custom_field">(.*?)</select>', html, re.S)
    return re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', found.group(1)) if found else []


def test_a_warm_list_reads_no_tags_or_fields_from_the_database(alice_client, alice_ws):
    services.tag_create(workspace=alice_ws, name="vip")
    alice_client.get("/contacts/")
    with CaptureQueriesContext(connection) as ctx:
        assert alice_client.get("/contacts/").status_code == 200
    tables = " ".join(q["sql"] for q in ctx.captured_queries)
    assert 'FROM "contacts_tag"' not in tables and 'FROM "contacts_customfield"' not in tables


def test_created_renamed_and_deleted_tags_show_at_once(alice_client, alice_ws):
    assert _tag_options(alice_client) == []
    alice_client.post("/contacts/tags/", {"name": "Friends"})
    assert _tag_options(alice_client) == ["Friends"]
    tag = Tag.objects.get(workspace=alice_ws, name="Friends")
    alice_client.post(f"/contacts/tags/{tag.id}/rename/", {"name": "Family"})
    assert _tag_options(alice_client) == ["Family"]
    alice_client.post(f"/contacts/tags/{tag.id}/delete/")
    assert _tag_options(alice_client) == []


def test_a_tag_added_by_bulk_tagging_shows_at_once(alice, alice_client, alice_ws, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 1)  # the tagged contact is not on the page shown
    give_credits(alice_ws, 2)
    make_contact(alice, given_name="Aaron", family_name="Aardvark")
    contact = make_contact(alice, given_name="Zed", family_name="Zulu")
    assert _tag_options(alice_client) == []
    alice_client.post("/contacts/bulk/", {"ids": [contact.id], "action": "tag", "tag_name": "Leads"})
    assert _tag_options(alice_client) == ["Leads"]


def test_created_and_deleted_custom_fields_show_at_once(alice_client, alice_ws):
    assert _field_options(alice_client) == []
    field = services.custom_field_create(workspace=alice_ws, name="Region", kind="text")
    assert _field_options(alice_client) == ["Region"]
    services.custom_field_delete(field=field)
    assert _field_options(alice_client) == []


def test_tags_written_without_signals_still_show_on_rows_and_filter(alice, alice_client, alice_ws):
    """An import inserts tags in bulk (no post_save): rows naming an unknown tag, or a
    filter by it, reload the cached list."""
    give_credits(alice_ws, 1)
    contact = make_contact(alice, given_name="Bulk", family_name="Tagged")
    alice_client.get("/contacts/")  # cache warm, without the tag
    (tag,) = Tag.objects.bulk_create([Tag(workspace=alice_ws, name="Silent")])
    ContactTag.objects.create(workspace=alice_ws, contact=contact, tag=tag)
    html = alice_client.get("/contacts/").content.decode()
    assert '<span class="tag">Silent</span>' in html
    assert _tag_options(alice_client) == ["Silent"]
    # and a filter by a tag the cache has never seen
    (other,) = Tag.objects.bulk_create([Tag(workspace=alice_ws, name="Quiet")])
    ContactTag.objects.create(workspace=alice_ws, contact=contact, tag=other)
    html = alice_client.get("/contacts/", {"tag": other.id}).content.decode()
    assert html.count('name="ids"') == 1 and f'<option value="{other.id}" selected>Quiet</option>' in html


def test_an_import_that_creates_tags_shows_them_after_it_runs(alice, alice_client, alice_ws, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 1)  # the imported contact is not on the page shown
    give_credits(alice_ws, 10)
    make_contact(alice, given_name="Aaron", family_name="Aardvark")
    assert _tag_options(alice_client) == []
    job = import_services.import_upload(workspace=alice_ws, user=alice, uploaded=SimpleUploadedFile(
        "tags.csv", b"Name,Email,Tags\nPer Son,per@example.com,Imported\n"))
    ImportJob.objects.filter(pk=job.pk, status="uploaded").update(status="queued")
    import_run_task.apply(args=[str(job.pk)])
    assert ImportJob.objects.get(pk=job.pk).created_count == 1
    assert _tag_options(alice_client) == ["Imported"]


def test_each_workspace_sees_only_its_own_tags(alice_client, charlie_client, alice_ws, charlie):
    from accounts.selectors import workspace_for_user

    services.tag_create(workspace=alice_ws, name="Alice only")
    services.tag_create(workspace=workspace_for_user(user=charlie), name="Charlie only")
    assert _tag_options(alice_client) == ["Alice only"]
    assert _tag_options(charlie_client) == ["Charlie only"]
    assert _tag_options(alice_client) == ["Alice only"]
    # Another workspace's tag id in the URL reloads (still scoped) and filters nothing in.
    foreign = Tag.objects.get(name="Charlie only")
    response = alice_client.get("/contacts/", {"tag": foreign.id})
    assert response.status_code == 200 and b"Charlie only" not in response.content


@pytest.mark.django_db
def test_invalidation_moves_readers_to_a_new_key(alice_ws):
    tags, _ = selectors.list_choices(workspace=alice_ws)
    assert tags == []
    Tag.objects.bulk_create([Tag(workspace=alice_ws, name="x")])  # no signal: still cached
    assert selectors.list_choices(workspace=alice_ws)[0] == []
    selectors.invalidate_list_choices(alice_ws.id)
    assert [t.name for t in selectors.list_choices(workspace=alice_ws)[0]] == ["x"]
