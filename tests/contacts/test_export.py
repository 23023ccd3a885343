"""Exports: what they hold, escaping, round trips, and who can reach them."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.selectors import workspace_for_user
from contacts import services as contact_services
from contacts.exporting import services as export_services
from contacts.exporting.scope import contacts_for_query
from contacts.importing import services as import_services
from contacts.models import Contact, ContactExport, CustomField, ImportJob
from credits import services as credit_services
from credits.models import LedgerEntry


@pytest.fixture
def ws(alice):
    workspace = workspace_for_user(user=alice)
    credit_services.grant(workspace=workspace, amount=1000, kind=LedgerEntry.Kind.PURCHASE, idempotency_key="x")
    return workspace


def make_contact(ws, user, key, **fields):
    emails = fields.pop("emails", [])
    phones = fields.pop("phones", [])
    addresses = fields.pop("addresses", [])
    tags = fields.pop("tags", [])
    custom = fields.pop("custom", {})
    contact = contact_services.contact_create(
        workspace=ws, user=user, fields=fields, idempotency_key=key, custom_values=custom,
        emails=[{"value": e, "label": "work"} for e in emails],
        phones=[{"number": p, "label": "mobile"} for p in phones],
        addresses=addresses,
    )
    for tag in tags:
        contact_services.contact_tag_add(contact=contact, tag_name=tag, user=user)
    return contact


@pytest.fixture
def people(ws, alice):
    vip = contact_services.custom_field_create(workspace=ws, name="Customer since", kind="date")
    spend = contact_services.custom_field_create(workspace=ws, name="Yearly spend", kind="number")
    return [
        make_contact(ws, alice, "a", given_name="Ada", family_name="Lovelace", company="Analytical, Ltd",
                     job_title="Engineer", emails=["ada@example.com", "ada.l@example.org"],
                     phones=["+442079460958", "+447911123456"], tags=["VIP", "London"],
                     birthday=datetime.date(1815, 12, 10), website="https://ada.example.com",
                     notes_summary="Line one\nLine two; with, punctuation",
                     addresses=[{"label": "work", "street": "12 St James's Square", "city": "London",
                                 "postal_code": "SW1Y 4JH", "country": "United Kingdom"},
                                {"label": "home", "street": "1 Ockham Rd", "city": "Ockham", "country": "UK"}],
                     custom={vip.key: datetime.date(2020, 1, 2), spend.key: 1200}),
        make_contact(ws, alice, "b", display_name='=HYPERLINK("http://evil.example","click")',
                     emails=["mallory@example.net"], notes_summary="@SUM(A1:A2)"),
        make_contact(ws, alice, "c", given_name="Zoë", family_name="Ørsted", phones=["+4520123456"]),
    ]


def export_text(ws, fmt, query=None):
    contacts = contacts_for_query(workspace=ws, query=query or {})
    generator = export_services.FORMATS[fmt][0]
    return b"".join(generator(workspace=ws, contacts=contacts)).decode("utf-8")


def snapshot(workspace):
    """Everything a round trip must keep, independent of ids and order."""
    fields = {f.name: f.key for f in CustomField.objects.filter(workspace=workspace)}
    result = []
    for c in Contact.objects.filter(workspace=workspace, deleted_at__isnull=True).order_by("display_name"):
        custom = {name: str(c.custom_values.get(key)) for name, key in fields.items() if key in c.custom_values}
        result.append({
            "name": (c.given_name, c.family_name, c.display_name), "company": c.company, "title": c.job_title,
            "birthday": c.birthday, "website": c.website, "notes": c.notes_summary,
            "emails": sorted(c.emails.values_list("value_normalised", flat=True)),
            "phones": sorted(str(p) for p in c.phones.values_list("number", flat=True)),
            "addresses": sorted(c.addresses.values_list("street", "city", "region", "postal_code", "country")),
            "tags": sorted(c.tags.values_list("name", flat=True)), "custom": custom,
        })
    return result


@pytest.mark.django_db
def test_csv_export_holds_every_field_and_escapes_formulas(ws, people):
    text = export_text(ws, "csv")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 3
    ada = next(r for r in rows if r["First Name"] == "Ada")
    assert ada["Emails"] == "ada@example.com ::: ada.l@example.org"
    assert ada["Phones"] == "'+442079460958 ::: +447911123456"  # starts with + : escaped
    assert ada["Company"] == "Analytical, Ltd" and ada["Tags"] == "London ::: VIP"
    assert ada["Address 1 - City"] == "London" and ada["Address 2 - City"] == "Ockham"
    assert ada["Customer since"] == "2020-01-02" and ada["Yearly spend"] == "1200"
    evil = next(r for r in rows if "HYPERLINK" in r["Full Name"])
    assert evil["Full Name"].startswith("'=") and evil["Notes"] == "'@SUM(A1:A2)"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "vcf"])
def test_export_then_import_gives_the_same_contacts(fmt, ws, people, charlie):
    text = export_text(ws, fmt)
    other = workspace_for_user(user=charlie)
    for field in CustomField.objects.filter(workspace=ws):
        contact_services.custom_field_create(workspace=other, name=field.name, kind=field.kind)
    credit_services.grant(workspace=other, amount=100, kind=LedgerEntry.Kind.PURCHASE, idempotency_key="x")
    job = import_services.import_upload(workspace=other, user=charlie,
                                        uploaded=SimpleUploadedFile(f"export.{fmt}", text.encode()))
    ImportJob.objects.filter(pk=job.pk).update(status="queued")
    job = import_services.import_run(job_id=job.pk)
    assert (job.created_count, job.failed_count) == (3, 0), list(job.failures.values_list("reason", flat=True))
    assert snapshot(other) == snapshot(ws)


@pytest.mark.django_db
def test_vcard_export_is_vcard_4(ws, people):
    text = export_text(ws, "vcf")
    assert text.count("BEGIN:VCARD\r\n") == 3 and "VERSION:4.0\r\n" in text
    assert "TEL;VALUE=uri;TYPE=cell:tel:+442079460958" in text
    assert "ORG:Analytical\\, Ltd" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


@pytest.mark.django_db
def test_exports_follow_the_filter_or_the_selection(ws, people, alice_client):
    ada, mallory, zoe = people
    vip = ada.tags.get(name="VIP")
    assert list(contacts_for_query(workspace=ws, query={"tag": [str(vip.id)]})) == [ada]
    assert set(contacts_for_query(workspace=ws, query={"ids": [str(zoe.id), str(mallory.id)]})) == {zoe, mallory}
    response = alice_client.get(f"/contacts/export/?tag={vip.id}&format=csv&download=1")
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content).decode()
    assert "Lovelace" in body and "Ørsted" not in body
    assert 'filename="essence-contacts-' in response["Content-Disposition"]


@pytest.mark.django_db
def test_another_workspace_gets_nothing_and_404s(ws, people, charlie_client, charlie):
    other_ws = workspace_for_user(user=charlie)
    response = charlie_client.get(f"/contacts/export/?ids={people[0].id}&format=csv&download=1")
    assert "Lovelace" not in b"".join(response.streaming_content).decode()
    export = ContactExport.objects.create(workspace=ws, format="csv", total=3)
    job = ImportJob.objects.create(workspace=ws, original_name="x.csv", kind="csv", encoding="utf-8")
    for url in [f"/contacts/export/{export.pk}/", f"/contacts/export/{export.pk}/download/",
                f"/contacts/import/{job.pk}/", f"/contacts/import/{job.pk}/map/",
                f"/contacts/import/{job.pk}/failed-rows.csv"]:
        assert charlie_client.get(url).status_code == 404, url
    for url in [f"/contacts/import/{job.pk}/undo/", f"/contacts/import/{job.pk}/resume/",
                f"/contacts/import/{job.pk}/map/"]:
        assert charlie_client.post(url).status_code == 404, url
    assert other_ws != ws


@pytest.mark.django_db
def test_background_export_writes_a_file_and_emails_a_login_only_link(
    ws, people, alice_client, charlie_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/contacts/export/", {"format": "vcf"})
    export = ContactExport.objects.get()
    assert response["Location"] == f"/contacts/export/{export.pk}/"
    assert (export.status, export.done, export.total) == ("ready", 3, 3)
    assert len(mailoutbox) == 1 and f"/contacts/export/{export.pk}/download/" in mailoutbox[0].body
    download = alice_client.get(f"/contacts/export/{export.pk}/download/")
    assert download.status_code == 200
    assert b"BEGIN:VCARD" in b"".join(download.streaming_content)
    assert charlie_client.get(f"/contacts/export/{export.pk}/download/").status_code == 404
    ContactExport.objects.filter(pk=export.pk).update(expires_at=export.finished_at - datetime.timedelta(days=1))
    assert alice_client.get(f"/contacts/export/{export.pk}/download/").status_code == 404


@pytest.mark.django_db
def test_selected_rows_of_the_list_can_be_exported(ws, people, alice_client):
    ada, mallory, zoe = people
    response = alice_client.post("/contacts/bulk/", {"action": "export", "ids": [ada.id, zoe.id]})
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/export/?ids={ada.id}&ids={zoe.id}"
    page = alice_client.get(response["Location"]).content.decode()
    assert "<strong>2</strong> contacts" in page


@pytest.mark.django_db
def test_csv_export_lists_the_primary_value_first_and_tags_by_name_for_every_contact(ws, alice):
    """Values are ordered before they are aggregated (exporting/services.py): whatever the
    plan, each contact's primary email and phone lead, then the rest in the order added."""
    from contacts.models import ContactEmail, ContactPhone

    expected = {}
    for n in range(60):
        contact = make_contact(ws, alice, f"order-{n}", given_name=f"Person {n:02d}",
                               emails=[f"p{n}.a@example.com", f"p{n}.b@example.com", f"p{n}.c@example.com"],
                               phones=["+442079460958", "+447911123456"], tags=["Zulu", "alpha", "Mike"])
        # The last email and the last phone become primary (the highest ids, not the first).
        ContactEmail.objects.filter(contact=contact).update(is_primary=False)
        ContactEmail.objects.filter(contact=contact, value=f"p{n}.c@example.com").update(is_primary=True)
        ContactPhone.objects.filter(contact=contact).update(is_primary=False)
        ContactPhone.objects.filter(contact=contact, number="+447911123456").update(is_primary=True)
        expected[f"Person {n:02d}"] = f"p{n}.c@example.com ::: p{n}.a@example.com ::: p{n}.b@example.com"
    rows = list(csv.DictReader(io.StringIO(export_text(ws, "csv").lstrip("\ufeff"))))
    assert [r["Full Name"] for r in rows] == sorted(expected)
    for row in rows:
        assert row["Emails"] == expected[row["Full Name"]]
        assert row["Phones"] == "'+447911123456 ::: +442079460958"
        assert row["Tags"] == "alpha ::: Mike ::: Zulu"


@pytest.mark.django_db
def test_csv_export_escapes_cells_exactly_as_escape_cell_does(ws, alice):
    # The CSV is written by PostgreSQL; its rule must be the Python one (escape_cell), cell
    # by cell: each formula start is escaped, other text (and a formula sign later on) is not.
    from contacts.importing.spreadsheet import escape_cell

    companies = ["=1+1", "+1 555", "-5", "@SUM(A1)", "\tTab", "\rCR", "Plain", "a=b", "", "ÅB", "'quoted"]
    for i, company in enumerate(companies):
        contact = make_contact(ws, alice, f"esc{i}", given_name=f"P{i:02d}")
        # Stored as is (the forms strip surrounding blanks; older or imported data may not).
        Contact.objects.filter(pk=contact.pk).update(company=company)
    rows = list(csv.DictReader(io.StringIO(export_text(ws, "csv").lstrip("\ufeff"))))
    got = {r["First Name"]: r["Company"] for r in rows}
    assert got == {f"P{i:02d}": escape_cell(company) for i, company in enumerate(companies)}
    assert got["P00"] == "'=1+1" and got["P06"] == "Plain"


def test_csv_stream_passes_rows_on_in_large_chunks_with_progress():
    # COPY yields one row at a time: the stream hands them on whole, in ~64 KB chunks, and
    # reports progress per chunk (a background export writes its progress to the database).
    rows = [f"row {i:05d},{'x' * 90}\n".encode() for i in range(5000)]
    seen = []
    chunks = list(export_services._with_progress(iter(rows), seen.append))
    assert b"".join(chunks) == b"".join(rows)
    assert all(len(c) >= export_services.STREAM_CHUNK for c in chunks[:-1])
    assert 0 < len(chunks[-1]) <= export_services.STREAM_CHUNK + 100
    assert len(seen) == len(chunks) and seen == sorted(seen) and seen[-1] == 5000
    assert list(export_services._with_progress(iter([]), seen.append)) == []
