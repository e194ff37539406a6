"""Number cells ("€ 1.234,50", "$1,234.50", "12k", "(1,200)", "70%") to plain decimal text.

A percentage keeps the number as written ("70%" -> 70): a custom number property holds what
its users type into it (a "Probability (%)" field shows 70, not 0.7). HubSpot's own 0..1
probability (hs_deal_stage_probability) is calculated from the stage and never written."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from crm_migrate.clean.result import NormalizeResult, as_text, map_distinct

if TYPE_CHECKING:
    import pandas as pd

_CURRENCIES = r"(?:eur|usd|gbp|chf|jpy|cad|aud|sek|nok|dkk|pln|€|\$|£|¥|₹|fr\.)"
_SUFFIX = {"k": Decimal(1_000), "m": Decimal(1_000_000), "mio": Decimal(1_000_000),
           "mn": Decimal(1_000_000), "b": Decimal(1_000_000_000), "bn": Decimal(1_000_000_000),
           "mrd": Decimal(1_000_000_000), "tsd": Decimal(1_000)}
# the second branch starts only where a run of spaces starts and takes it whole: linear time
_CURRENCY_AT_ENDS = re.compile(rf"^([-+]?)\s*{_CURRENCIES}\s*|(?<!\s)\s*+{_CURRENCIES}$", re.I)
NUMBER_CHARS = 100  # no amount is written longer: longer cells are not examined
_GROUPED = re.compile(r"[-+]?\d{1,3}(?:[\s']\d{3})+(?:[.,]\d+)?(?:\s?[a-zA-Z]{1,3}\.?)?")
_EURO_STYLE = re.compile(r"\d\.\d{3}(?:,|\.\d{3}|$)|\d,\d{1,2}$")
_PERCENT = re.compile(r"(.*\d)\s*%")


def _plain(number: Decimal) -> str:
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def parse_number(value: str, comma_decimal: bool = False) -> tuple[str, str]:
    """One cell -> (number as text, problem); `comma_decimal` when the column writes 1.234,50."""
    text = value.strip()
    if not text:
        return "", ""
    if len(text) > NUMBER_CHARS:
        return "", "not a number"
    if re.fullmatch(r"[\d.,]+\s*(?:-|–|to|bis)\s*[\d.,]+", text):
        return "", "a range, not a number: write one number"
    approx = re.match(r"(?i)^(?:approx\.?|ca\.?|circa|about|~|rund|etwa|env\.?|environ)\s*", text)
    if approx:
        number, problem = parse_number(text[approx.end():], comma_decimal)
        return number, problem or ("approximate number: kept " + number if number else "")
    percent = _PERCENT.fullmatch(text)
    if percent:  # "70%", "12,5 %": the number as written
        return parse_number(percent.group(1), comma_decimal)
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1]
    # a currency only at either end; spaces and ' only between groups of three digits
    text = _CURRENCY_AT_ENDS.sub(r"\1", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()
    if re.search(r"[\s']", text) and not _GROUPED.fullmatch(text):
        return "", "not a number"
    text = re.sub(r"[\s']", "", text)
    if text.startswith("-"):
        negative, text = not negative, text[1:]
    text = text.lstrip("+")
    match = re.fullmatch(r"([\d.,]+)([a-zA-Z]{0,3})\.?", text)
    if not match:
        return "", "not a number"
    digits, suffix = match.group(1), match.group(2).lower()
    if suffix and suffix not in _SUFFIX:
        return "", "not a number"
    if "," in digits and "." in digits:
        decimal_sep = "," if digits.rfind(",") > digits.rfind(".") else "."
    elif digits.count(",") > 1 or digits.count(".") > 1:
        decimal_sep = "." if digits.count(",") > 1 else ","
    elif "," in digits:
        decimal_sep = "," if comma_decimal or not re.search(r",\d{3}$", digits) else "."
    elif "." in digits:
        decimal_sep = "," if comma_decimal and re.search(r"\.\d{3}$", digits) else "."
    else:
        decimal_sep = "."
    thousands = "," if decimal_sep == "." else "."
    normal = digits.replace(thousands, "").replace(decimal_sep, ".")
    try:
        amount = Decimal(normal)
    except InvalidOperation:
        return "", "not a number"
    if suffix:
        amount *= _SUFFIX[suffix]
    return _plain(-amount if negative else amount), ""


def normalize_numbers(values: pd.Series, *, integer: bool = False) -> NormalizeResult:
    """Number cells to plain decimal text; the column decides whether `,` is the decimal mark."""
    text = as_text(values)
    comma_decimal = bool(text.str.contains(_EURO_STYLE.pattern, regex=True).any())

    def one(value: str) -> tuple[str, str]:
        number, problem = parse_number(value, comma_decimal)
        if number and integer and "." in number:
            return number.split(".")[0], f"not a whole number: cut to {number.split('.')[0]}"
        return number, problem

    out = map_distinct(text, one)
    return NormalizeResult(out["values"], out["problems"])
