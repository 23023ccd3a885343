"""Read uploaded CSV text into a header and rows, and vCard text into records.

CSV: the delimiter is sniffed among the ones spreadsheets use (comma,
semicolon — Excel in most of Europe —, tab, pipe); quoted fields may span
lines; rows shorter or longer than the header ("ragged") are padded or
flagged rather than rejected. vCard: 2.1, 3.0 and 4.0 through vobject;
photos and other binary properties are ignored.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import vobject

from contacts.importing.errors import ImportFileError

DELIMITERS = {",": "Comma", ";": "Semicolon", "\t": "Tab", "|": "Pipe"}

csv.field_size_limit(1_000_000)


@dataclass
class Table:
    headers: list[str]
    delimiter: str
    row_count: int


def sniff_delimiter(text: str) -> str:
    sample = text[:64_000]
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        pass
    first_line = sample.splitlines()[0] if sample else ""
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_table(text: str, *, delimiter: str | None = None, max_rows: int) -> Table:
    """Check the CSV as a whole (header, size) without keeping its rows."""
    delimiter = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
    except StopIteration:
        raise ImportFileError("The file is empty.") from None
    except csv.Error as exc:
        raise ImportFileError(f"The first line cannot be read as CSV: {exc}.") from exc
    headers = [header.strip().lstrip("\ufeff") for header in headers]
    if not any(headers):
        raise ImportFileError("The first line should name the columns (for example: Name, Email, Phone).")
    row_count = 0
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                row_count += 1
                if row_count > max_rows:
                    raise ImportFileError(
                        f"The file has more than {max_rows:,} rows. Split it into smaller files and import each."
                    )
    except csv.Error as exc:
        raise ImportFileError(f"Line {reader.line_num} cannot be read as CSV: {exc}.") from exc
    if row_count == 0:
        raise ImportFileError("The file has a header line but no contacts under it.")
    return Table(headers=headers, delimiter=delimiter, row_count=row_count)


@dataclass
class SourceRow:
    number: int  # 1-based data row number, as the user sees it in a spreadsheet minus the header
    cells: list[str]
    ragged: bool = False


def iter_rows(text: str, *, delimiter: str, width: int) -> Iterator[SourceRow]:
    """Data rows (blank lines skipped), each padded to the header's width."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(reader, None)
    number = 0
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        number += 1
        ragged = len(row) != width
        if len(row) < width:
            row = row + [""] * (width - len(row))
        yield SourceRow(number=number, cells=row, ragged=ragged and any(c.strip() for c in row[width:]))


# --- vCard -------------------------------------------------------------------

@dataclass
class VCardRecord:
    number: int
    given_name: str = ""
    family_name: str = ""
    display_name: str = ""
    company: str = ""
    job_title: str = ""
    birthday: str = ""
    website: str = ""
    notes: str = ""
    emails: list[tuple[str, str]] = field(default_factory=list)
    phones: list[tuple[str, str]] = field(default_factory=list)
    addresses: list[dict] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    custom: dict[str, str] = field(default_factory=dict)  # Essence custom fields, by field name


_VCARD_BEGIN = re.compile(r"^BEGIN:VCARD\s*$", re.IGNORECASE | re.MULTILINE)


def looks_like_vcard(text: str) -> bool:
    return bool(_VCARD_BEGIN.search(text[:10_000]))


def count_vcards(text: str, *, max_rows: int) -> int:
    count = len(_VCARD_BEGIN.findall(text))
    if count == 0:
        raise ImportFileError("No contact cards (BEGIN:VCARD) were found in this file.")
    if count > max_rows:
        raise ImportFileError(f"The file has more than {max_rows:,} contacts. Split it into smaller files.")
    return count


def iter_vcards(text: str) -> Iterator[VCardRecord | ImportFileError]:
    """Each card as a record; a card that cannot be parsed yields an error for that card only."""
    # Split on BEGIN:VCARD so one broken card doesn't stop the rest.
    chunks = re.split(r"(?im)^(?=BEGIN:VCARD\s*$)", text)
    number = 0
    for chunk in chunks:
        if not chunk.strip() or not _VCARD_BEGIN.match(chunk.lstrip()):
            continue
        number += 1
        try:
            card = vobject.readOne(_unfold_quoted_printable(chunk), ignoreUnreadable=True)
            yield _record_from_card(card, number)
        except Exception as exc:  # vobject raises many kinds of parse errors
            error = ImportFileError(f"Contact card {number} cannot be read: {exc}")
            error.number = number
            yield error


def _unfold_quoted_printable(chunk: str) -> str:
    # vCard 2.1 (old Android/Nokia) soft line breaks: "=\r\n" continues the value.
    return re.sub(r"=\r?\n", "", chunk) if "QUOTED-PRINTABLE" in chunk.upper() else chunk


def _decode_qp(prop) -> str:
    value = prop.value
    params = {k.upper(): v for k, v in prop.params.items()}
    if isinstance(value, str) and "QUOTED-PRINTABLE" in [v.upper() for v in params.get("ENCODING", [])]:
        import quopri

        charset = (params.get("CHARSET") or ["utf-8"])[0]
        return quopri.decodestring(value.encode("latin-1", "replace")).decode(charset, "replace")
    return value if isinstance(value, str) else str(value)


def _label(prop) -> str:
    types = []
    # vCard 3/4: TYPE=cell,voice; vCard 2.1 (older Android): bare parameters like TEL;CELL.
    for value in [*prop.params.get("TYPE", []), *getattr(prop, "singletonparams", [])]:
        types.extend(part.strip().strip('"').lower() for part in str(value).split(","))
    for candidate in ("cell", "mobile", "work", "home", "main", "fax", "other"):
        if candidate in types:
            return "mobile" if candidate == "cell" else candidate
    return "other"


def _record_from_card(card, number: int) -> VCardRecord:
    record = VCardRecord(number=number)
    contents = card.contents
    if "n" in contents:
        name = contents["n"][0].value
        record.given_name = " ".join(filter(None, [_as_text(name.given), _as_text(name.additional)])).strip()
        record.family_name = _as_text(name.family)
    if "fn" in contents:
        record.display_name = _decode_qp(contents["fn"][0]).strip()
    if "org" in contents:
        org = contents["org"][0].value
        record.company = (org[0] if isinstance(org, list) and org else str(org)).strip()
    if "title" in contents:
        record.job_title = _decode_qp(contents["title"][0]).strip()
    if "bday" in contents:
        record.birthday = str(contents["bday"][0].value).strip()
    if "url" in contents:
        record.website = str(contents["url"][0].value).strip()
    if "note" in contents:
        record.notes = "\n".join(_decode_qp(note) for note in contents["note"]).strip()
    for prop in contents.get("email", []):
        value = str(prop.value).strip()
        if value:
            record.emails.append((_label(prop), value))
    for prop in contents.get("tel", []):
        value = str(prop.value).strip()
        if value.lower().startswith("tel:"):
            value = value[4:]
        if value:
            record.phones.append((_label(prop), value))
    for prop in contents.get("adr", []):
        adr = prop.value
        address = {
            "label": _label(prop),
            "street": " ".join(filter(None, [_as_text(adr.box), _as_text(adr.extended), _as_text(adr.street)])),
            "city": _as_text(adr.city),
            "region": _as_text(adr.region),
            "postal_code": _as_text(adr.code),
            "country": _as_text(adr.country),
        }
        if any(value for key, value in address.items() if key != "label"):
            record.addresses.append(address)
    for prop in contents.get("x-essence-field", []):
        name = (prop.params.get("X-NAME") or [""])[0].strip()
        if name:
            record.custom[name] = _decode_qp(prop).strip()
    for prop in contents.get("categories", []):
        values = prop.value if isinstance(prop.value, list) else str(prop.value).split(",")
        record.tags.extend(tag.strip() for tag in values if tag.strip())
    return record


def _as_text(value) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value if v).strip()
    return str(value or "").strip()
