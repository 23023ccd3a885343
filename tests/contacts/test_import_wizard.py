"""The import wizard through HTTP: hostile and broken files get clear messages, never a 500."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contacts.models import Contact, ImportJob


def post_file(client, name, content):
    return client.post("/contacts/import/", {"file": SimpleUploadedFile(name, content)})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.csv", b"", "The submitted file is empty"),
        ("blank.csv", b"\r\n\r\n", "The file is empty"),
        ("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "binary file"),
        ("sheet.csv", b"PK\x03\x04" + bytes(200), "Save it as CSV"),
        ("nulls.csv", b"Name,Email\x00\x00\x00\xff\xfe\x00\x01", "binary data"),
        ("header-only.csv", b"Name,Email\n", "no contacts under it"),
        ("cards.vcf", b"Name,Email\nAda,ada@example.com\n", "no contact cards"),
    ],
)
def test_unusable_files_are_refused_with_a_clear_message(alice_client, name, content, message):
    response = post_file(alice_client, name, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ImportJob.objects.count() == 0


@pytest.mark.django_db
def test_too_big_and_too_many_rows(alice_client, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = post_file(alice_client, "big.csv", b"Name\n" + b"x" * 200)
    assert response.status_code == 400 and "files up to" in response.content.decode()
    settings.IMPORT_MAX_BYTES = 10_000
    settings.IMPORT_MAX_ROWS = 3
    response = post_file(alice_client, "rows.csv", b"Name\na\nb\nc\nd\n")
    assert "more than 3 rows" in response.content.decode()


@pytest.mark.django_db
def test_ragged_rows_quotes_across_lines_and_formulas_are_previewed_not_crashed(alice_client):
    content = (
        b'First Name,Last Name,Email,Notes\n'
        b'Ada,Lovelace,ada@example.com,"first line\nsecond line"\n'
        b'Bob,Ragged,bob@example.com,note,EXTRA,MORE\n'
        b'"=HYPERLINK(""http://evil.example"",""x"")",Formula,eve@example.com,\n'
    )
    response = post_file(alice_client, "odd.csv", content)
    job = ImportJob.objects.get()
    assert response["Location"] == f"/contacts/import/{job.pk}/map/"
    page = alice_client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "more cells than the header" in html  # the ragged row is flagged
    assert "=HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;)" in html  # shown as text, escaped
    assert "2</strong> new contact" in html and "1</strong> row with problems" in html


@pytest.mark.django_db
def test_a_wrong_encoding_choice_is_explained_and_the_guess_can_be_corrected(alice_client):
    latin1 = "Name,City\nJürgen,München\n".encode("latin-1")
    post_file(alice_client, "de.csv", latin1)
    job = ImportJob.objects.get()
    assert job.encoding in {"cp1252", "latin-1"}
    data = {"encoding": "utf-8", "delimiter": ",", "duplicate_policy": "skip", "default_region": "",
            "col_0": "display_name", "col_1": "city", "action": "preview"}
    response = alice_client.post(f"/contacts/import/{job.pk}/map/", data)
    assert response.status_code == 400
    assert "not valid utf-8" in response.content.decode()
    data["encoding"] = "latin-1"
    response = alice_client.post(f"/contacts/import/{job.pk}/map/", data)
    assert response.status_code == 302
    assert "Jürgen" in alice_client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_no_mapped_column_is_refused(alice_client):
    post_file(alice_client, "x.csv", b"Foo,Bar\n1,2\n")
    job = ImportJob.objects.get()
    assert job.mapping == ["", ""]
    response = alice_client.post(f"/contacts/import/{job.pk}/map/", {
        "encoding": "utf-8", "delimiter": ",", "duplicate_policy": "skip", "col_0": "", "col_1": "",
        "action": "start"})
    assert response.status_code == 400
    assert "Choose at least one column" in response.content.decode()
    assert ImportJob.objects.get().status == "uploaded"


@pytest.mark.django_db
def test_the_whole_wizard_over_http(alice_client, django_capture_on_commit_callbacks):
    content = "Nom,Courriel,Téléphone\nAda,ada@example.com,+33 6 12 34 56 78\n".encode()
    post_file(alice_client, "people.csv", content)
    job = ImportJob.objects.get()
    assert job.mapping == ["display_name", "email", "phone"]
    page = alice_client.get(f"/contacts/import/{job.pk}/map/").content.decode()
    assert "Cost: <strong>1 credit</strong>" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/contacts/import/{job.pk}/map/", {
            "encoding": "utf-8", "delimiter": ",", "duplicate_policy": "skip", "default_region": "",
            "col_0": "display_name", "col_1": "email", "col_2": "phone", "action": "start"})
    assert response["Location"] == f"/contacts/import/{job.pk}/"
    assert str(Contact.objects.get().phones.get().number) == "+33612345678"
    detail = alice_client.get(response["Location"]).content.decode()
    assert "100%" in detail and "1 created" in detail
