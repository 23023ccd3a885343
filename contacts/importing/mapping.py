"""Which column holds what: the fields an import can fill, and suggestions from headers.

Suggestions know the headers of Google Contacts and Outlook exports and common
words in English, German, French, Spanish, Italian, Dutch and Portuguese, so a
file whose header is "Nachname;Vorname;E-Mail" maps itself. The user can
change every suggestion in the wizard.
"""

from __future__ import annotations

import re
import unicodedata

SKIP = ""

# (field key, label shown in the wizard, repeatable)
FIELDS: list[tuple[str, str, bool]] = [
    ("given_name", "First name", False),
    ("middle_name", "Middle name", False),
    ("family_name", "Last name", False),
    ("display_name", "Full name", False),
    ("company", "Company", False),
    ("job_title", "Job title", False),
    ("email", "Email", True),
    ("phone", "Phone", True),
    ("street", "Street", False),
    ("city", "City", False),
    ("region", "State / region", False),
    ("postal_code", "Postal code", False),
    ("country", "Country", False),
    ("birthday", "Birthday", False),
    ("website", "Website", False),
    ("notes", "Notes", False),
    ("tags", "Tags (comma or ::: separated)", False),
]
FIELD_LABELS = dict((key, label) for key, label, _ in FIELDS)
# Emails and phones add up; address parts repeat per address ("Address 2 - City").
REPEATABLE = {key for key, _, repeatable in FIELDS if repeatable} | {"street", "city", "region", "postal_code",
                                                                      "country"}

# Normalised header words → field. Order matters: first match wins.
_SYNONYMS: list[tuple[str, list[str]]] = [
    ("email", ["email", "emails", "e mail", "mail", "email address", "e mail address", "courriel", "correo",
               "correo electronico", "posta elettronica", "emailadres", "e mail adresse", "endereco de email"]),
    ("phone", ["phone", "phones", "telephone", "tel", "mobile", "mobile phone", "cell", "cell phone", "business phone",
               "home phone", "work phone", "primary phone", "other phone", "telefon", "telefonnummer", "handy",
               "mobil", "mobiltelefon", "telefono", "movil", "celular", "cellulare", "portable", "telefoon",
               "mobiel", "telemovel", "numero de telephone", "phone number"]),
    ("given_name", ["first name", "given name", "firstname", "forename", "vorname", "prenom", "nombre", "nome",
                    "voornaam", "primeiro nome"]),
    ("middle_name", ["middle name", "additional name", "zweiter vorname", "second prenom"]),
    ("family_name", ["last name", "family name", "surname", "lastname", "nachname", "familienname", "nom de famille",
                     "apellido", "apellidos", "cognome", "achternaam", "sobrenome", "apelido"]),
    ("display_name", ["name", "full name", "display name", "contact name", "nom", "nom complet", "nombre completo",
                      "nome completo", "volledige naam", "vollstandiger name", "anzeigename"]),
    ("company", ["company", "organization", "organisation", "organization name", "organization 1 name", "firma",
                 "unternehmen", "entreprise", "societe", "empresa", "azienda", "societa", "bedrijf", "organisatie"]),
    ("job_title", ["job title", "title", "organization title", "organization 1 title", "position", "role",
                   "berufsbezeichnung", "position", "titre", "fonction", "poste", "cargo", "puesto", "ruolo",
                   "functie", "funcao"]),
    ("street", ["street", "address", "street address", "business street", "home street", "address 1 street",
                "strasse", "adresse", "rue", "calle", "direccion", "indirizzo", "via", "straat", "rua", "endereco"]),
    ("city", ["city", "town", "business city", "home city", "address 1 city", "stadt", "ort", "ville", "ciudad",
              "citta", "plaats", "stad", "cidade"]),
    ("region", ["state", "region", "province", "county", "business state", "home state", "address 1 region",
                "bundesland", "departement", "provincia", "regione", "provincie", "estado"]),
    ("postal_code", ["postal code", "zip", "zip code", "postcode", "business postal code", "home postal code",
                     "address 1 postal code", "plz", "postleitzahl", "code postal", "codigo postal", "cap",
                     "cep"]),
    ("country", ["country", "country region", "business country region", "home country region",
                 "address 1 country", "land", "pays", "pais", "paese", "nazione"]),
    ("birthday", ["birthday", "birth date", "date of birth", "dob", "geburtstag", "geburtsdatum", "anniversaire",
                  "date de naissance", "cumpleanos", "fecha de nacimiento", "compleanno", "data di nascita",
                  "verjaardag", "geboortedatum", "aniversario", "data de nascimento"]),
    ("website", ["website", "web page", "web site", "url", "homepage", "website 1 value", "webseite", "site web",
                 "sitio web", "sito web", "sito"]),
    ("notes", ["notes", "note", "comments", "comment", "description", "notizen", "notiz", "bemerkungen",
               "remarques", "commentaires", "notas", "note", "opmerkingen", "observacoes"]),
    ("tags", ["tags", "tag", "labels", "label", "categories", "category", "group membership", "groups", "group",
              "kategorien", "kategorie", "gruppen", "etiquettes", "categories", "etiquetas", "categorias",
              "etichette", "categorie", "labels"]),
]

# Google Contacts: "E-mail 1 - Value", "Phone 2 - Value", "Address 1 - Street"; its
# "- Type"/"- Label" columns describe the value next to them and are not imported.
_GOOGLE_NUMBERED = re.compile(
    r"^(e ?mail|phone|address|website|organization|relation|event|im) \d+ (value|type|label|.*)$"
)


def normalise_header(header: str) -> str:
    text = header.replace("ß", "ss").replace("ẞ", "SS")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    return text


def suggest_field(header: str) -> str:
    norm = normalise_header(header)
    if not norm:
        return SKIP
    google = _GOOGLE_NUMBERED.match(norm)
    if google:
        kind, part = google.group(1), google.group(2)
        if part in {"type", "label"}:
            return SKIP
        if kind.replace(" ", "") == "email":
            return "email"
        if kind == "phone":
            return "phone"
        if kind == "website":
            return "website"
        if kind == "organization":
            return {"name": "company", "title": "job_title"}.get(part, SKIP)
        if kind == "address":
            return {
                "street": "street", "city": "city", "region": "region", "postal code": "postal_code",
                "country": "country",
            }.get(part, SKIP)
        return SKIP
    # Outlook: "E-mail 2 Address", "E-mail Display Name" (the latter is not an address).
    if re.fullmatch(r"e ?mail( \d+)? address", norm) or re.fullmatch(r"e ?mail \d+", norm):
        return "email"
    if re.fullmatch(r"e ?mail( \d+)? (display name|type)", norm):
        return SKIP
    for field, words in _SYNONYMS:
        if norm in words:
            return field
    return SKIP


def suggest_mapping(headers: list[str], *, custom_fields: dict[str, str] | None = None) -> list[str]:
    """One field key (or SKIP) per column. Single-valued fields are suggested once."""
    custom_by_name = {normalise_header(name): key for key, name in (custom_fields or {}).items()}
    used: set[str] = set()
    mapping = []
    for header in headers:
        field = custom_by_name.get(normalise_header(header)) or suggest_field(header)
        if field and field not in REPEATABLE and field in used:
            field = SKIP
        used.add(field)
        mapping.append(field)
    return mapping
