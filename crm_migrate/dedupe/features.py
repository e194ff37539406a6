"""Comparison-ready columns derived once per record: folded names, phone digits, address keys."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from crm_migrate.dedupe.model import LevelModel

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_DIGITS = re.compile(r"\D+")

# legal forms removed before company names are compared ("Acme GmbH" == "ACME Inc.")
LEGAL_SUFFIXES = frozenset(
    "inc incorporated corp corporation co company llc llp lp ltd limited plc pty pte bv nv "
    "gmbh mbh ag kg ohg ug ev gbr kgaa se sa sas sarl sasu sca snc sl slu srl spa sapa "
    "sc scs oy ab as asa aps oyj kk kft zrt sro spol zoo sp bhd sdn pvt group holding "
    "holdings the und and et y cie".split()
)

# street-type words and their short forms, folded, in several languages
# the columns whose value frequencies adjust agreement (a common name is weaker evidence)
FREQUENCY_FIELDS = ("first", "last", "name", "city", "company")
STREET_WORDS = {
    "street": "st", "str": "st", "strasse": "st", "strase": "st", "st": "st",
    "avenue": "ave", "av": "ave", "ave": "ave", "avda": "ave", "avenida": "ave",
    "road": "rd", "rd": "rd", "drive": "dr", "dr": "dr", "lane": "ln", "ln": "ln",
    "boulevard": "blvd", "blvd": "blvd", "bd": "blvd", "court": "ct", "ct": "ct",
    "place": "pl", "pl": "pl", "platz": "pl", "plaza": "pl", "square": "sq", "sq": "sq",
    "terrace": "tce", "tce": "tce", "terr": "tce", "crescent": "cres", "cres": "cres",
    "circuit": "cct", "cct": "cct", "highway": "hwy", "hwy": "hwy", "parkway": "pkwy",
    "pkwy": "pkwy", "way": "way", "weg": "way", "gasse": "gasse", "allee": "allee",
    "calle": "c", "rue": "rue", "chemin": "ch", "north": "n", "south": "s", "east": "e",
    "west": "w", "apartment": "apt", "apt": "apt", "unit": "unit", "suite": "ste",
    "ste": "ste", "floor": "fl", "fl": "fl", "close": "cl", "cl": "cl", "mount": "mt",
    "mt": "mt", "saint": "st", "sankt": "st",
}


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case, accents removed, punctuation to single spaces."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_ALNUM.sub(" ", plain).split())


@lru_cache(maxsize=200_000)
def company_core(name: str) -> str:
    """A company name without legal form words ("ACME GmbH & Co. KG" -> "acme")."""
    words = fold(name.replace("&", " and ")).split()
    core = [w for w in words if w not in LEGAL_SUFFIXES]
    return " ".join(core or words)


@lru_cache(maxsize=200_000)
def address_key(address: str) -> str:
    """A street address with street-type words shortened ("12 Main Street" -> "12 main st")."""
    words = fold(address).split()
    out: list[str] = []
    for word in words:
        if word.endswith("strasse") and len(word) > 7:  # "hauptstrasse" -> "haupt st"
            out.extend([word[:-7], "st"])
        elif word.endswith("str") and len(word) > 5:
            out.extend([word[:-3], "st"])
        else:
            out.append(STREET_WORDS.get(word, word))
    return " ".join(out)


def house_number(address: str) -> str:
    """The first number in an address key, or ""."""
    for word in address.split():
        if word[:1].isdigit():
            return word
    return ""


def phone_digits(phone: str) -> str:
    """Digits of a phone number without extension."""
    if not phone:
        return ""
    return _DIGITS.sub("", phone.split(";")[0].split("x")[0])


def email_local(email: str) -> str:
    """The local part of an address without +tags and dots ("j.doe+crm@x" -> "jdoe")."""
    if "@" not in email:
        return ""
    local = email.split("@", 1)[0].split("+", 1)[0].replace(".", "").replace("_", "").replace("-", "")
    return local


def website_domain(url: str) -> str:
    """The host of a website without scheme, www. and path."""
    text = url.strip().lower()
    text = re.sub(r"^[a-z]+://", "", text)
    text = text.split("/", 1)[0].split("?", 1)[0].split(":", 1)[0]
    return text[4:] if text.startswith("www.") else text


def value_frequencies(columns: dict[str, list[str]]) -> dict[str, Counter[str]]:
    """How often each name (and city, company) occurs, for frequency-adjusted agreement."""
    return {name: Counter(v for v in columns[name] if v) for name in FREQUENCY_FIELDS if name in columns}


@dataclass
class Features:
    """Per-record comparison values for one object type, all lists of str ("" when missing)."""

    object_name: str
    size: int
    # a column is a list of str until it is first asked for as an array, then that array (the
    # list's 8 bytes a record dropped: ~150 MB at a million rows over the compared columns)
    columns: dict[str, list[str] | np.ndarray] = field(default_factory=dict)
    phones: list[tuple[str, ...]] = field(default_factory=list)
    frequencies: dict[str, Counter[str]] = field(default_factory=dict)
    _arrays: dict[str, np.ndarray] = field(default_factory=dict)
    _counts: dict[str, np.ndarray] = field(default_factory=dict)
    _codes: dict[tuple[str, ...], tuple[np.ndarray, int]] = field(default_factory=dict)
    _memos: dict[str, object] = field(default_factory=dict)  # scoring's per-comparator PairMemo
    model: LevelModel | None = None  # learned match weights (None: the hand-set rules)

    def get(self, name: str) -> list[str]:
        """A derived column, or a list of "" when the frame lacks it."""
        values = self.columns.get(name)
        if values is None:
            return [""] * self.size
        if isinstance(values, np.ndarray):
            return list(values)  # the same str objects, for a caller that walks them once
        return values

    def array(self, name: str) -> np.ndarray:
        """A derived column as a numpy object array (cached; it replaces the column's list)."""
        if name not in self._arrays:
            values = self.columns.get(name)
            if isinstance(values, np.ndarray):
                self._arrays[name] = values
            else:
                self._arrays[name] = np.asarray(values if values is not None else [""] * self.size, dtype=object)
                if values is not None:
                    self.columns[name] = self._arrays[name]
        return self._arrays[name]

    def counts(self, name: str) -> np.ndarray:
        """For each record, how many records share its value of a column (cached)."""
        if name not in self._counts:
            freq = self.frequencies.get(name) or Counter()
            self._counts[name] = np.asarray([freq.get(v, 0) for v in self.get(name)], dtype=float)
        return self._counts[name]


    def years(self) -> np.ndarray:
        """Per record, the year of birth as a number (NaN where unknown; cached)."""
        key = "dob\x00years"
        if key not in self._arrays:
            years = pd.to_numeric(pd.Series(self.get("dob_year"), dtype=object), errors="coerce")
            self._arrays[key] = years.to_numpy(dtype=float)
        return self._arrays[key]

    def filled(self, name: str) -> np.ndarray:
        """Per record, whether it has a value in a column (cached)."""
        key = f"{name}\x00filled"
        if key not in self._arrays:
            self._arrays[key] = np.asarray([bool(v) for v in self.get(name)], dtype=bool)
        return self._arrays[key]

    def shared_codes(self, names: tuple[str, ...]) -> list[np.ndarray]:
        """Int codes of several columns in one numbering: equal strings, equal codes, across columns."""
        key = ("\x00shared", *names)
        if key not in self._codes:
            codes, _ = pd.factorize(np.concatenate([self.array(n) for n in names]), use_na_sentinel=False)
            self._codes[key] = (np.asarray(codes, dtype=np.int64), len(names))
        codes = self._codes[key][0]
        return [codes[k * self.size:(k + 1) * self.size] for k in range(len(names))]

    def shared_count(self, names: tuple[str, ...]) -> int:
        """How many distinct codes shared_codes(names) uses (at least 1)."""
        key = ("\x00count", *names)
        if key not in self._codes:
            codes = np.concatenate(self.shared_codes(names))
            self._codes[key] = (codes[:0], int(codes.max()) + 1 if len(codes) else 1)
        return self._codes[key][1]

    def value_codes(self, names: tuple[str, ...]) -> tuple[np.ndarray, int]:
        """Per record, an int code of its values of these columns (equal values, equal code); how many codes."""
        if names not in self._codes:
            codes = np.zeros(self.size, dtype=np.int64)
            count = 1
            for name in names:
                column, uniques = pd.factorize(self.array(name), use_na_sentinel=False)
                codes = codes * max(1, len(uniques)) + column
                count *= max(1, len(uniques))
                if count > 1 << 31:  # keep pair keys (code * count + code) within int64
                    codes, uniques = pd.factorize(codes, use_na_sentinel=False)
                    count = max(1, len(uniques))
            if len(names) > 1:
                codes, uniques = pd.factorize(codes, use_na_sentinel=False)
                count = max(1, len(uniques))
            self._codes[names] = (np.asarray(codes, dtype=np.int64), count)
        return self._codes[names]


def _column(frame: pd.DataFrame, name: str) -> list[str]:
    if name not in frame.columns:
        return [""] * len(frame)
    return ["" if v is None or v != v else str(v).strip() for v in frame[name].tolist()]


def _mapped(values: list[str], func: object, on_progress: Callable[[float], None] | None = None) -> list[str]:
    if on_progress is not None and len(values) > PROGRESS_ROWS:  # a slow comparison key: in parts
        out: list[str] = []
        for start in range(0, len(values), PROGRESS_ROWS):
            out += _mapped(values[start:start + PROGRESS_ROWS], func)
            on_progress(min(1.0, (start + PROGRESS_ROWS) / len(values)))
        return out
    cache: dict[str, str] = {}
    out = []
    for value in values:
        hit = cache.get(value)
        if hit is None:
            hit = func(value) if value else ""  # type: ignore[operator]
            if hit == value:  # unchanged (an e-mail already lower-case): the same str object,
                hit = value  # not a second copy of it for each distinct value
            cache[value] = hit
        out.append(hit)
    return out


PROGRESS_ROWS = 250_000  # rows a slow key is derived for between two progress calls


def _split_full_name(first: list[str], last: list[str]) -> tuple[list[str], list[str]]:
    """First/last where only one holds a two-word name ("John Smith", "") -> ("john", "smith")."""
    out_first, out_last = list(first), list(last)
    for i, (f, la) in enumerate(zip(first, last, strict=True)):
        if f and not la and " " in f:
            out_first[i], out_last[i] = f.split(" ", 1)[0], f.split(" ", 1)[1]
        elif la and not f and " " in la:
            out_first[i], out_last[i] = la.split(" ", 1)[0], la.split(" ", 1)[1]
    return out_first, out_last


def build_features(frame: pd.DataFrame, object_name: str,
                   on_progress: Callable[[float], None] | None = None) -> Features:
    """Derive the comparison columns from a cleaned frame (on_progress: 0..1 between column groups)."""
    progress = on_progress or (lambda fraction: None)
    feats = Features(object_name=object_name, size=len(frame))
    cols: dict[str, list[str]] = {}
    if object_name == "contacts":
        first, last = _split_full_name(_mapped(_column(frame, "firstname"), fold),
                                       _mapped(_column(frame, "lastname"), fold))
        cols["first"], cols["last"] = first, last
        progress(0.1)
        cols["email"] = _mapped(_column(frame, "email"), str.lower)
        cols["email_local"] = _mapped(cols["email"], email_local)
        cols["company"] = _mapped(_column(frame, "company"), company_core)
        progress(0.2)
        # derived per distinct value: equal values share one str object (a million rows repeat a lot)
        cols["dob"] = _mapped(_column(frame, "date_of_birth"), lambda d: d[:10])
        cols["dob_year"] = _mapped(cols["dob"], lambda d: d[:4])
        cols["dob_swapped"] = _mapped(cols["dob"], lambda d: f"{d[:4]}-{d[8:10]}-{d[5:7]}" if len(d) == 10 else d)
        cols["email_user"] = _mapped(cols["email"], lambda e: e.split("@", 1)[0])
        cols["email_user_nodots"] = _mapped(cols["email_user"], lambda u: u.replace(".", "") if len(u) >= 4 else "")
        cols["jobtitle"] = _mapped(_column(frame, "jobtitle"), fold)
        progress(0.3)
        phone = _mapped(_column(frame, "phone"), phone_digits)
        mobile = _mapped(_column(frame, "mobilephone"), phone_digits)
        feats.phones = [tuple(p for p in pair if len(p) >= 6) for pair in zip(phone, mobile, strict=True)]
        cols["phone_a"] = [p if len(p) >= 6 else "" for p in phone]
        cols["phone_b"] = [p if len(p) >= 6 else "" for p in mobile]
        cols["phone_a_tail"] = _mapped(cols["phone_a"], lambda p: p[-9:])
        cols["phone_b_tail"] = _mapped(cols["phone_b"], lambda p: p[-9:])
    elif object_name == "companies":
        domain = [d.lower() for d in _column(frame, "domain")]
        website = _mapped(_column(frame, "website"), website_domain)
        cols["domain"] = [d or w for d, w in zip(domain, website, strict=True)]
        cols["name"] = _mapped(_column(frame, "name"), company_core)
        phone = _mapped(_column(frame, "phone"), phone_digits)
        feats.phones = [(p,) if len(p) >= 6 else () for p in phone]
        cols["phone_a"] = [p if len(p) >= 6 else "" for p in phone]
        cols["phone_a_tail"] = [p[-9:] for p in cols["phone_a"]]
    else:
        cols["dealname"] = _mapped(_column(frame, "dealname"), fold)
        cols["amount"] = _mapped(_column(frame, "amount"), _amount_key)
        cols["closedate"] = [d[:10] for d in _column(frame, "closedate")]
        cols["closedate_month"] = [d[:7] for d in cols["closedate"]]
        cols["pipeline"] = _mapped(_column(frame, "pipeline"), fold)
        cols["dealstage"] = _mapped(_column(frame, "dealstage"), fold)
        cols["company"] = _mapped(_column(frame, "company"), company_core)
        feats.phones = [()] * len(frame)
    progress(0.5)
    if object_name in ("contacts", "companies"):
        cols["address"] = _mapped(_column(frame, "address"), address_key, lambda f: progress(0.5 + 0.1 * f))
        cols["house"] = _mapped(cols["address"], house_number)
        cols["city"] = _mapped(_column(frame, "city"), fold)
        progress(0.7)
        cols["zip"] = _mapped(_column(frame, "zip"), lambda z: fold(z).replace(" ", ""))
        cols["state"] = _mapped(_column(frame, "state"), fold)
        cols["country"] = _mapped(_column(frame, "country"), fold)
    progress(0.8)
    feats.frequencies = value_frequencies(cols)
    feats.columns.update(cols)
    return feats


def _amount_key(value: str) -> str:
    try:
        return f"{float(value.replace(',', '')):.2f}"
    except ValueError:
        return fold(value)
