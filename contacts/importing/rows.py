"""Turn one source row (CSV cells under a mapping, or a vCard) into a validated draft contact."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from contacts import search
from contacts.importing.tables import SourceRow, VCardRecord

# Google joins several values in one cell with " ::: "; people use commas and semicolons.
_MULTI_SPLIT = re.compile(r"\s*(?::::|;|,|\n)\s*")
_TAG_SPLIT = re.compile(r"\s*(?::::|;|,|\n)\s*")
_ADDRESS_PARTS = ("street", "city", "region", "postal_code", "country")
_MAX = {"given_name": 100, "middle_name": 100, "family_name": 100, "display_name": 200, "company": 200,
        "job_title": 200, "website": 500, "street": 300, "city": 100, "region": 100, "postal_code": 30,
        "country": 100, "notes": 10_000}


@dataclass
class Draft:
    row_number: int
    given_name: str = ""
    family_name: str = ""
    display_name: str = ""
    company: str = ""
    job_title: str = ""
    birthday: datetime.date | None = None
    website: str = ""
    notes: str = ""
    emails: list[tuple[str, str]] = field(default_factory=list)  # (label, address as typed)
    phones: list[tuple[str, str]] = field(default_factory=list)  # (label, E.164)
    phone_display: str = ""  # the first phone as the list shows it (formatted once, while parsed)
    addresses: list[dict] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    custom: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def normalised_emails(self) -> list[str]:
        return [address.lower() for _, address in self.emails]

    @property
    def name_for_display(self) -> str:
        full = " ".join(part for part in (self.given_name, self.family_name) if part)
        return self.display_name or full or self.company or (self.emails[0][1] if self.emails else "")


def draft_from_cells(row: SourceRow, mapping: list[str], *, default_region: str | None) -> Draft:
    draft = Draft(row_number=row.number)
    values: dict[str, list[str]] = {}
    # Address parts group by occurrence: the 2nd "City" column belongs to the 2nd address.
    address_groups: list[dict[str, str]] = []
    for key, cell in zip(mapping, row.cells, strict=False):
        cell = cell.strip()
        if key in _ADDRESS_PARTS:
            group = next((g for g in address_groups if key not in g), None)
            if group is None:
                group = {}
                address_groups.append(group)
            group[key] = cell
        elif key and cell:
            values.setdefault(key, []).append(cell)
    for key in ("given_name", "family_name", "display_name", "company", "job_title", "website", "notes"):
        if key in values:
            setattr(draft, key, _clip(key, " ".join(values[key]) if key != "notes" else "\n".join(values[key])))
    if "middle_name" in values:
        draft.given_name = " ".join(filter(None, [draft.given_name, _clip("middle_name", values["middle_name"][0])]))
    for cell in values.get("email", []):
        for address in filter(None, _MULTI_SPLIT.split(cell)):
            draft.emails.append(("other", address))
    for cell in values.get("phone", []):
        for number in filter(None, re.split(r"\s*(?::::|;|\n)\s*", cell)):
            draft.phones.append(("other", number))
    for group in address_groups:
        address = {key: _clip(key, value) for key, value in group.items() if value}
        if address:
            draft.addresses.append({"label": "other", **address})
    for cell in values.get("tags", []):
        draft.tags.extend(tag for tag in _TAG_SPLIT.split(cell) if tag and tag.lower() != "* mycontacts")
    if "birthday" in values:
        _set_birthday(draft, values["birthday"][0])
    for key, cells in values.items():
        if key.startswith("custom:"):
            draft.custom[key.removeprefix("custom:")] = cells[0]
    return _validated(draft, default_region=default_region, ragged=row.ragged)


def draft_from_vcard(record: VCardRecord, *, default_region: str | None) -> Draft:
    draft = Draft(
        row_number=record.number,
        given_name=_clip("given_name", record.given_name),
        family_name=_clip("family_name", record.family_name),
        display_name=_clip("display_name", record.display_name),
        company=_clip("company", record.company),
        job_title=_clip("job_title", record.job_title),
        website=_clip("website", record.website),
        notes=_clip("notes", record.notes),
        emails=list(record.emails),
        phones=list(record.phones),
        addresses=[{k: _clip(k, v) if k != "label" else v for k, v in a.items()} for a in record.addresses],
        tags=list(record.tags),
    )
    if record.birthday:
        _set_birthday(draft, record.birthday)
    return _validated(draft, default_region=default_region, ragged=False)


def _validated(draft: Draft, *, default_region: str | None, ragged: bool) -> Draft:
    if ragged:
        draft.errors.append("This row has more cells than the header has columns (a stray delimiter or quote?).")
    emails = []
    for label, address in draft.emails:
        try:
            validate_email(address)
            emails.append((label, address))
        except ValidationError:
            draft.errors.append(f"“{address}” is not a valid email address.")
    draft.emails = _unique(emails, key=lambda item: item[1].lower())
    phones = []
    for label, number in draft.phones:
        parsed = parse_phone(number, default_region=default_region)
        if parsed is not None:
            e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            if not phones:
                draft.phone_display = search.phone_display_of(parsed)
            phones.append((label, e164))
        else:
            draft.errors.append(
                f"“{number}” is not a valid phone number"
                + ("" if default_region else " (add the country code, e.g. +44…)") + "."
            )
    draft.phones = _unique(phones, key=lambda item: item[1])
    if draft.website:
        website = draft.website if "://" in draft.website else f"https://{draft.website}"
        try:
            URLValidator(schemes=["http", "https"])(website)
            draft.website = website
        except ValidationError:
            draft.errors.append(f"“{draft.website}” is not a valid website address.")
    draft.tags = _unique([tag[:50] for tag in draft.tags], key=str.lower)
    if not (draft.given_name or draft.family_name or draft.display_name or draft.company or draft.emails
            or draft.phones):
        draft.errors.append("The row has no name, company, email or phone.")
    return draft


def parse_phone(number: str, *, default_region: str | None) -> phonenumbers.PhoneNumber | None:
    """The number, parsed, when it is a valid one; None otherwise."""
    try:
        parsed = phonenumbers.parse(number, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed) or not phonenumbers.is_valid_number(parsed):
        return None
    return parsed


_DATE_FORMATS = ["%Y-%m-%d", "%Y%m%d", "%d.%m.%Y", "%Y/%m/%d"]


def parse_birthday(text: str) -> datetime.date | None:
    """ISO and dotted dates; slashed dates only when day and month can't be confused."""
    text = text.strip().split("T")[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if match:
        first, second, year = (int(part) for part in match.groups())
        if first > 12 >= second:
            return _date(year, second, first)
        if second > 12 >= first:
            return _date(year, first, second)
    return None


def _set_birthday(draft: Draft, text: str) -> None:
    text = text.strip()
    if re.fullmatch(r"--\d{2}-?\d{2}", text):
        return  # a birthday without a year (vCard "--MM-DD"): we keep full dates only
    birthday = parse_birthday(text)
    if birthday is None:
        draft.errors.append(f"Birthday “{text}” is not a date we can read; use YYYY-MM-DD.")
    else:
        draft.birthday = birthday


def _date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _clip(key: str, value: str) -> str:
    return (value or "").strip()[: _MAX.get(key, 200)]


def _unique(items, *, key):
    seen = set()
    result = []
    for item in items:
        marker = key(item)
        if marker not in seen:
            seen.add(marker)
            result.append(item)
    return result
