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


def digits(text: str) -> str:
    return "".join(DIGITS_RE.findall(text or ""))


def deletion_variants(word: str) -> set[str]:
    variants = {word}
    if len(word) >= MIN_FUZZY_WORD:
        variants.update(word[:i] + word[i + 1:] for i in range(len(word)))
    return variants


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(weighted: list[tuple[str, list[str]]]) -> str:
    """[('A', ['john', 'smith']), ...] -> "'john':1A 'smith':2A ..." (positions give weights a home)."""
    parts, position = [], 0
    for weight, lexemes in weighted:
        for lexeme in dict.fromkeys(lexemes):
            if not lexeme:
                continue
            position = min(position + 1, 16383)
            parts.append(f"{_quote(lexeme)}:{position}{weight}")
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
    return words(" ".join([given_name, family_name, display_name]))


def build_documents(*, given_name="", family_name="", display_name="", company="", job_title="",
                    emails=(), phones=(), notes=()) -> tuple[str, str]:
    names = name_words(given_name=given_name, family_name=family_name, display_name=display_name)
    company_words = words(company)
    note_words = words(" ".join(notes))[:MAX_NOTE_WORDS]
    search = tsvector_literal([
        ("A", names),
        ("B", company_words + words(job_title) + email_lexemes(list(emails))),
        ("C", phone_lexemes([str(p) for p in phones])),
        ("D", note_words),
    ])
    fuzzy_words = []
    for word in names + company_words:
        fuzzy_words.extend(sorted(deletion_variants(word)))
    fuzzy = tsvector_literal([("A", fuzzy_words)])
    return search, fuzzy


def name_key(*, given_name="", family_name="", display_name="") -> str:
    parts = words(f"{given_name} {family_name}") or words(display_name)
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


def similarity(query: str, candidate: str) -> float:
    """How well each query word matches its best word in the candidate (0..1)."""
    query_words, candidate_words = words(query), words(candidate)
    if not query_words or not candidate_words:
        return 0.0
    total = 0.0
    for q in query_words:
        total += max(SequenceMatcher(None, q, c).ratio() for c in candidate_words)
    return total / len(query_words)


def looks_like_email(text: str) -> bool:
    return "@" in (text or "") and " " not in text.strip()
