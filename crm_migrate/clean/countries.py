"""Country names and codes <-> ISO 3166 (pycountry), with English/German/French/Spanish... names."""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

import phonenumbers
import pycountry

from crm_migrate.clean.result import NormalizeResult, map_distinct

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("as_given", "alpha2", "alpha3", "name")

# common names, abbreviations and old names pycountry does not know (folded keys)
ALIASES: dict[str, str] = {
    "usa": "US", "u s a": "US", "us": "US", "u s": "US", "america": "US", "united states of america": "US",
    "vereinigte staaten": "US", "etats unis": "US", "estados unidos": "US", "stati uniti": "US",
    "uk": "GB", "u k": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "grossbritannien": "GB", "vereinigtes konigreich": "GB",
    "royaume uni": "GB", "reino unido": "GB", "regno unito": "GB",
    "deutschland": "DE", "brd": "DE", "allemagne": "DE", "alemania": "DE", "germania": "DE",
    "osterreich": "AT", "oesterreich": "AT", "schweiz": "CH", "suisse": "CH", "svizzera": "CH",
    "switzerland": "CH", "holland": "NL", "the netherlands": "NL", "nederland": "NL",
    "niederlande": "NL", "pays bas": "NL", "frankreich": "FR", "espana": "ES", "spanien": "ES",
    "italia": "IT", "italien": "IT", "russia": "RU", "south korea": "KR", "korea": "KR",
    "north korea": "KP", "czechia": "CZ", "tschechien": "CZ", "uae": "AE", "emirates": "AE",
    "vietnam": "VN", "turkey": "TR", "turkei": "TR", "iran": "IR", "taiwan": "TW",
    "belgien": "BE", "belgique": "BE", "danemark": "DK", "schweden": "SE", "norwegen": "NO",
    "polen": "PL", "irland": "IE", "kanada": "CA", "australien": "AU", "japan": "JP",
    "china": "CN", "prc": "CN", "indien": "IN", "brasilien": "BR", "mexiko": "MX",
}
LANGUAGES = ("de", "fr", "es", "it", "nl", "pt")


def fold(text: str) -> str:
    """Lower-case, accents removed, punctuation to single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text).split())


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    """Folded name/code -> alpha2, built once from pycountry and its translations."""
    index: dict[str, str] = {}
    translations = []
    for lang in LANGUAGES:
        try:
            translations.append(gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]))
        except OSError:
            continue
    for country in pycountry.countries:
        alpha2 = country.alpha_2
        names = [country.name, getattr(country, "common_name", None), getattr(country, "official_name", None)]
        for name in list(names):
            if name:
                names.extend(t.gettext(name) for t in translations)
        for name in names:
            if name:
                index.setdefault(fold(name), alpha2)
        index[alpha2.lower()] = alpha2
        index[country.alpha_3.lower()] = alpha2
    for key, alpha2 in ALIASES.items():
        index[key] = alpha2
    return index


@lru_cache(maxsize=4096)
def country_code(text: str) -> str | None:
    """The ISO alpha-2 code of a country name or code in several languages, or None."""
    key = fold(text)
    if not key:
        return None
    index = _index()
    if key in index:
        return index[key]
    without_article = re.sub(r"^(the|la|le|les|el|die|der|das)\s+", "", key)
    return index.get(without_article)


def format_country(alpha2: str, fmt: str) -> str:
    """An alpha-2 code in the profile's format (alpha2, alpha3 or name)."""
    country = pycountry.countries.get(alpha_2=alpha2)
    if country is None:
        return alpha2
    if fmt == "alpha3":
        return str(country.alpha_3)
    if fmt == "name":
        return str(getattr(country, "common_name", None) or country.name)
    return alpha2


def normalize_countries(values: pd.Series, fmt: str = "as_given") -> NormalizeResult:
    """Country cells to ISO alpha-2/alpha-3/name as asked; unknown ones kept as given with a warning."""
    if fmt not in FORMATS:
        raise ValueError(f"country format must be one of {', '.join(FORMATS)}, not {fmt!r}")

    def one(value: str) -> tuple[str, str]:
        text = " ".join(value.split())
        if not text:
            return "", ""
        code = country_code(text)
        if code is None:
            return text, "unknown country: kept as given"
        return (text if fmt == "as_given" else format_country(code, fmt)), ""

    out = map_distinct(values, one)
    return NormalizeResult(out["values"], out["problems"])


def regions_from_countries(values: pd.Series, default: str | None) -> pd.Series:
    """Per-row phone region: the alpha-2 code of the country cell, else `default` ("" when none)."""
    fallback = (default or "").upper()

    def one(value: str) -> tuple[str]:
        code = country_code(value) if value.strip() else None
        if code and code in phonenumbers.SUPPORTED_REGIONS:
            return (code,)
        return (fallback,)

    return map_distinct(values, one, names=("region",))["region"]
