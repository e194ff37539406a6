"""Value evidence: what a sample of a column's non-empty values looks like."""

from __future__ import annotations

import gettext
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import phonenumbers
import pycountry

from crm_migrate.mapping.headers import fold
from crm_migrate.mapping.names import BUSINESS_WORDS, GIVEN_NAMES, SURNAMES

EMAIL = re.compile(r"^[^@\s<>(),;]+@[^@\s<>(),;]+\.[A-Za-z]{2,}$")
URL = re.compile(r"^(https?://|www\.)\S+$", re.I)
SOCIAL = re.compile(
    r"(^|[/.])(linkedin\.com/(in|pub)/|xing\.com/profile|facebook\.com/|twitter\.com/|x\.com/|"
    r"instagram\.com/|github\.com/|tiktok\.com/@)", re.I)
DOMAIN = re.compile(r"^(?!-)[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})*\.[a-z]{2,}$", re.I)
PHONE = re.compile(r"^(\+|00|\()?[\d\s().\-/]{6,}(\s*(x|ext\.?|#)\s*\d+)?$", re.I)
DATE_PATTERNS = [
    re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"),
    re.compile(r"^\d{1,2}[./-]\d{1,2}[./-](\d{4}|\d{2})( \d{1,2}:\d{2}(:\d{2})?( ?[AP]M)?)?$", re.I),
    re.compile(r"^\d{4}/\d{1,2}/\d{1,2}$"),
    re.compile(r"^\d{1,2}\.? [A-Za-zéûä]{3,10}\.? \d{4}$"),
    re.compile(r"^[A-Za-z]{3,9}\.? \d{1,2},? \d{4}$"),
    re.compile(r"^--\d{2}-\d{2}$"),
]
MONEY = re.compile(
    r"^(-|[$€£¥]|USD|EUR|GBP|CHF)?\s?-?\d{1,3}([,.' \u00a0]?\d{3})*([.,]\d{1,2})?\s?([$€£]|USD|EUR|GBP|CHF|k|K|M)?$"
)
POSTCODE = re.compile(
    r"^(\d{5}(-\d{4})?|\d{6}|\d{4}( ?[A-Z]{2})?|\d{4}-\d{3}|\d{5}-\d{3}|\d{3} ?\d{2}|"
    r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|[A-Z]\d[A-Z] ?\d[A-Z]\d|[A-Z]{1,2}-\d{4,5})$",
    re.I,
)
CITY_STATE_ZIP = re.compile(r"^[A-Za-z][A-Za-z .'\-]+,\s*[A-Z]{2}\.?\s+\d{5}(-\d{4})?$")
STREET = re.compile(
    r"(^\d+[a-z]?\s+\S+)|(\S+\s+\d+[a-z]?(\s*[-/]\s*\d+)?$)|"
    r"\b(st|street|ave|avenue|road|rd|blvd|lane|ln|drive|dr|way|straße|strasse|str|weg|platz|"
    r"gasse|allee|rue|avenue|bd|boulevard|chemin|calle|avenida|plaza|via|viale|piazza|corso|"
    r"rua|travessa|straat|laan|plein|gracht|kade)\b",
    re.I,
)
# "Person 12", "Test User 3", "Contact #7": generated stand-ins where a person's name belongs
PLACEHOLDER_NAME = re.compile(r"^[^\W\d_][^\W\d_]*( [^\W\d_]+)? #?\d{1,6}$")
ID_LIKE = re.compile(r"^([A-Za-z]{0,4}[-_]?\d{3,}|[0-9a-f]{8,}|[A-Za-z0-9]{15}|[A-Za-z0-9]{18})$")
COMPANY_SUFFIX = re.compile(
    r"\b(inc|llc|ltd|limited|corp|corporation|co|gmbh|ag|kg|se|sa|sas|sarl|sl|srl|spa|s\.?p\.?a|"
    r"bv|b\.v|nv|plc|oy|ab|as|group|gruppe|holding|company|partners|lda|ltda|eireli|ug|ohg|e\.?k)\b\.?",
    re.I,
)
# legal forms written with dots or spaces, matched on folded text ("Sp. z o.o.", "s.r.o.", "A.Ş.")
COMPANY_FORMS = re.compile(
    r"(\bsp\. ?z ?o\. ?o\.?|\bs\.r\.o\.?|\ba\.s\.|\bs\.a\.|\bs\.r\.l\.|\bsp\. ?j\.|\bltd\. ?sti\.?|"
    r"\ba/s\b|\b(aps|oy|ky|oyj|sarl|ltda|eireli|hnos|kft|zrt|doo|spol|gbr|mbh|pllc|llp)\b|&\s*(co|sons|son|filhos|cie)\b)"
)
SALUTATIONS = {
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "herr", "frau", "monsieur", "madame",
    "mme", "mlle", "m", "sr", "sra", "srta", "don", "dona", "dott", "dottssa", "sig", "sigra",
    "signor", "signora", "dhr", "mevr", "mw", "heer", "mevrouw", "prof dr", "dr med", "ing",
    "dipl ing", "mag", "senhor", "senhora",
}
LIFECYCLE_WORDS = {
    "subscriber", "lead", "leads", "mql", "sql", "marketing qualified lead", "sales qualified lead",
    "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "customers",
    "evangelist", "other", "prospect", "client", "kunde", "interessent", "abonnent", "cliente",
    "prospecto", "klant", "partner", "former customer", "ex customer", "current customer",
    "potential customer", "existing customer", "past customer", "prospective customer",
}
STAGE_WORDS = {
    "appointment scheduled", "appointmentscheduled", "qualified to buy", "qualifiedtobuy",
    "presentation scheduled", "presentationscheduled", "decision maker bought in",
    "decisionmakerboughtin", "contract sent", "contractsent", "closed won", "closedwon",
    "closed lost", "closedlost", "won", "lost", "open", "qualified", "qualification",
    "proposal", "proposal made", "negotiation", "negotiations started", "prospecting",
    "needs analysis", "value proposition", "id decision makers", "perception analysis",
    "proposal/price quote", "negotiation/review", "closed", "lead in", "contact made",
    "demo scheduled", "gewonnen", "verloren", "angebot", "verhandlung", "gagné", "perdu",
    "ganado", "perdido", "vinto", "perso", "ganho", "offerte",
}
US_STATES = {
    "al", "ak", "az", "ar", "ca", "co", "ct", "de", "fl", "ga", "hi", "id", "il", "in", "ia", "ks",
    "ky", "la", "me", "md", "ma", "mi", "mn", "ms", "mo", "mt", "ne", "nv", "nh", "nj", "nm", "ny",
    "nc", "nd", "oh", "ok", "or", "pa", "ri", "sc", "sd", "tn", "tx", "ut", "vt", "va", "wa", "wv",
    "wi", "wy", "dc", "on", "qc", "bc", "ab", "mb", "ns", "nb", "nl", "pe", "sk", "nsw", "vic",
    "qld", "sa", "tas", "act", "nt", "by", "bw", "nrw", "be", "hh", "he", "ni", "rp", "sn",
}
STATE_NAMES = {
    "california", "texas", "new york", "florida", "illinois", "washington", "massachusetts",
    "ohio", "georgia", "colorado", "oregon", "arizona", "bayern", "baden wurttemberg",
    "nordrhein westfalen", "hessen", "niedersachsen", "berlin", "hamburg", "sachsen",
    "ontario", "quebec", "british columbia", "ile de france", "catalunya", "cataluna",
    "madrid", "andalucia", "lombardia", "lazio", "toscana", "noord holland", "zuid holland",
    "utrecht", "sao paulo", "rio de janeiro", "lisboa", "porto", "new jersey", "virginia",
    "pennsylvania", "michigan", "north carolina", "tennessee", "minnesota", "auvergne rhone alpes",
    "provence alpes cote d azur", "occitanie", "nouvelle aquitaine", "bretagne", "piemonte",
    "veneto", "emilia romagna", "campania", "sicilia", "valencia", "pais vasco", "galicia",
    "gelderland", "noord brabant", "minas gerais",
}
NATIVE_COUNTRIES = {
    "deutschland": "DE", "allemagne": "DE", "alemania": "DE", "germania": "DE", "alemanha": "DE",
    "duitsland": "DE", "frankreich": "FR", "francia": "FR", "franca": "FR", "frankrijk": "FR",
    "espana": "ES", "spanien": "ES", "espagne": "ES", "spagna": "ES", "espanha": "ES",
    "spanje": "ES", "italia": "IT", "italien": "IT", "italie": "IT", "italie ": "IT",
    "italy": "IT", "nederland": "NL", "niederlande": "NL", "pays bas": "NL", "paises bajos": "NL",
    "paesi bassi": "NL", "holanda": "NL", "holland": "NL", "the netherlands": "NL",
    "osterreich": "AT", "autriche": "AT", "schweiz": "CH", "suisse": "CH", "svizzera": "CH",
    "suiza": "CH", "belgien": "BE", "belgique": "BE", "belgie": "BE", "belgica": "BE",
    "brasil": "BR", "usa": "US", "u s a": "US", "us": "US", "u s": "US", "united states": "US",
    "vereinigte staaten": "US", "etats unis": "US", "estados unidos": "US", "stati uniti": "US",
    "uk": "GB", "u k": "GB", "england": "GB", "great britain": "GB", "grossbritannien": "GB",
    "royaume uni": "GB", "reino unido": "GB", "regno unito": "GB", "verenigd koninkrijk": "GB",
    "polen": "PL", "pologne": "PL", "dinamarca": "DK", "danemark": "DK", "irlanda": "IE",
    "mexique": "MX", "mexico": "MX", "russland": "RU", "schweden": "SE", "suede": "SE",
    "portogallo": "PT", "portugal": "PT", "canada": "CA", "kanada": "CA", "luxemburg": "LU",
}


@lru_cache(maxsize=4096)
def country_code(value: str) -> str | None:
    """The ISO alpha-2 code of a country name or code, or None (pycountry plus native names)."""
    key = " ".join(re.sub(r"[^a-z]+", " ", fold(value)).split())
    if not key:
        return None
    if key in NATIVE_COUNTRIES:
        return NATIVE_COUNTRIES[key]
    native = _translated_countries().get(key)
    if native:
        return native
    try:
        found = pycountry.countries.lookup(value.strip())
    except LookupError:
        return None
    return str(found.alpha_2)


# languages whose country names (pycountry's ISO 3166 translations) a value may be written in
COUNTRY_NAME_LANGUAGES = (
    "bg", "ca", "cs", "da", "de", "el", "es", "et", "eu", "fi", "fr", "ga", "gl", "hr", "hu", "is",
    "it", "lt", "lv", "nb_NO", "nl", "nn", "pl", "pt", "pt_BR", "ro", "sk", "sl", "sr", "sv", "tr", "uk",
)
# words that name the kind of a subdivision; a value may carry one or not ("Region Midtjylland")
SUBDIVISION_WORDS = frozenset({
    "kraj", "region", "regione", "lan", "province", "provincia", "provincie", "county", "canton",
    "kanton", "state", "voivodeship", "wojewodztwo", "maakunta", "departement", "departamento",
    "estado", "land", "bundesland", "oblast", "il", "comunidad", "autonoma", "of",
})
# words of a sales territory, which a "Region" column of a sales export holds instead of a subdivision
SALES_REGION = re.compile(
    r"^((north|south|east|west|central|mid|upper|lower|inner|outer|greater|nord|sud|sued|ost|norte|"
    r"sur|este|oeste|centro|centre|noord|zuid|oost)[ -]?(east|west|north|south|ern|west|ost|est)?"
    r"( region| territory| zone| area)?|emea|apac|amer|amers|latam|na|nam|dach|benelux|nordics?|"
    r"cee|mea|anz|uki|uk ?& ?i|(region|territory|zone|area|gebiet|bezirk) ?[a-z0-9]{1,3}|"
    r"(emea|apac|amer|latam|dach) [a-z]+)$"
)


def _locale_dir() -> str:
    return str(Path(pycountry.__file__).parent / "locales")


@lru_cache(maxsize=1)
def _translated_countries() -> dict[str, str]:
    """Folded country names in the languages of COUNTRY_NAME_LANGUAGES -> alpha-2 (pycountry data)."""
    out: dict[str, str] = {}
    for language in COUNTRY_NAME_LANGUAGES:
        try:
            names = gettext.translation("iso3166-1", _locale_dir(), languages=[language])
        except OSError:
            continue
        for country in pycountry.countries:
            for attr in ("name", "official_name", "common_name"):
                english = getattr(country, attr, None)
                if english:
                    key = " ".join(re.sub(r"[^a-z]+", " ", fold(names.gettext(english))).split())
                    out.setdefault(key, str(country.alpha_2))
    return out


def _subdivision_key(text: str) -> str:
    """A subdivision name without its kind word, code note or comma order ("Praha, Hlavní město")."""
    text = re.sub(r"\[.*?\]|\(.*?\)", " ", text)
    if "," in text:
        head, _, tail = text.partition(",")
        text = f"{tail} {head}"
    words = re.sub(r"[^a-z]+", " ", fold(text)).split()
    kept = [w for w in words if w not in SUBDIVISION_WORDS]
    return " ".join(kept or words)


@lru_cache(maxsize=1)
def _subdivisions() -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """Folded subdivision names -> country code, and code suffixes ("ZH", "SP") -> country codes."""
    names: dict[str, str] = {}
    codes: dict[str, set[str]] = {}
    for sub in pycountry.subdivisions:
        names.setdefault(_subdivision_key(str(sub.name)), str(sub.country_code))
        suffix = str(sub.code).split("-", 1)[1]
        if suffix.isalpha():
            codes.setdefault(suffix, set()).add(str(sub.country_code))
    return names, {k: frozenset(v) for k, v in codes.items()}


def subdivision_country(value: str) -> str | None:
    """The country of a region/state/province/canton name (pycountry's ISO 3166-2), or None."""
    key = _subdivision_key(value)
    return _subdivisions()[0].get(key) if key else None


def subdivision_code_countries(value: str) -> frozenset[str]:
    """The countries that have a subdivision coded like this upper-case value ("ZH", "SP", "OR")."""
    v = value.strip()
    if not (2 <= len(v) <= 3 and v.isalpha() and v.isupper()):
        return frozenset()
    return _subdivisions()[1].get(v, frozenset())
# a value longer than this is free text: none of the patterns above is tried on it (they
# backtrack on long runs, and no email, phone, date or name is this long)
CLASSIFY_CHARS = 300


def _is_phone(value: str) -> bool:
    if len(value) > CLASSIFY_CHARS or not PHONE.match(value):
        return False
    digits = re.sub(r"\D", "", re.split(r"(?i)x|ext|#", value)[0])
    if not 7 <= len(digits) <= 15:
        return False
    if DATE_PATTERNS[0].match(value) or DATE_PATTERNS[1].match(value):
        return False
    return bool(re.search(r"[\s().\-/+]", value)) or value.startswith(("0", "+")) or len(digits) >= 9


def _is_date(value: str) -> bool:
    return any(p.match(value) for p in DATE_PATTERNS)


def _person_words(value: str) -> list[str] | None:
    words = value.replace(",", " ").split()
    if not 1 <= len(words) <= 4:
        return None
    for word in words:
        bare = word.strip(".'-")
        if not bare or not re.fullmatch(r"[^\W\d_]+([.'\-][^\W\d_]+)*\.?", word):
            return None
    return words


PARTICLES = {"van", "von", "de", "der", "den", "la", "le", "da", "di", "del", "dos", "du", "ten", "ter", "y", "e"}


@dataclass
class Evidence:
    """Shares (0..1) of sampled non-empty values of each kind, plus fill facts."""

    non_empty: int = 0
    total: int = 0
    unique_share: float = 0.0
    kinds: dict[str, float] = field(default_factory=dict)
    mobile_share: float = 0.0
    samples: list[str] = field(default_factory=list)
    distinct: int = 0
    date_role: str | None = None  # birth | past | future, from the years of the dates
    sequential: bool = False  # whole numbers that only grow down the column: a running id

    def share(self, kind: str) -> float:
        return self.kinds.get(kind, 0.0)


def _classify(value: str) -> set[str]:
    kinds: set[str] = set()
    v = value.strip()
    if len(v) > CLASSIFY_CHARS:
        return set() if "@" in v or re.search(r"\d", v) else {"text"}
    low = " ".join(re.sub(r"[^a-z0-9]+", " ", fold(v)).split())
    if EMAIL.match(v):
        return {"email"}
    if URL.match(v):
        return {"url", "social"} if SOCIAL.search(v) else {"url"}
    if DOMAIN.match(v) and not re.fullmatch(r"[\d.]+", v):
        kinds.add("domain")
    if CITY_STATE_ZIP.match(v):
        kinds.add("csz")
    if _is_date(v):
        kinds.add("date")
    if _is_phone(v):
        kinds.add("phone")
    if MONEY.match(v) and re.search(r"\d", v):
        kinds.add("number")
        if re.search(r"[$€£]|USD|EUR|GBP|CHF", v) or re.search(r"\d[.,]\d{2}$", v):
            kinds.add("money")
    if POSTCODE.match(v):
        kinds.add("postcode")
    if ID_LIKE.match(v) and re.search(r"\d", v):
        kinds.add("id")
    if low in LIFECYCLE_WORDS:
        kinds.add("lifecycle")
    if low in STAGE_WORDS or re.search(r"\b(won|lost|closed|gewonnen|verloren)\b", low):
        kinds.add("stage")
    if low.replace(" ", "") in {s.replace(" ", "") for s in SALUTATIONS} or low in SALUTATIONS:
        kinds.add("salutation")
    if low in US_STATES and (v.isupper() or len(v) <= 3) or low in STATE_NAMES:
        kinds.add("state")
    if country_code(v) and not (len(v) == 2 and low in US_STATES and v.isupper() and low not in {"us", "uk", "de", "fr", "es", "it", "nl", "pt", "ch", "at", "be"}):
        kinds.add("country")
    if not re.search(r"\d", v) and "@" not in v:
        kinds.add("text")
        words = _person_words(v)
        if words and not COMPANY_SUFFIX.search(v) and "salutation" not in kinds:
            if len(words) == 1:
                kinds.add("word")
            else:
                kinds.add("words")
                caps = [w for w in words if w.lower() not in PARTICLES]
                if 2 <= len(caps) <= 3 and all(w[0].isupper() for w in caps):
                    kinds.add("person")
        if COMPANY_SUFFIX.search(v):
            kinds.add("company")
    folded = fold(v)
    if "text" in kinds:
        _classify_name(v, folded, kinds)
        if SALES_REGION.match(low):
            kinds.add("salesregion")
        if subdivision_country(v):
            kinds.add("subdivision")
    if subdivision_code_countries(v):
        kinds.add("subcode")
    if (len(v) > 30 and " " in v) or len(v.split()) >= 5:
        kinds.add("freetext")
    if PLACEHOLDER_NAME.match(v) and v[0].isupper():
        kinds.add("placeholder")
    if re.search(r"[A-Za-z]", v) and re.search(r"\d", v) and STREET.search(v) and not EMAIL.match(v):
        kinds.add("street")
    if len(v) > 60 or "\n" in v:
        kinds.add("longtext")
    return kinds


def _classify_name(value: str, folded: str, kinds: set[str]) -> None:
    """Given names, surnames, names with a known given name, and businesses (name lists in names.py)."""
    words = [w for w in re.sub(r"[^a-z\- ]+", " ", folded.replace(",", " ")).split() if w]
    bare = [w.strip("-") for w in words]
    if COMPANY_SUFFIX.search(value) or COMPANY_FORMS.search(folded) or any(
            w in BUSINESS_WORDS for w in bare):
        kinds.add("business")
        kinds.discard("person")  # "Chen Family Dentistry" is a firm, however it is capitalised
        return
    if len(words) == 1 or (len(words) == 2 and "-" in value and " " not in value.strip()):
        if all(part in GIVEN_NAMES for part in bare[0].split("-")):
            kinds.add("given")
    if 1 <= len(bare) <= 3 and ("".join(bare) in SURNAMES or (
            bare[-1] in SURNAMES and all(w in PARTICLES for w in bare[:-1]))):
        kinds.add("surname")
    if "person" in kinds or "words" in kinds:
        first = bare[-1] if "," in value else bare[0]
        if first in GIVEN_NAMES:
            kinds.add("knownperson")


def _birth_like(years: list[int]) -> str | None:
    """The role a column of dates plausibly has from its years: birth, past (created/closed), future."""
    if not years:
        return None
    this_year = date.today().year
    middle = statistics.median(years)
    if max(years) <= this_year - 14 and min(years) >= 1900 and middle <= this_year - 20 and \
            (max(years) - min(years) >= 6 or len(years) < 4):
        return "birth"
    if min(years) >= this_year - 1:
        return "future"
    return "past"


YEAR = re.compile(r"(?<!\d)(1[89]\d{2}|20\d{2})(?!\d)")


def _mobile_share(values: Sequence[str], region: str | None) -> float:
    mobile = 0
    counted = 0
    for value in values:
        try:
            number = phonenumbers.parse(value, region or "US")
        except phonenumbers.NumberParseException:
            continue
        kind = phonenumbers.number_type(number)
        counted += 1
        if kind == phonenumbers.PhoneNumberType.MOBILE:
            mobile += 1
    return mobile / counted if counted else 0.0


def gather(values: Sequence[str], *, region: str | None = None, sample_size: int = 60) -> Evidence:
    """Classify up to `sample_size` non-empty values of a column."""
    filled = [str(v).strip() for v in values if str(v).strip()]
    ev = Evidence(non_empty=len(filled), total=len(values))
    if not filled:
        return ev
    ev.distinct = len(set(filled))
    ev.unique_share = ev.distinct / len(filled)
    if len(filled) > sample_size:
        step = len(filled) / sample_size
        sample = [filled[int(i * step)] for i in range(sample_size)]
    else:
        sample = filled
    ev.samples = sample[:5]
    counts: dict[str, int] = {}
    for value in sample:
        for kind in _classify(value):
            counts[kind] = counts.get(kind, 0) + 1
    ev.kinds = {k: n / len(sample) for k, n in counts.items()}
    if ev.share("date") >= 0.5:
        ev.date_role = _birth_like([int(m.group(1)) for v in sample if _is_date(v) and (m := YEAR.search(v))])
    numbers = [int(v) for v in filled if v.isdigit()]
    ev.sequential = len(numbers) == len(filled) >= 3 and all(a < b for a, b in zip(numbers, numbers[1:], strict=False))
    if ev.share("phone") >= 0.5:
        phones = [v for v in sample if _is_phone(v)]
        ev.mobile_share = _mobile_share(phones, region)
    return ev
