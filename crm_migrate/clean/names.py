"""Person names: capitalisation of ALL-CAPS/lower-case names, and full name -> first/last (nameparser)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from nameparser import HumanName
from nameparser.config import Constants

from crm_migrate.clean.result import NormalizeResult, as_text, map_distinct

if TYPE_CHECKING:
    import pandas as pd

PARTICLES = {
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "ten", "ter",
    "vom", "zu", "zur", "dos", "das", "do", "des", "het", "y", "e", "bin", "ibn", "al", "el",
}
SUFFIXES = {"jr": "Jr.", "jr.": "Jr.", "sr": "Sr.", "sr.": "Sr.", "ii": "II", "iii": "III",
            "iv": "IV", "phd": "PhD", "md": "MD", "mba": "MBA", "cpa": "CPA", "esq": "Esq.", "esq.": "Esq."}
MAC_NAMES = {"macdonald", "macleod", "mackenzie", "macarthur", "macgregor", "macintyre",
             "macmillan", "macneil", "macpherson", "maclean", "macdougall", "mackay", "macaulay"}
EXTRA_TITLES = ("herr", "frau", "hr", "fr", "monsieur", "madame", "mme", "mlle", "señor", "señora",
                "sr", "sra", "dipl", "ing", "mag", "prof", "dr")
_SIMPLE_TWO = re.compile(r"^([^\W\d_][^\W\d_'\-]*(?:[-'][^\W\d_]+)*) ([^\W\d_][^\W\d_'\-]*(?:[-'][^\W\d_]+)*)$")


def _cap_part(part: str) -> str:
    if not part:
        return part
    lower = part.lower()
    if lower.startswith("mc") and len(lower) > 3:
        return "Mc" + lower[2:].capitalize()
    if lower in MAC_NAMES:
        return "Mac" + lower[3:].capitalize()
    return lower.capitalize()


def _cap_word(word: str, capital: bool) -> str:
    lower = word.lower()
    if lower in SUFFIXES:
        return SUFFIXES[lower]
    if lower in PARTICLES and not capital:
        return lower
    if "'" in word or "’" in word:
        quote = "'" if "'" in word else "’"
        head, _, tail = word.partition(quote)
        if len(head) <= 1 or head.lower() in ("d", "o", "l"):  # O'Brien, D'Angelo, L'Oréal
            return _cap_part(head) + quote + _cap_part(tail)
        return _cap_part(head) + quote + tail.lower()  # possessive-like: keep the tail lower
    return "-".join(_cap_part(p) for p in word.split("-"))


def capitalise_name(text: str) -> str:
    """Capitalise one ALL-CAPS or all-lower-case name; mixed-case names are left alone."""
    cleaned = " ".join(text.split())
    letters = [c for c in cleaned if c.isalpha()]
    if not letters or not (cleaned.isupper() or cleaned.islower()):
        return cleaned
    words = cleaned.split(" ")
    particle_only = all(w.lower() in PARTICLES for w in words)
    return " ".join(_cap_word(w, particle_only or (i == len(words) - 1)) for i, w in enumerate(words))


def normalize_person_names(values: pd.Series) -> NormalizeResult:
    """Trim and capitalise names written ALL-CAPS or lower-case (McDonald, O'Brien, van der Berg);
    post-nominal letters after the name ("Roe, PhD", "Jones Jr.") leave it, with a warning."""
    out = map_distinct(values, _name_without_suffix)
    return NormalizeResult(out["values"], out["problems"])


def _name_without_suffix(value: str) -> tuple[str, str]:
    """(the capitalised name, a warning naming the suffix words it dropped, or "")."""
    words = re.split(r"(?:\s*,\s*|\s+)", value.strip())
    kept = list(words)
    while len(kept) > 1 and is_name_suffix(kept[-1]):
        kept.pop()
    dropped = words[len(kept):]
    if not dropped:
        return capitalise_name(value), ""
    suffix = ", ".join(capitalise_suffix(word) for word in dropped)
    return (capitalise_name(" ".join(kept)),
            f"name suffix {suffix!r} dropped (map a full name with a suffix field to keep it)")


@lru_cache(maxsize=1)
def _constants() -> Any:
    """A private nameparser configuration that also knows German/French/Spanish honorifics."""
    constants = Constants()
    constants.titles.add(*EXTRA_TITLES)
    return constants


def is_name_suffix(word: str) -> bool:
    """True for post-nominal letters and generational suffixes (PhD, MBA, MD, CPA, Esq., Jr., III)."""
    key = word.lower().replace(".", "").strip(",")
    constants = _constants()
    return key in constants.suffix_acronyms or key in constants.suffix_not_acronyms


def split_full_name(value: str) -> tuple[str, str, str, str]:
    """One full name -> (first incl. middle names, last, suffix, problem); titles dropped.

    Post-nominal letters and generational suffixes ("Jane Roe, PhD", "Bob Jones Jr.")
    stay out of the first and last name: they are returned apart, as nameparser finds them.
    """
    text = " ".join(value.replace("\u00a0", " ").split())
    if not text:
        return "", "", "", ""
    simple = _SIMPLE_TWO.match(text)
    if simple and simple.group(1).lower().rstrip(".") not in EXTRA_TITLES_SET \
            and not is_name_suffix(simple.group(2)):
        return capitalise_name(simple.group(1)), capitalise_name(simple.group(2)), "", ""
    name = HumanName(text, constants=_constants())
    first = " ".join(p for p in (name.first, name.middle) if p)
    last, suffix = name.last, name.suffix
    if not last and suffix and "," not in text:  # "Ed Jr": the only word after the first name is the last name
        last, suffix = suffix, ""
    if not first and not last:
        return "", "", "", "not a person's name"
    suffix = ", ".join(capitalise_suffix(s) for s in re.split(r",?\s+|,", suffix) if s)
    if "," in text and not name.last:
        return capitalise_name(first), "", suffix, "could not tell first from last name"
    return capitalise_name(first), capitalise_name(last), suffix, ""


def capitalise_suffix(word: str) -> str:
    """A suffix as usually written: PhD, MBA, Jr., III; others as given."""
    return SUFFIXES.get(word.lower(), SUFFIXES.get(word.lower() + ".", word))


EXTRA_TITLES_SET = set(EXTRA_TITLES) | {"mr", "mrs", "ms", "miss", "mx", "sir", "dame"}


def split_full_names(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Full names ("Dr. Jane van der Berg", "SMITH, JOHN", "Jane Roe, PhD") -> (first, last, suffix, problems)."""
    out = map_distinct(as_text(values), split_full_name, names=("first", "last", "suffix", "problems"))
    return out["first"], out["last"], out["suffix"], out["problems"]
