"""Personal and sensitive data in a column, told by its header and by its values.

`personal`: data that identifies a person (name, e-mail, phone, address, birth date).
`sensitive`: data whose loss harms the person more (GDPR art. 9 and national identifiers):
social security / National Insurance / tax numbers, passports, IBANs and card numbers (checked
by their check digits), health, religion, ethnicity, sexual orientation, politics, unions.
Headers are read in the seven mapping languages (English, German, French, Spanish, Italian,
Portuguese, Dutch); values are read whatever the header says. A sensitive column is never
suggested for mapping: the user maps it on purpose and the profile records it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from crm_migrate.mapping.evidence import Evidence, gather
from crm_migrate.mapping.headers import parse_header, tokens_of
from crm_migrate.mapping.synonyms import phrase_table

PERSONAL = "personal"
SENSITIVE = "sensitive"

# sensitive kind -> header phrases (any of them inside the header's words flags the column)
SENSITIVE_HEADERS: dict[str, tuple[str, ...]] = {
    "national_id": (
        "ssn", "social security", "social security number", "national insurance", "nino",
        "ni number", "nin", "national id", "national identifier", "national identity",
        "id card number", "identity card", "identity number", "tax id", "taxpayer id", "tin",
        "tax number", "tax identification", "itin", "sin", "passport", "passport number",
        "driver license", "drivers license", "driving licence",
        "sozialversicherungsnummer", "sv nummer", "versicherungsnummer", "steuer id", "steuerid",
        "steuernummer", "steueridentifikationsnummer", "personalausweis", "ausweisnummer",
        "reisepass", "passnummer", "fuhrerschein",
        "securite sociale", "numero de securite sociale", "nir", "insee", "numero fiscal",
        "carte d identite", "passeport", "permis de conduire",
        "dni", "nie", "nif", "nss", "seguridad social", "numero de seguridad social",
        "documento de identidad", "pasaporte", "cedula",
        "codice fiscale", "previdenza sociale", "carta d identita", "passaporto",
        "cpf", "rg", "cartao de cidadao", "numero de contribuinte", "seguranca social",
        "passaporte", "niss",
        "bsn", "burgerservicenummer", "sofinummer", "sofi nummer", "paspoort",
        "identiteitskaart", "rijbewijs",
    ),
    "bank_account": (
        "iban", "bic", "bank account", "bank details", "routing number",
        "sort code", "kontonummer", "bankverbindung", "bankkonto", "compte bancaire", "rib",
        "cuenta bancaria", "numero de cuenta", "conto corrente", "conto bancario",
        "conta bancaria", "numero da conta", "rekeningnummer", "bankrekening",
    ),
    "card_number": (
        "credit card", "card number", "cc number", "ccn", "debit card", "pan", "kreditkarte",
        "kartennummer", "carte bancaire", "carte de credit", "numero de carte", "tarjeta",
        "tarjeta de credito", "numero de tarjeta", "carta di credito", "numero carta",
        "cartao de credito", "numero do cartao", "creditcard", "kaartnummer",
    ),
    "health": (
        "health", "medical", "medication", "diagnosis", "allergy", "allergies",
        "disability", "illness", "blood type", "patient", "gesundheit", "krankheit",
        "diagnose", "behinderung", "allergie", "medikament", "blutgruppe", "sante",
        "maladie", "handicap", "salud", "enfermedad", "diagnostico",
        "discapacidad", "alergia", "medicacion", "salute", "malattia", "disabilita",
        "saude", "doenca", "deficiencia", "gezondheid", "ziekte", "diagnose", "medisch",
        "handicap", "medicatie",
    ),
    "religion": (
        "religion", "religious", "faith", "denomination", "church", "konfession",
        "religionszugehorigkeit", "glaube", "kirche", "religieux", "confession", "religion",
        "religioso", "religione", "fede", "religiao", "religie", "geloof", "kerk",
    ),
    "ethnicity": (
        "ethnicity", "ethnic origin", "race", "ethnie", "ethnische herkunft",
        "origine ethnique", "etnia", "origen etnico", "origine etnica", "etnisch", "afkomst",
    ),
    "sexual_orientation": (
        "sexual orientation", "sexuality", "sexuelle orientierung", "orientation sexuelle",
        "orientacion sexual", "orientamento sessuale", "orientacao sexual",
        "seksuele geaardheid",
    ),
    "political_opinion": (
        "political party", "political opinion", "politics", "partei", "parteizugehorigkeit",
        "parti politique", "partido politico", "partito politico", "politieke partij",
    ),
    "trade_union": (
        "trade union", "union member", "union membership", "gewerkschaft", "syndicat",
        "sindicato", "sindacato", "vakbond",
    ),
}

# mapping field (or pseudo-field) -> personal kind, for headers the synonym tables know
PERSONAL_FIELDS: dict[str, str] = {
    "email": "email", "firstname": "name", "lastname": "name", "_fullname": "name",
    "phone": "phone", "mobilephone": "phone", "address": "address", "zip": "address",
    "date_of_birth": "birth_date",
}
# header phrases for personal data the synonym tables leave out
PERSONAL_HEADERS: dict[str, tuple[str, ...]] = {
    "birth_date": ("birthplace", "place of birth", "geburtsort", "lieu de naissance",
                   "lugar de nacimiento", "luogo di nascita", "local de nascimento",
                   "geboorteplaats", "age", "alter", "edad", "idade", "leeftijd"),
    "gender": ("gender", "sex", "geschlecht", "sexe", "genre", "sexo", "genero", "sesso",
               "genere", "geslacht"),
    "ip_address": ("ip", "ip address", "ip adresse", "adresse ip", "direccion ip",
                   "indirizzo ip", "endereco ip", "ip adres"),
    "address": ("home address", "private address", "privatadresse", "wohnadresse",
                "adresse personnelle", "domicilio", "indirizzo di casa", "morada", "woonadres",
                "huisadres"),
}
# the object whose headers name a person: in a companies or deals file "name", "phone" and
# "address" belong to the company
PERSON_OBJECTS = ("contacts", None)
ALWAYS_PERSONAL = ("email", "birth_date", "gender", "ip_address")

SSN = re.compile(r"^(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$")
NINO = re.compile(r"^(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]$")
IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
CARD = re.compile(r"^[3-6]\d{12,18}$")
# the share of a column's values that must pass a check for the values alone to flag it
VALUE_SHARE = 0.6


@dataclass(frozen=True, slots=True)
class PersonalFlag:
    """What a column holds: `level` personal | sensitive | None, `kind` (e.g. email,
    national_id) and why."""

    level: str | None = None
    kind: str | None = None
    reason: str = ""

    @property
    def sensitive(self) -> bool:
        return self.level == SENSITIVE

    def to_dict(self) -> dict[str, str | None]:
        """The `personal_data` / `personal_kind` keys of `inspect --json`."""
        return {"personal_data": self.level, "personal_kind": self.kind}


NOT_PERSONAL = PersonalFlag()


def iban_valid(value: str) -> bool:
    """Whether `value` is an IBAN whose mod-97 check digits hold (spaces allowed)."""
    compact = re.sub(r"\s+", "", value).upper()
    if not IBAN.match(compact):
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


def luhn_valid(value: str) -> bool:
    """Whether `value` is a 13-19 digit card number (spaces or dashes allowed) passing Luhn."""
    digits = re.sub(r"[\s-]", "", value)
    if not CARD.match(digits):
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _national_id(value: str) -> bool:
    return bool(SSN.match(value) or NINO.match(value.upper()))


# sensitive kind -> the check its values pass
VALUE_CHECKS = (("national_id", _national_id), ("bank_account", iban_valid),
                ("card_number", luhn_valid))


@lru_cache(maxsize=1)
def _sensitive_phrases() -> dict[str, list[tuple[list[str], str]]]:
    """Every sensitive header phrase as tokens, by its first token, longest first."""
    out = [(tokens_of(p), kind) for kind, phrases in SENSITIVE_HEADERS.items() for p in phrases]
    by_first: dict[str, list[tuple[list[str], str]]] = {}
    for tokens, kind in sorted(out, key=lambda item: -len(item[0])):
        if tokens:
            by_first.setdefault(tokens[0], []).append((tokens, kind))
    return by_first


@lru_cache(maxsize=1)
def _personal_phrases() -> dict[str, str]:
    """Normalised header phrase -> personal kind (the synonym tables plus PERSONAL_HEADERS)."""
    out = {phrase: PERSONAL_FIELDS[field_name]
           for phrase, (field_name, _) in phrase_table("contacts").items()
           if field_name in PERSONAL_FIELDS}
    for kind, phrases in PERSONAL_HEADERS.items():
        out.update({" ".join(tokens_of(p)): kind for p in phrases})
    return out


def _sensitive_kind(words: list[str]) -> str | None:
    """The kind of the longest sensitive phrase among the header's words (a look-up per word)."""
    best: tuple[int, str] | None = None
    phrases = _sensitive_phrases()
    for i, word in enumerate(words):
        for phrase, kind in phrases.get(word, ()):
            if words[i:i + len(phrase)] == phrase and (best is None or len(phrase) > best[0]):
                best = (len(phrase), kind)
                break  # longest first: the rest starting here are shorter
    return best[1] if best else None


@lru_cache(maxsize=4096)
def header_flag(header: str, object_name: str | None = None) -> PersonalFlag:
    """What a header alone says (in any of the seven mapping languages)."""
    key = parse_header(header)
    words = key.all_tokens or key.tokens
    kind = _sensitive_kind(list(words))
    if kind is not None:
        return PersonalFlag(SENSITIVE, kind, f"header names {kind.replace('_', ' ')}")
    phrases = _personal_phrases()
    for text in (" ".join(key.tokens), " ".join(words)):
        found = phrases.get(text)
        if found and (object_name in PERSON_OBJECTS or found in ALWAYS_PERSONAL):
            return PersonalFlag(PERSONAL, found, f"header names {found.replace('_', ' ')}")
    return NOT_PERSONAL


ID_CHARS = 64  # no national id, IBAN or card number is longer, with its spaces and dashes


def values_flag(values: Sequence[str], object_name: str | None = None,
                evidence: Evidence | None = None, *, names: bool = True) -> PersonalFlag:
    """What a column's values alone say (identifiers by their check digits, e-mails, phones,
    and, with `names`, people's names: job titles look alike, so only for unknown headers)."""
    filled = [str(v).strip() for v in values if str(v).strip()]
    if not filled:
        return NOT_PERSONAL
    sample = filled[:200]
    short = [v for v in sample if len(v) <= ID_CHARS]  # identifiers are short: skip long text
    for kind, check in VALUE_CHECKS:
        if short and sum(1 for v in short if check(v)) >= VALUE_SHARE * len(sample):
            return PersonalFlag(SENSITIVE, kind, f"values are {kind.replace('_', ' ')}s")
    ev = evidence if evidence is not None else gather(filled)
    if ev.share("email") >= VALUE_SHARE:
        return PersonalFlag(PERSONAL, "email", "values are e-mail addresses")
    if object_name in PERSON_OBJECTS:
        if ev.share("phone") >= VALUE_SHARE:
            return PersonalFlag(PERSONAL, "phone", "values are phone numbers")
        if names and ev.share("person") >= VALUE_SHARE:
            return PersonalFlag(PERSONAL, "name", "values are people's names")
        if ev.share("street") >= VALUE_SHARE:
            return PersonalFlag(PERSONAL, "address", "values are street addresses")
    return NOT_PERSONAL


def detect_personal(header: str, values: Sequence[str], object_name: str | None = None,
                    evidence: Evidence | None = None) -> PersonalFlag:
    """The column's flag: sensitive when header or values say so, else personal when either
    does, else None."""
    by_header = header_flag(header, object_name)
    if by_header.sensitive:
        return by_header
    key = parse_header(header)
    known = " ".join(key.tokens) in phrase_table(object_name or "contacts")
    by_values = values_flag(values, object_name, evidence, names=not known)
    if by_values.sensitive or by_header.level is None:
        return by_values
    return by_header
