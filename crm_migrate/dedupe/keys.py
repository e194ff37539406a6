"""Contact blocking keys as int codes, built column-wise (no key string per record).

Each kind of key is a tuple of derived values (metaphone of the last name, an initial, the
city, ...). Records get the same code exactly when their tuples are equal, which is what the
old "a|b|c" key strings gave (no part can hold "|"), at a fraction of the time and memory:
a million records made ten million key strings before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crm_migrate.dedupe.features import house_number

if TYPE_CHECKING:
    from crm_migrate.dedupe.features import Features

KeyCodes = dict[str, tuple[np.ndarray, np.ndarray]]  # kind -> (record positions, key codes 0..k-1)


def factorize(values: np.ndarray, sort: bool = False) -> np.ndarray:
    """Int codes of values: equal values, equal codes (sorted: codes follow the values' order)."""
    codes, _ = pd.factorize(values, sort=sort, use_na_sentinel=False)
    return np.asarray(codes, dtype=np.int64)


def per_distinct(values: np.ndarray, func: Callable[[str], object]) -> np.ndarray:
    """func applied once per distinct value, spread back to every record (object array)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = np.empty(len(uniques), dtype=object)
    mapped[:] = [func(str(u)) for u in uniques]
    return mapped[codes] if len(codes) else np.empty(0, dtype=object)


def joint(*codes: np.ndarray) -> np.ndarray:
    """One code per record for a tuple of codes (equal tuples, equal codes), compact 0..k-1."""
    out = codes[0]
    for more in codes[1:]:
        out = factorize(out * (int(more.max()) + 1 if len(more) else 1) + more)
    combined: np.ndarray = factorize(out) if len(codes) == 1 else out
    return combined


def _filled(values: np.ndarray) -> np.ndarray:
    filled: np.ndarray = values != ""
    return filled


def _compact(rows: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A kind's record positions and codes as int32 while all kinds are held (half the memory:
    ~20 kinds of up to a million entries each at a million rows); blocking widens one kind at a
    time to int64 before it computes pair keys (i * size + j does not fit 32 bits)."""
    if len(rows) and max(int(rows.max()), int(codes.max())) >= 2**31:
        return rows, codes
    return rows.astype(np.int32), codes.astype(np.int32)


def contact_key_codes(feats: Features, first_initials: Callable[[str], set[str]],
                      phonetic: Callable[[str], str],
                      on_progress: Callable[[float], None] | None = None) -> KeyCodes:
    """Blocking keys of contacts (kinds and parts as blocking.key_codes documents)."""
    progress = on_progress or (lambda fraction: None)
    first, last = feats.array("first"), feats.array("last")
    last_tok = per_distinct(last, lambda w: w.split()[-1] if w else "")
    first_tok = per_distinct(first, lambda w: w.split()[0] if w else "")
    mp_last = per_distinct(last_tok, lambda w: phonetic(w) if w else "")
    mp_first = per_distinct(first_tok, lambda w: phonetic(w) if w else "")
    dob, zips, address = feats.array("dob"), feats.array("zip"), feats.array("address")
    city, local = feats.array("city"), feats.array("email_local")
    houses = per_distinct(address, lambda a: _house(a))
    has_ml, has_mf, has_lt = _filled(mp_last), _filled(mp_first), _filled(last_tok)
    has_zip, has_house, has_addr, has_city = _filled(zips), _filled(houses), _filled(address), _filled(city)
    full_dob = per_distinct(dob, len).astype(np.int64) == 10
    # one numbering for both metaphones, in string order: min/max of codes orders the strings
    both = factorize(np.concatenate([mp_last, mp_first]), sort=True)
    ml_code, mf_code = both[:feats.size], both[feats.size:]
    city_code = factorize(city)
    keys: KeyCodes = {}
    progress(0.4)

    def add(kind: str, mask: np.ndarray, *parts: np.ndarray) -> None:
        rows = np.flatnonzero(mask)
        keys[kind] = _compact(rows, joint(*(part[rows] for part in parts)) if len(rows) else rows)

    # name: metaphone of the last name, one initial (of the first name or of a nickname), city
    with_name = np.flatnonzero(has_ml & _filled(first))
    first_code, first_uniques = _factorize_with_uniques(first[with_name])
    initials = [sorted(first_initials(str(u))) for u in first_uniques]
    counts = np.asarray([len(x) for x in initials], dtype=np.int64)
    initial_code = factorize(np.asarray([x for group in initials for x in group] or [], dtype=object))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1])) if len(counts) else counts
    per_row = counts[first_code] if len(first_code) else np.zeros(0, dtype=np.int64)
    rows = np.repeat(with_name, per_row)
    offset = np.arange(len(rows)) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    which = np.repeat(starts[first_code], per_row) + offset if len(rows) else rows
    keys["name"] = _compact(rows, joint(ml_code[rows], initial_code[which], city_code[rows]) if len(rows) else rows)
    progress(0.6)
    add("swap", has_ml & has_mf, np.minimum(ml_code, mf_code), np.maximum(ml_code, mf_code))
    add("dob", full_dob, factorize(per_distinct(dob, _dob_key)))
    lt3 = factorize(per_distinct(last_tok, lambda w: w[:3]))
    zip_code = factorize(zips)
    add("zip", has_zip & has_lt, zip_code, lt3)
    phone_rows, phone_keys = [], []
    for name in ("phone_a", "phone_b"):
        if name in feats.columns:
            numbers = feats.array(name)
            rows = np.flatnonzero(_filled(numbers))
            phone_rows.append(rows)
            phone_keys.append(numbers[rows])
    if phone_rows:
        tails = per_distinct(np.concatenate(phone_keys), lambda p: p[-8:])
        keys["phone"] = _compact(np.concatenate(phone_rows), factorize(tails))
    else:
        keys["phone"] = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    progress(0.8)
    add("local", per_distinct(local, len).astype(np.int64) >= 4, factorize(local))
    add("addr", has_addr, factorize(address), factorize(per_distinct(last_tok, lambda w: w[:1])))
    add("fdob", has_mf & full_dob, mf_code, factorize(per_distinct(dob, lambda d: d[:4])))
    house_code = factorize(houses)
    add("house_zip", has_zip & has_house, house_code, zip_code)
    add("house_city", has_addr & has_house & has_city, house_code, city_code)
    progress(0.9)
    # compound keys that stay selective as a file grows (a name sound-alike with a postcode,
    # a birth year or a house number): the budget cuts the less selective kinds above first
    initial = factorize(per_distinct(first_tok, lambda w: w[:1]))
    year = factorize(per_distinct(dob, lambda d: d[:4]))
    has_year = per_distinct(dob, len).astype(np.int64) >= 4
    add("name_zip", has_ml & has_zip, ml_code, initial, zip_code)
    add("name_year", has_ml & has_year, ml_code, initial, year)
    add("name_house", has_ml & has_house, ml_code, house_code)
    # the two names' initials in either order (a swapped or misspelt name keeps them)
    first_letter = per_distinct(first_tok, lambda w: w[:1])
    last_letter = per_distinct(last_tok, lambda w: w[:1])
    both_initials = factorize(np.where(first_letter < last_letter, first_letter + last_letter,
                                       last_letter + first_letter))
    add("dob_initials", full_dob & has_lt & _filled(first_tok), factorize(dob), both_initials)
    add("swap_zip", has_ml & has_mf & has_zip, np.minimum(ml_code, mf_code), np.maximum(ml_code, mf_code),
        zip_code)
    # the first name's sound-alike with the last name's initial and the postcode: a surname
    # misspelt past its sound-alike (Koebut / Korbut) keeps them
    add("first_zip", has_mf & has_lt & has_zip, mf_code, factorize(last_letter), zip_code)
    return keys


def _factorize_with_uniques(values: np.ndarray) -> tuple[np.ndarray, list[object]]:
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(codes, dtype=np.int64), list(uniques)


def _house(address: str) -> str:
    return house_number(address) if address else ""


def _dob_key(dob: str) -> str:
    """A date key that is the same when day and month are swapped."""
    year, a, b = dob[:4], dob[5:7], dob[8:10]
    return f"{year}-{min(a, b)}-{max(a, b)}"
