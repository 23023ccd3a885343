"""Search documents and queries built in Python, on built-in PostgreSQL only.

The embedded PostgreSQL (pgserver) ships no contrib extensions: no pg_trgm, no unaccent.
So accents are stripped here with unicodedata, and lexemes are written as tsvector
literals (no parser, no stemming: exactly the words we chose). Two columns:

- ``search_document``: names (weight A), company/job/emails (B), every suffix of 4+
  digits of each phone (C, so a prefix query on a suffix is a substring match on the
  digits), notes (D). Queried with prefix terms (``'smi':*``) for search-as-you-type.
- ``fuzzy_document``: each name/company word plus all its one-letter deletions (the
  SymSpell deletion neighbourhood). Two words within one edit (insert, delete,
  substitute, swap) share a variant, so "jonh" and "john" meet on "jon"/"joh".

See docs/search.md.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

WORD_RE = re.compile(r"[a-z0-9]+")
DIGITS_RE = re.compile(r"\d")
MIN_PHONE_DIGITS = 4
MAX_NOTE_WORDS = 300
MIN_FUZZY_WORD = 3


def fold(text: str) -> str:
    """Lower case without accents: 'Zoë Ørsted' -> 'zoe orsted'."""
    text = unicodedata.normalize("NFKD", text or "").lower()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("ø", "o").replace("æ", "ae").replace("ß", "ss").replace("ł", "l").replace("đ", "d")


def words(text: str) -> list[str]:
    return WORD_RE.findall(fold(text))


# Names, companies and job titles repeat across a workspace (and a 100k-row import), so
# their words, deletion variants and quoted lexemes are computed once per process.
_CACHE_SIZE = 50_000


@lru_cache(maxsize=_CACHE_SIZE)
def _common_words(text: str) -> tuple[str, ...]:
    return tuple(words(text))


def digits(text: str) -> str:
    return "".join(DIGITS_RE.findall(text or ""))


def phone_display(e164: str) -> str:
    """'+14155552671' -> '+1 415-555-2671': stored ready to show, so the list never parses numbers."""
    import phonenumbers

    if not e164:
        return ""
    try:
        return phone_display_of(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return e164


def phone_display_of(parsed) -> str:
    """The display form of an already parsed ``phonenumbers.PhoneNumber`` (an import parses
    each number once): international format, without any extension (E.164 has none)."""
    import phonenumbers

    bare = phonenumbers.PhoneNumber(country_code=parsed.country_code, national_number=parsed.national_number,
                                    italian_leading_zero=parsed.italian_leading_zero,
                                    number_of_leading_zeros=parsed.number_of_leading_zeros)
    return phonenumbers.format_number(bare, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def deletion_variants(word: str) -> set[str]:
    variants = {word}
    if len(word) >= MIN_FUZZY_WORD:
        variants.update(word[:i] + word[i + 1:] for i in range(len(word)))
    return variants


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


_quote_common = lru_cache(maxsize=_CACHE_SIZE)(_quote)


@lru_cache(maxsize=_CACHE_SIZE)
def _quoted_variants(word: str) -> tuple[str, ...]:
    return tuple(_quote(variant) for variant in sorted(deletion_variants(word)))


def _literal(weighted: list[tuple[str, list[str]]]) -> str:
    """Already quoted lexemes, weighted, deduplicated per weight, numbered (positions give weights a home)."""
    parts, position = [], 0
    for weight, quoted in weighted:
        seen = set()
        for lexeme in quoted:
            if lexeme in seen or lexeme == "''":
                continue
            seen.add(lexeme)
            position = min(position + 1, 16383)
            parts.append(f"{lexeme}:{position}{weight}")
    return " ".join(parts)


def phone_lexemes(numbers: list[str]) -> list[str]:
    out = []
    for number in numbers:
        d = digits(number)
        out.extend(d[i:] for i in range(len(d) - MIN_PHONE_DIGITS + 1))
    return out


def email_lexemes(emails: list[str]) -> list[str]:
    out = []
    for email in emails:
        email = email.strip().lower()
        out.append(email)
        out.extend(words(email))
    return out


def name_words(*, given_name="", family_name="", display_name="") -> list[str]:
    return [*_common_words(given_name), *_common_words(family_name), *_common_words(display_name)]


def build_documents(*, given_name="", family_name="", display_name="", company="", job_title="",
                    emails=(), phones=(), notes=()) -> tuple[str, str]:
    names = name_words(given_name=given_name, family_name=family_name, display_name=display_name)
    company_words = _common_words(company)
    note_words = words(" ".join(filter(None, notes)))[:MAX_NOTE_WORDS]
    search = _literal([
        ("A", [_quote_common(word) for word in names]),
        ("B", [_quote_common(word) for word in (*company_words, *_common_words(job_title))]
         + [_quote(lexeme) for lexeme in email_lexemes(list(emails))]),
        ("C", [_quote(lexeme) for lexeme in phone_lexemes([str(p) for p in phones])]),
        ("D", [_quote(word) for word in note_words]),
    ])
    fuzzy = _literal([("A", [variant for word in (*names, *company_words) for variant in _quoted_variants(word)])])
    return search, fuzzy


def name_key(*, given_name="", family_name="", display_name="") -> str:
    parts = [*_common_words(given_name), *_common_words(family_name)] or _common_words(display_name)
    return " ".join(sorted(parts))[:200]


def sort_name(display_name: str) -> str:
    return fold(display_name).strip()[:200]


# --- queries -----------------------------------------------------------------

def prefix_query(text: str) -> str | None:
    """'Smi Jo' -> "'smi':* & 'jo':*" (every word, as typed so far)."""
    terms = [f"{_quote(w)}:*" for w in words(text)]
    return " & ".join(terms) or None


def phone_query(text: str) -> str | None:
    """Only digits (and phone punctuation) with 4+ digits: a substring search on phone digits."""
    if re.fullmatch(r"[\d\s+().\-/]+", text or "") and len(digits(text)) >= MIN_PHONE_DIGITS:
        return f"{_quote(digits(text))}:*"
    return None


def fuzzy_query(text: str) -> str | None:
    """Each word's deletion neighbourhood OR-ed; words AND-ed."""
    groups = []
    for word in words(text):
        variants = sorted(deletion_variants(word))
        groups.append("(" + " | ".join(_quote(v) for v in variants) + ")")
    return " & ".join(groups) or None


@lru_cache(maxsize=_CACHE_SIZE)
def _word_ratio(query_word: str, candidate_word: str) -> float:
    return SequenceMatcher(None, query_word, candidate_word).ratio()


def similarity(query: str, candidate: str) -> float:
    """How well each query word matches its best word in the candidate (0..1).

    A typo search scores up to 200 candidates whose words repeat (a display name repeats
    the first and last name; names repeat across contacts): each distinct pair of words
    is compared once per process."""
    query_words, candidate_words = words(query), set(words(candidate))
    if not query_words or not candidate_words:
        return 0.0
    total = 0.0
    for q in query_words:
        total += max(_word_ratio(q, c) for c in candidate_words)
    return total / len(query_words)


def looks_like_email(text: str) -> bool:
    return "@" in (text or "") and " " not in text.strip()
