"""Fast demo data: realistic random contacts written with COPY (no credits spent).

A development and benchmark tool only: it writes rows directly, bypassing the services,
so it neither charges credits nor writes timeline entries; it does fill every column the
app reads (primary email/phone, sort and duplicate keys, both search documents).
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Workspace
from contacts import search
from contacts.models import Contact, ContactEmail, ContactPhone, ContactTag, Tag

_GIVEN_TEXT = (
    "James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Charles Karen Chris Nancy Daniel Lisa Matthew Betty Anthony Margaret "
    "Mark Sandra Zoë Émile Ana José Lucía Mateo Sofía Lars Ingrid Sven Astrid Yuki Haruto Aiko Wei Mei "
    "Priya Arjun Fatima Omar Amara Kwame Olga Dmitri Chiara Luca Giulia Noah Emma Liam Olivia Ava Mia "
    "Ethan"
)
GIVEN = tuple(_GIVEN_TEXT.split())
_FAMILY_TEXT = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
    "Nelson Baker Hall Müller Schmidt Schneider Fischer Dubois Lefèvre Rossi Russo Ferrari Andersson "
    "Johansson Nielsen Ørsted Tanaka Suzuki Wang Li Zhang Patel Sharma Okafor Mensah Ivanova Kowalski "
    "Novak"
)
FAMILY = tuple(_FAMILY_TEXT.split())
COMPANIES = ["Northwind Traders", "Contoso", "Fabrikam", "Tailspin Toys", "Wide World Importers", "Adventure Works",
             "Litware", "Proseware", "Lucerne Publishing", "Coho Winery", "Alpine Ski House", "Blue Yonder Airlines",
             "Fourth Coffee", "Graphic Design Institute", "Humongous Insurance", "Margie's Travel", "Trey Research",
             "Woodgrove Bank", "", "", ""]
TITLES = ["CEO", "CTO", "Sales Manager", "Accountant", "Designer", "Engineer", "Consultant", "Founder", "", ""]
DOMAINS = ["example.com", "example.org", "example.net", "mail.example", "corp.example"]
TAGS = ["client", "lead", "supplier", "friend", "vip", "newsletter", "partner", "prospect"]
AREAS = ["212", "415", "617", "312", "206", "303", "512", "718"]


def _phone(rng: random.Random) -> str:
    return f"+1{rng.choice(AREAS)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"


def seed_contacts(*, workspace: Workspace, count: int, batch_size: int = 5000, seed: int | None = None,
                  tags: bool = True) -> int:
    rng = random.Random(seed)
    tag_ids = []
    if tags:
        for name in TAGS:
            tag = Tag.objects.filter(workspace=workspace, name__iexact=name).first()
            tag_ids.append((tag or Tag.objects.create(workspace=workspace, name=name)).id)
    now = timezone.now()
    done = 0
    while done < count:
        n = min(batch_size, count - done)
        _seed_batch(workspace.id, n, rng, now, tag_ids)
        done += n
    return done


@transaction.atomic
def _seed_batch(workspace_id: int, n: int, rng: random.Random, now, tag_ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('contacts_contact', 'id')) FROM generate_series(1, %s)",
                       [n])
        ids = [row[0] for row in cursor.fetchall()]
    contacts, emails, phones, links = [], [], [], []
    for contact_id in ids:
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        display = f"{given} {family}"
        company, title = rng.choice(COMPANIES), rng.choice(TITLES)
        contact_emails = []
        for k in range(rng.choice([0, 1, 1, 1, 2, 2, 3])):
            local = f"{search.fold(given)}.{search.fold(family)}".replace(" ", "")
            value = f"{local}{contact_id}{'' if k == 0 else k}@{rng.choice(DOMAINS)}".lower()
            contact_emails.append(value)
            emails.append((workspace_id, contact_id, ["work", "home", "other"][k], k == 0, value, value))
        contact_phones = []
        for k in range(rng.choice([0, 1, 1, 2])):
            number = _phone(rng)
            if number in contact_phones:
                continue
            contact_phones.append(number)
            phones.append((workspace_id, contact_id, ["mobile", "work"][k], k == 0, number))
        for tag_id in rng.sample(tag_ids, k=min(len(tag_ids), rng.choice([0, 0, 1, 1, 2, 3]))):
            links.append((workspace_id, contact_id, tag_id))
        doc, fuzzy = search.build_documents(given_name=given, family_name=family, display_name=display,
                                            company=company, job_title=title, emails=contact_emails,
                                            phones=contact_phones)
        created = now - timedelta(seconds=rng.randint(0, 3 * 365 * 86400))
        updated = created + timedelta(seconds=rng.randint(0, max(1, int((now - created).total_seconds()))))
        contacts.append((contact_id, workspace_id, given, family, display, company, title, "", "", "{}",
                         contact_emails[0] if contact_emails else "",
                         search.phone_display(contact_phones[0]) if contact_phones else "",
                         search.sort_name(display), search.name_key(given_name=given, family_name=family),
                         doc, fuzzy, created, updated))
    with connection.cursor() as cursor:
        raw = cursor.cursor
        columns = ("id, workspace_id, given_name, family_name, display_name, company, job_title, website, "
                   "notes_summary, custom_values, primary_email, primary_phone, sort_name, name_key, "
                   "search_document, fuzzy_document, created_at, updated_at")
        _copy(raw, f"COPY {Contact._meta.db_table} ({columns}) FROM STDIN", contacts)
        _copy(raw, f"COPY {ContactEmail._meta.db_table} (workspace_id, contact_id, label, is_primary, value, "
                   f"value_normalised) FROM STDIN", emails)
        _copy(raw, f"COPY {ContactPhone._meta.db_table} (workspace_id, contact_id, label, is_primary, number) "
                   f"FROM STDIN", phones)
        _copy(raw, f"COPY {ContactTag._meta.db_table} (workspace_id, contact_id, tag_id) FROM STDIN", links)


def _copy(raw_cursor, sql: str, rows: list[tuple]) -> None:
    if not rows:
        return
    with raw_cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
