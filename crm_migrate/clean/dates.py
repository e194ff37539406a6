"""Dates to ISO 8601: day-first or month-first decided per column from the values themselves."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pandas as pd
from dateutil import parser

from crm_migrate.clean.result import NormalizeResult, as_text, map_distinct

AMBIGUOUS = "ambiguous date: day-first or month-first?"
EXCEL_EPOCH = date(1899, 12, 30)
SERIAL_MIN, SERIAL_MAX = 3000, 73050  # 1908-03-18 .. 2099-12-31: plausible spreadsheet serials
TWO_DIGIT_PIVOT_AHEAD = 10  # yy -> the 100-year window ending 10 years from now

_NUMERIC = re.compile(
    r"^(\d{1,4})([./\-\s])(\d{1,2})\2(\d{2,4})"
    r"(?:[T\s,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([ap]\.?m\.?)?\s*(z|utc|[+-]\d{2}:?\d{2})?)?$",
    re.I,
)
_SERIAL = re.compile(r"^\d{1,7}(?:\.\d+)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
MONTHS = {
    "januar": "jan", "jänner": "jan", "janvier": "jan", "enero": "jan", "februar": "feb",
    "février": "feb", "fevrier": "feb", "febrero": "feb", "märz": "mar", "maerz": "mar",
    "mars": "mar", "marzo": "mar", "avril": "apr", "abril": "apr", "mai": "may", "mayo": "may",
    "juni": "jun", "juin": "jun", "junio": "jun", "juli": "jul", "juillet": "jul", "julio": "jul",
    "août": "aug", "aout": "aug", "agosto": "aug", "septembre": "sep", "septiembre": "sep",
    "oktober": "oct", "octobre": "oct", "octubre": "oct", "novembre": "nov", "noviembre": "nov",
    "dezember": "dec", "décembre": "dec", "decembre": "dec", "diciembre": "dec",
    "okt": "oct", "dez": "dec", "mär": "mar", "févr": "feb", "janv": "jan", "déc": "dec",
}
_EN_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_WORD_MDY = re.compile(r"^([^\W\d_]{3,10})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_WORD_DMY = re.compile(r"^(\d{1,2})(?:\.|st|nd|rd|th|er)?\s+([^\W\d_]{3,10})\.?,?\s+(\d{4})$")
_MONTH_WORD = re.compile(r"[^\W\d_]+\.?", re.U)


def _year(text: str) -> int:
    year = int(text)
    if len(text) <= 2:
        limit = (date.today().year + TWO_DIGIT_PIVOT_AHEAD) % 100
        century = date.today().year // 100 * 100
        year = century + year if year <= limit else century - 100 + year
    return year


def _time(hour: str | None, minute: str | None, second: str | None, ampm: str | None) -> tuple[int, int, int] | None:
    if hour is None:
        return None
    h, m, s = int(hour), int(minute or 0), int(second or 0)
    if ampm:
        pm = ampm.lower().startswith("p")
        if h == 12:
            h = 0
        h += 12 if pm else 0
    return h, m, s


def _iso(moment: date | datetime) -> str:
    if isinstance(moment, datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        if (moment.hour, moment.minute, moment.second) == (0, 0, 0) and moment.microsecond == 0:
            return moment.date().isoformat()
        return moment.replace(microsecond=0).isoformat() + "Z"
    return moment.isoformat()


def _order(value: str) -> str:
    """'dmy', 'mdy', 'either' (both readings valid and differ), 'same', or '' (not d/m/y numeric)."""
    match = _NUMERIC.match(value.strip())
    if not match or len(match.group(1)) == 4:
        return ""
    first, second = int(match.group(1)), int(match.group(3))
    if first > 12 and second <= 12:
        return "dmy"
    if second > 12 and first <= 12:
        return "mdy"
    if first == second:
        return "same"
    if match.group(2) == ".":
        return "dmy"  # 03.04.2021 is a German/European date
    return "either" if first <= 12 and second <= 12 else ""


def decide_dayfirst(values: list[str]) -> bool | None:
    """True/False when the values settle day-first vs month-first, None when they do not."""
    orders = {_order(v) for v in values}
    if "dmy" in orders and "mdy" not in orders:
        return True
    if "mdy" in orders and "dmy" not in orders:
        return False
    return None


def _numeric(match: re.Match[str], dayfirst: bool | None) -> tuple[str, str]:
    a, sep, b, c = match.group(1), match.group(2), match.group(3), match.group(4)
    tz = match.group(9)
    clock = _time(match.group(5), match.group(6), match.group(7), match.group(8))
    if len(a) == 4:
        year, month, day = int(a), int(b), int(c)
    else:
        first, second = int(a), int(b)
        if first > 12 or (sep == "." and dayfirst is None):
            order: bool | None = True
        elif second > 12:
            order = False
        elif first == second:
            order = True
        else:
            order = dayfirst
        if order is None:
            return "", AMBIGUOUS
        day, month = (first, second) if order else (second, first)
        year = _year(c)
    try:
        moment: date | datetime = date(year, month, day)
        if clock is not None:
            moment = datetime(year, month, day, *clock)
            if tz and tz.lower() not in ("z", "utc"):
                sign = 1 if tz[0] == "+" else -1
                digits = tz[1:].replace(":", "")
                offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
                moment = moment.replace(tzinfo=timezone(sign * offset))
    except ValueError:
        return "", "not a valid date"
    return _iso(moment), ""


def _translate_months(text: str) -> str:
    return _MONTH_WORD.sub(lambda m: MONTHS.get(m.group(0).lower().rstrip("."), m.group(0)), text)


def parse_date(value: str, dayfirst: bool | None = None, fmt: str | None = None) -> tuple[str, str]:
    """One cell -> (ISO date or UTC datetime, problem)."""
    text = value.strip().lstrip("'").strip()
    if not text:
        return "", ""
    if fmt:
        try:
            return _iso(datetime.strptime(text, fmt)), ""
        except ValueError:
            return "", f"not a date in the format {fmt}"
    compact = _COMPACT.match(text)
    if compact:
        try:
            return date(*map(int, compact.groups())).isoformat(), ""
        except ValueError:
            return "", "not a valid date"
    if _SERIAL.match(text):
        serial = float(text)
        if SERIAL_MIN <= serial <= SERIAL_MAX:
            moment = datetime.combine(EXCEL_EPOCH, datetime.min.time()) + timedelta(days=serial)
            return _iso(moment.replace(microsecond=0) if serial % 1 else moment.date()), ""
        return "", "not a date (a number outside the range of spreadsheet dates)"
    match = _NUMERIC.match(text)
    if match:
        return _numeric(match, dayfirst)
    try:
        return _iso(datetime.fromisoformat(text.replace("z", "Z"))), ""
    except ValueError:
        pass
    return _parse_words(text, dayfirst)


_EN_FULL = {name: i for i, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), start=1)}


def _month_number(word: str) -> int | None:
    key = word.lower().rstrip(".")
    key = MONTHS.get(key, key)
    return _EN_MONTHS.get(key) or _EN_FULL.get(key) or (9 if key == "sept" else None)


def _parse_words(text: str, dayfirst: bool | None) -> tuple[str, str]:
    simple = _WORD_MDY.match(text) or _WORD_DMY.match(text)
    if simple:  # "Mar 5, 2021" / "5 March 2021" / "5. März 2021" without dateutil
        word_first = simple.re is _WORD_MDY
        word, day = (simple.group(1), simple.group(2)) if word_first else (simple.group(2), simple.group(1))
        month = _month_number(word)
        if month is not None:
            try:
                return date(int(simple.group(3)), month, int(day)).isoformat(), ""
            except ValueError:
                return "", "not a valid date"

    translated = _translate_months(text)
    translated = re.sub(r"\b(\d{1,2})(?:\.|er|st|nd|rd|th)(?=\s)", r"\1", translated)
    sentinel = datetime(1, 1, 1)
    try:
        parsed = parser.parse(translated, dayfirst=bool(dayfirst), default=sentinel)
    except (ValueError, OverflowError, parser.ParserError):
        return "", "not a date"
    if parsed.year == 1:
        return "", "not a complete date (no year)"
    if parser.parse(translated, dayfirst=bool(dayfirst), default=datetime(1, 1, 2)).day != parsed.day:
        return "", "not a complete date (no day)"
    if not re.search(r"[^\W\d_]", translated) and dayfirst is None and _order(text) == "either":
        return "", AMBIGUOUS
    return _iso(parsed), ""


def normalize_dates(
    values: pd.Series, *, dayfirst: bool | None = None, fmt: str | None = None
) -> NormalizeResult:
    """Date cells to `YYYY-MM-DD` (or `YYYY-MM-DDTHH:MM:SSZ` with a time, taken as UTC when naive).

    Without `dayfirst`/`fmt` the column decides, per separator: a first part over 12 means
    day-first, a second part over 12 month-first; dotted dates are day-first. A value that stays
    ambiguous is blanked and reported, never guessed. Excel serials (44927 -> 2023-01-01)
    and two-digit years (window ending 10 years from today) are understood.
    """
    text = as_text(values)
    if dayfirst is not None or fmt is not None:
        out = map_distinct(text, lambda v: parse_date(v, dayfirst, fmt))
        return NormalizeResult(out["values"], out["problems"])
    uniques = [str(u) for u in pd.unique(text[text != ""])]
    by_separator: dict[str, list[str]] = {}
    for value in uniques:
        match = _NUMERIC.match(value.strip())
        if match:
            by_separator.setdefault(match.group(2), []).append(value)
    decided = {sep: decide_dayfirst(group) for sep, group in by_separator.items()}
    # a separator whose values settle nothing follows the others when they agree
    agreed = {d for sep, d in decided.items() if d is not None and sep != "."}
    fallback = agreed.pop() if len(agreed) == 1 else None
    decisions = {sep: (d if d is not None else fallback) for sep, d in decided.items()}

    def one(value: str) -> tuple[str, str]:
        match = _NUMERIC.match(value.strip())
        return parse_date(value, decisions.get(match.group(2)) if match else fallback, None)

    out = map_distinct(text, one)
    return NormalizeResult(out["values"], out["problems"])


def excel_serial(day: date) -> int:
    """The spreadsheet serial number of a date (for tests and writers)."""
    return (day - EXCEL_EPOCH).days
