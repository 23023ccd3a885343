"""Turn an uploaded file's bytes into text, whatever encoding people's tools wrote.

Google Contacts writes UTF-8, Outlook often UTF-16 or Windows-1252, old Excel
"CSV" Latin-1/Mac Roman, and some tools add a BOM. We honour a BOM, then try
strict UTF-8, then let charset-normalizer guess; the user can override the
guess in the wizard. Binary files (images, spreadsheets saved as .xlsx, PDFs)
are refused with a clear message instead of producing garbage rows.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from charset_normalizer import from_bytes

from contacts.importing.errors import ImportFileError

# Longest first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]

# Encodings offered in the wizard when the guess is wrong.
COMMON_ENCODINGS = [
    ("utf-8", "UTF-8"),
    ("utf-16", "UTF-16"),
    ("cp1252", "Windows-1252 (Western European)"),
    ("latin-1", "ISO-8859-1 (Latin-1)"),
    ("iso-8859-15", "ISO-8859-15 (Latin-9)"),
    ("mac_roman", "Mac Roman"),
    ("cp1250", "Windows-1250 (Central European)"),
    ("cp1251", "Windows-1251 (Cyrillic)"),
    ("shift_jis", "Shift JIS"),
    ("gb18030", "GB18030 (Chinese)"),
]

_BINARY_SIGNATURES = [
    b"PK\x03\x04",  # zip, xlsx, docx
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",  # jpeg
    b"GIF8",
    b"\xd0\xcf\x11\xe0",  # old .xls / .doc
    b"\x7fELF",
]


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str


def decode_upload(raw: bytes, *, encoding: str | None = None) -> DecodedText:
    if not raw or not raw.strip(b" \t\r\n\x00"):
        raise ImportFileError("The file is empty.")
    if any(raw.startswith(signature) for signature in _BINARY_SIGNATURES):
        raise ImportFileError(
            "This looks like a binary file (a spreadsheet, archive, image or PDF), not CSV or vCard. "
            "Save it as CSV (comma-separated values) or export vCards, then upload that."
        )
    if encoding:
        return DecodedText(_decode_with(raw, encoding), _canonical(encoding))
    for bom, bom_encoding in _BOMS:
        if raw.startswith(bom):
            return DecodedText(_decode_with(raw[len(bom) :], bom_encoding), _canonical(bom_encoding))
    utf16 = _utf16_without_bom(raw)
    if utf16:
        return DecodedText(_decode_with(raw, utf16), utf16)
    if b"\x00" in raw:
        raise ImportFileError("This file contains binary data and cannot be read as CSV or vCard text.")
    try:
        return DecodedText(raw.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(raw[:200_000], cp_isolation=[code for code, _ in COMMON_ENCODINGS]).best()
    guess = _canonical(best.encoding) if best is not None else "cp1252"
    if guess != "cp1252" and _same_text(raw, guess, "cp1252"):
        guess = "cp1252"  # Latin encodings that agree on this file: call it the common Western one
    try:
        return DecodedText(raw.decode(guess), guess)
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; Latin-1 decodes anything.
        return DecodedText(raw.decode("latin-1"), "latin-1")


def _same_text(raw: bytes, first: str, second: str) -> bool:
    try:
        return raw.decode(first) == raw.decode(second)
    except (UnicodeDecodeError, LookupError):
        return False


def _utf16_without_bom(raw: bytes) -> str | None:
    """Text that is mostly ASCII has a NUL in every other byte when it is UTF-16."""
    sample = raw[:4000]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0) / len(sample[0::2])
    odd_nuls = sample[1::2].count(0) / len(sample[1::2])
    if odd_nuls > 0.4 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.4 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def _decode_with(raw: bytes, encoding: str) -> str:
    try:
        codec = codecs.lookup(encoding)
    except LookupError as exc:
        raise ImportFileError(f"Unknown text encoding {encoding!r}.") from exc
    try:
        text = raw.decode(codec.name)
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"The file is not valid {encoding} (byte {exc.start} cannot be read). "
            "Choose another encoding from the list."
        ) from exc
    return text.lstrip("\ufeff")


def _canonical(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    return {"utf-8-sig": "utf-8", "iso8859-1": "latin-1", "windows-1252": "cp1252"}.get(name, name)
