"""Value evidence: what a sample of a column's non-empty values looks like."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import phonenumbers
import pycountry

from crm_migrate.mapping.headers import fold

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
    try:
        found = pycountry.countries.lookup(value.strip())
    except LookupError:
        return None
    return str(found.alpha_2)


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

    def share(self, kind: str) -> float:
        return self.kinds.get(kind, 0.0)


def _classify(value: str) -> set[str]:
    kinds: set[str] = set()
    v = value.strip()
    if len(v) > CLASSIFY_CHARS:
        return set() if "@" in v or any(ch.isdigit() for ch in v) else {"text"}
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
    if PLACEHOLDER_NAME.match(v) and v[0].isupper():
        kinds.add("placeholder")
    if re.search(r"[A-Za-z]", v) and re.search(r"\d", v) and STREET.search(v) and not EMAIL.match(v):
        kinds.add("street")
    if len(v) > 60 or "\n" in v:
        kinds.add("longtext")
    return kinds


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
    ev.unique_share = len(set(filled)) / len(filled)
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
    if ev.share("phone") >= 0.5:
        phones = [v for v in sample if _is_phone(v)]
        ev.mobile_share = _mobile_share(phones, region)
    return ev
