"""Phone numbers to E.164 with phonenumbers; extensions kept as `+14155550123;ext=12`."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import phonenumbers
from phonenumbers import PhoneNumber
from phonenumbers.phonemetadata import PhoneMetadata

from crm_migrate.clean.result import NormalizeResult, as_text

SEP = "\x1f"
# only punctuation around digits: such cells parse the same as their digits alone
_PUNCT_ONLY = re.compile(r"^\+?[\d\s().\-]+$")
_PUNCT = re.compile(r"[\s().\-]")
_LEADING_JUNK = re.compile(r"^(?:tel|phone|fax|mobile|mob|cell|tel\.?|ph)\s*[:.]\s*", re.I)


# letters between digits: a typo, never dropped silently (an extension or a vanity word is fine)
_LETTERS_INSIDE = re.compile(r"\d[\s.\-]*[^\W\d_]+[\s.\-]*\d")
_EXTENSION = re.compile(r"\d\s*(?:ext\.?|extn?\.?|extension|x|#|dw|durchwahl|poste)\s*:?\s*\d{1,6}\s*$", re.I)
_VANITY = re.compile(r"[A-Z]{3,}")


def _prepare(text: str) -> str:
    """Strip quote marks, `tel:` prefixes and a spreadsheet's `.0` from a cell."""
    text = text.strip().lstrip("'").strip()
    if text.lower().startswith("tel:"):
        text = text[4:]
    text = _LEADING_JUNK.sub("", text)
    if re.fullmatch(r"\d{6,15}\.0", text):
        text = text[:-2]
    return text.strip()


def _format(number: Any) -> str:
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    extension = getattr(number, "extension", None)
    return f"{e164};ext={extension}" if extension else e164


@lru_cache(maxsize=1)
def _nanp_regions() -> frozenset[str]:
    return frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(1, ()))


def _nanp_fast(text: str, region: str | None) -> PhoneNumber | None:
    """A PhoneNumber built directly for plain NANP digits (what parse() would return), else None."""
    if len(text) == 10 and text.isdigit() and text[0] in "23456789" and region in _nanp_regions():
        return PhoneNumber(country_code=1, national_number=int(text))
    if len(text) == 12 and text.startswith("+1") and text[2:].isdigit() and text[2] in "23456789":
        return PhoneNumber(country_code=1, national_number=int(text[2:]))
    return None


# every type a valid number may have (the most common first: any match makes it valid)
DESC_NAMES = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "voip",
              "personal_number", "pager", "uan", "voicemail")


@lru_cache(maxsize=512)
def _region_rules(region: str) -> tuple[int, Any] | None:
    """(country code, check(nsn)) replicating phonenumbers.is_valid_number_for_region with
    precompiled patterns; None for an unknown region."""
    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        return None

    def compile_desc(desc: Any) -> tuple[frozenset[int], re.Pattern[str]] | None:
        if desc is None or not desc.national_number_pattern:
            return None
        return frozenset(desc.possible_length or ()), re.compile(desc.national_number_pattern)

    general = compile_desc(metadata.general_desc)
    kinds = [c for c in (compile_desc(getattr(metadata, n, None)) for n in DESC_NAMES) if c]

    def matches(rule: tuple[frozenset[int], re.Pattern[str]], nsn: str) -> bool:
        lengths, pattern = rule
        return (not lengths or len(nsn) in lengths) and pattern.fullmatch(nsn) is not None

    def check(nsn: str) -> bool:
        return general is not None and matches(general, nsn) and any(matches(k, nsn) for k in kinds)

    return phonenumbers.country_code_for_valid_region(region), check


@lru_cache(maxsize=512)
def _possible_lengths(country_code: int) -> frozenset[int]:
    """Every national number length any region of a country code allows (empty: unknown)."""
    lengths: set[int] = set()
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ()):
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
        desc = metadata.general_desc if metadata is not None else None
        if desc is None or not desc.possible_length:
            return frozenset()
        lengths.update(desc.possible_length)
    return frozenset(lengths)


def valid_for_region(number: Any, region: str) -> bool:
    """phonenumbers.is_valid_number_for_region, with the region's patterns compiled once."""
    rules = _region_rules(region)
    if rules is None or number.country_code != rules[0]:
        return False
    return bool(rules[1](phonenumbers.national_significant_number(number)))


def _valid(text: str, region: str | None) -> PhoneNumber | None:
    number = _nanp_fast(text, region)
    if number is None:
        try:
            number = phonenumbers.parse(text, region or None)
        except phonenumbers.NumberParseException:
            return None
    # the default region's rules first (cheap); then every region sharing the country code
    if region and valid_for_region(number, region):
        return number
    country_code = number.country_code or 0  # a parsed number always has one
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ())
    lengths = _possible_lengths(country_code)
    if lengths and len(phonenumbers.national_significant_number(number)) not in lengths:
        return None
    if len(regions) == 1 and regions[0] != "001":  # one region: the same test, precompiled
        return number if valid_for_region(number, regions[0]) else None
    if not any(valid_for_region(number, r) for r in regions if r != "001"):
        return None if "001" not in regions else (number if phonenumbers.is_valid_number(number) else None)
    return number if phonenumbers.is_valid_number(number) else None


def normalize_phone(value: str, region: str | None) -> tuple[str, str, str]:
    """One cell -> (E.164 or "", problem, other numbers found in the cell joined by ';')."""
    text = _prepare(value)
    if not text:
        return "", "", ""
    if not region and text.startswith("00"):
        text = "+" + text[2:]
    if _LETTERS_INSIDE.search(text) and not _EXTENSION.search(text) and not _VANITY.search(text):
        return "", "not a valid phone number: letters inside the number", ""
    number = _valid(text, region)
    if number is None and text.startswith("00"):
        number = _valid("+" + text[2:], None)
    if number is not None:
        return _format(number), "", ""
    if text.lstrip("+").isdigit():
        found = []  # plain digits hold one number at most
    else:  # several numbers in one cell ("415-555-0123 / 415-555-0199"): first kept, rest reported
        found = [m.number for m in phonenumbers.PhoneNumberMatcher(text, region or "ZZ", leniency=1)]
        found = [n for n in found if phonenumbers.is_valid_number(n)]
    if found:
        first, rest = _format(found[0]), ";".join(_format(n) for n in found[1:])
        if rest:
            return first, f"several phone numbers in one cell; kept the first, others: {rest}", rest
        return first, "", ""
    if not region and not text.startswith("+"):
        return "", "not a valid phone number: no country code and no default region", ""
    where = f" for {region}" if region and not text.startswith("+") else ""
    return "", f"not a valid phone number{where}{_reason(text, region)}", ""


def _reason(text: str, region: str | None) -> str:
    try:
        number = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException:
        return "" if any(c.isdigit() for c in text) else " (no digits)"
    reason = phonenumbers.is_possible_number_with_reason(number)
    reasons = {
        phonenumbers.ValidationResult.TOO_SHORT: " (too short: area code missing?)",
        phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: " (a local number: area code missing?)",
        phonenumbers.ValidationResult.TOO_LONG: " (too long)",
        phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: " (unknown country code)",
        phonenumbers.ValidationResult.INVALID_LENGTH: " (wrong number of digits)",
    }
    return reasons.get(reason, "")


def normalize_phones(values: pd.Series, region: str | None | pd.Series = None) -> NormalizeResult:
    """Phone cells to E.164; `region` is a default region or a per-row Series of region codes.

    A number written with +country code ignores the region. An extension stays in the
    value as `;ext=N` (RFC 3966 style). Impossible numbers are blanked and reported.
    Each distinct (cell, region) pair is parsed once.
    """
    text = as_text(values)
    per_row = isinstance(region, pd.Series)
    if per_row:
        assert isinstance(region, pd.Series)
        regions = as_text(region.reindex(values.index)).str.upper()
        codes, uniques = pd.factorize(text + SEP + regions, use_na_sentinel=False)
    else:
        codes, uniques = pd.factorize(text, use_na_sentinel=False)
    default = (region or "").upper() if not per_row else ""
    cache: dict[str, tuple[str, str, str]] = {}
    results: list[tuple[str, str, str]] = []
    for unique in uniques:
        cell, reg = str(unique).rsplit(SEP, 1) if per_row else (str(unique), default)
        key = _cache_key(cell)
        found = cache.get(key + SEP + reg)
        if found is None:
            found = normalize_phone(key, reg or None)
            cache[key + SEP + reg] = found
        results.append(found)
    columns = []
    for pos in range(3):
        column = np.empty(len(results), dtype=object)
        column[:] = [r[pos] for r in results]
        columns.append(pd.Series(column[codes] if len(codes) else [], index=values.index, dtype=object))
    return NormalizeResult(columns[0], columns[1], {"other_phones": columns[2]})


def _cache_key(cell: str) -> str:
    """Cells that differ only in punctuation around the digits share one parse."""
    text = cell.strip().lstrip("'").strip()
    if text.endswith(".0") and text[:-2].isdigit() and 6 <= len(text) - 2 <= 15:
        text = text[:-2]
    if _PUNCT_ONLY.match(text):
        text = _PUNCT.sub("", text)
    return text


def split_extension(value: str) -> tuple[str, str]:
    """`+14155550123;ext=12` -> ("+14155550123", "12")."""
    number, _, extension = value.partition(";ext=")
    return number, extension
