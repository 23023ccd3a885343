"""The import's reading layer on the files people really bring."""

from pathlib import Path

import pytest

from contacts.importing.decoding import decode_upload
from contacts.importing.errors import ImportFileError
from contacts.importing.mapping import suggest_mapping
from contacts.importing.rows import draft_from_cells, draft_from_vcard
from contacts.importing.spreadsheet import escape_cell, unescape_cell
from contacts.importing.tables import iter_rows, iter_vcards, looks_like_vcard, read_table

FIXTURES = Path(__file__).parent / "fixtures"


def csv_drafts(name, default_region=None):
    decoded = decode_upload((FIXTURES / name).read_bytes())
    table = read_table(decoded.text, max_rows=1000)
    mapping = suggest_mapping(table.headers)
    rows = iter_rows(decoded.text, delimiter=table.delimiter, width=len(table.headers))
    return decoded, table, mapping, [draft_from_cells(row, mapping, default_region=default_region) for row in rows]


def test_google_contacts_export_maps_itself():
    decoded, table, mapping, drafts = csv_drafts("google_contacts.csv")
    assert decoded.encoding == "utf-8" and table.delimiter == ","
    chosen = {header: field for header, field in zip(table.headers, mapping, strict=True) if field}
    assert chosen["First Name"] == "given_name" and chosen["Last Name"] == "family_name"
    assert chosen["E-mail 1 - Value"] == chosen["E-mail 2 - Value"] == "email"
    assert "E-mail 1 - Label" not in chosen and "Phone 1 - Label" not in chosen
    assert chosen["Organization Name"] == "company" and chosen["Organization Title"] == "job_title"
    ana, tom = drafts
    assert ana.valid, ana.errors
    assert (ana.given_name, ana.family_name) == ("Ana", "García")
    assert (ana.company, ana.job_title) == ("Estudio Norte", "Architect")
    assert [e for _, e in ana.emails] == ["ana@estudionorte.es", "ana.garcia@gmail.com"]
    assert [p for _, p in ana.phones] == ["+34612345678", "+34911234567"]
    assert ana.addresses[0]["city"] == "Madrid" and ana.addresses[0]["postal_code"] == "28013"
    assert ana.tags == ["Clients"]  # Google's "* myContacts" system label is not a tag
    assert ana.birthday.isoformat() == "1988-04-12"
    assert "Prefers email." in ana.notes  # a quoted field spanning lines
    assert ana.website == "https://estudionorte.es"
    assert [p for _, p in tom.phones] == ["+4915123456789", "+49301234567"]  # " ::: " joins values


def test_outlook_utf16_export():
    decoded, table, mapping, drafts = csv_drafts("outlook_utf16.csv")
    assert decoded.encoding.startswith("utf-16")
    chosen = dict(zip(table.headers, mapping, strict=True))
    assert chosen["E-mail Address"] == chosen["E-mail 2 Address"] == "email"
    assert chosen["E-mail Display Name"] == ""
    assert chosen["Mobile Phone"] == chosen["Business Phone"] == "phone"
    (jane,) = drafts
    assert jane.valid, jane.errors
    assert jane.family_name == "O'Neil" and jane.company == "Contoso Ltd"
    assert [e for _, e in jane.emails] == ["jane@contoso.com", "jane.personal@example.com"]
    assert [p for _, p in jane.phones] == ["+16175550100", "+16175550199"]
    assert jane.tags == ["VIP", "Board"]
    assert jane.addresses[0]["region"] == "MA"


def test_latin1_semicolon_file_in_german_column_order():
    decoded, table, mapping, drafts = csv_drafts("german_latin1_semicolon.csv")
    assert table.delimiter == ";"
    assert decoded.encoding in {"cp1252", "latin-1", "iso8859-15"}
    assert mapping == ["family_name", "given_name", "company", "email", "phone", "street", "postal_code", "city"]
    muller, schon = drafts
    assert (muller.given_name, muller.family_name, muller.company) == ("Jürgen", "Müller", "Bäckerei Müller")
    assert muller.addresses[0]["street"] == "Hauptstraße 5" and muller.addresses[0]["city"] == "München"
    assert schon.given_name == "Renée"
    assert not schon.valid
    assert schon.errors == ["“nicht-eine-mail” is not a valid email address."]


def test_the_user_can_override_the_encoding():
    raw = (FIXTURES / "german_latin1_semicolon.csv").read_bytes()
    assert "Müller" in decode_upload(raw, encoding="latin-1").text
    with pytest.raises(ImportFileError, match="not valid utf-8"):
        decode_upload(raw, encoding="utf-8")


def test_utf8_with_bom_and_tabs():
    raw = "\ufeffName\tEmail\nZoë Ash\tzoe@example.com\n".encode("utf-8-sig")
    decoded = decode_upload(raw)
    table = read_table(decoded.text, max_rows=10)
    assert table.headers == ["Name", "Email"] and table.delimiter == "\t"
    assert suggest_mapping(table.headers) == ["display_name", "email"]


def test_iphone_vcards():
    text = decode_upload((FIXTURES / "iphone.vcf").read_bytes()).text
    assert looks_like_vcard(text)
    hiro, chidi = [draft_from_vcard(record, default_region=None) for record in iter_vcards(text)]
    assert hiro.valid, hiro.errors
    assert (hiro.given_name, hiro.family_name, hiro.display_name) == ("Hiro", "Nakamura", "Hiro Nakamura")
    assert hiro.company == "Kawa Design" and hiro.job_title == "Founder"
    assert [e for _, e in hiro.emails] == ["hiro@kawa.jp", "hiro.n@example.com"]
    assert hiro.phones == [("mobile", "+819012345678")]
    assert hiro.addresses[0]["city"] == "Tokyo" and hiro.addresses[0]["country"] == "Japan"
    assert hiro.tags == ["Clients", "Japan"]
    assert hiro.notes == "Met at WWDC.\nLikes tea."
    assert hiro.birthday.isoformat() == "1990-07-21"
    assert chidi.phones == [("work", "+2348031234567")]


def test_android_vcards_21_and_40():
    text = decode_upload((FIXTURES / "android.vcf").read_bytes()).text
    ayse, lena = [draft_from_vcard(record, default_region=None) for record in iter_vcards(text)]
    assert (ayse.given_name, ayse.family_name, ayse.display_name) == ("Ayşe", "Öztürk", "Ayşe Öztürk")
    assert ayse.phones == [("mobile", "+905321234567"), ("home", "+902121234567")]
    assert lena.phones == [("mobile", "+48601234567")]
    assert lena.birthday is None  # --MM-DD: no year


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"", "empty"),
        (b"   \r\n", "empty"),
        (b"PK\x03\x04\x14\x00\x06\x00", "binary file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
        (b"Name,Email\x00\x01\x02\x00garbage\x00", "binary data"),
    ],
)
def test_unreadable_files_are_refused_clearly(raw, message):
    with pytest.raises(ImportFileError, match=message):
        decode_upload(raw)


def test_header_only_and_row_limit():
    with pytest.raises(ImportFileError, match="no contacts under it"):
        read_table("Name,Email\n", max_rows=10)
    with pytest.raises(ImportFileError, match="more than 2 rows"):
        read_table("Name\na\nb\nc\n", max_rows=2)


def test_ragged_rows_are_flagged_not_fatal():
    text = "Name,Email\nAda,ada@example.com,EXTRA\nBo\n"
    table = read_table(text, max_rows=10)
    rows = list(iter_rows(text, delimiter=",", width=len(table.headers)))
    drafts = [draft_from_cells(row, ["display_name", "email"], default_region=None) for row in rows]
    assert "more cells than the header" in drafts[0].errors[0]
    assert drafts[1].valid and drafts[1].display_name == "Bo"


def test_formula_like_cells_are_kept_as_text_and_escaped_on_export():
    text = 'Name,Notes\n"=HYPERLINK(""http://evil.example"",""click"")",hello\n'
    rows = list(iter_rows(text, delimiter=",", width=2))
    draft = draft_from_cells(rows[0], ["display_name", "notes"], default_region=None)
    assert draft.display_name == '=HYPERLINK("http://evil.example","click")'
    assert escape_cell(draft.display_name).startswith("'=")
    for dangerous in ("=1+1", "+44 20", "-2", "@SUM(A1)"):
        assert escape_cell(dangerous) == "'" + dangerous
        assert unescape_cell(escape_cell(dangerous)) == dangerous
    assert escape_cell("Ada") == "Ada"


def test_phone_numbers_without_country_code_need_a_region():
    rows = list(iter_rows("Name,Phone\nAl,020 7946 0958\n", delimiter=",", width=2))
    assert not draft_from_cells(rows[0], ["display_name", "phone"], default_region=None).valid
    draft = draft_from_cells(rows[0], ["display_name", "phone"], default_region="GB")
    assert draft.phones == [("other", "+442079460958")]
