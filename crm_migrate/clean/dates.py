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
_MONTH_NAMES = {  # full names and usual abbreviations in the languages headers are mapped in
    1: "january jan januar jänner jän janvier janv enero ene gennaio gen janeiro januari",
    2: "february feb februar février fevrier févr fevr fév fev febrero febbraio fevereiro februari",
    3: "march mar märz maerz mär mars marzo março marco maart mrt",
    4: "april apr avril avr abril aprile",
    5: "may mai mayo maggio mag maio mei",
    6: "june jun juni juin junio giugno giu junho",
    7: "july jul juli juillet juil julio luglio lug julho",
    8: "august aug août aout agosto ago augustus",
    9: "september sep sept septembre septiembre settembre set setembro",
    10: "october oct oktober okt octobre octubre ottobre ott outubro out",
    11: "november nov novembre noviembre novembro",
    12: "december dec dezember dez décembre decembre déc diciembre dic dicembre dezembro",
}
MONTH_NUMBERS = {name: number for number, names in _MONTH_NAMES.items() for name in names.split()}
# article, preposition and weekday words around a date ("le 3 mars", "3 de marzo de", "am 3. März")
DATE_FILLERS = frozenset("""
the of on le la el il lo de del do da em en am den der op
monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun
montag dienstag mittwoch donnerstag freitag samstag sonntag
lundi mardi mercredi jeudi vendredi samedi dimanche
lunes martes miércoles miercoles jueves viernes sábado sabado domingo
lunedì lunedi martedì martedi mercoledì mercoledi giovedì giovedi venerdì venerdi sabato domenica
segunda terça terca quarta quinta sexta feira
maandag dinsdag woensdag donderdag vrijdag zaterdag zondag
""".split())
_DAY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th|er|re|e|º|ª|°|o)?$")
MONTHS = {name: ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")[n - 1]
          for name, n in MONTH_NUMBERS.items()}
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
    return _iso(moment), two_digit_year_note(c, year) if len(a) != 4 and len(c) == 2 else ""


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


def _month_number(word: str) -> int | None:
    return MONTH_NUMBERS.get(word.lower().rstrip("."))


def two_digit_year_note(text: str, year: int) -> str:
    """The report line for a two-digit year: what it was read as, and the pivot that decided."""
    limit = (date.today().year + TWO_DIGIT_PIVOT_AHEAD) % 100
    century = date.today().year // 100 * 100
    return (f"two-digit year {text} read as {year} (00-{limit:02d} -> {century}s, "
            f"{limit + 1:02d}-99 -> {century - 100}s)")


def parse_month_name_date(text: str) -> tuple[str, str] | None:
    """Day, month name and year in any order a language writes them; None when not such a date.

    "3 de marzo de 1975", "le 3 mars 1975", "3. März 1975", "March 3rd, 1975", "07-Jan-82".
    """
    words = [w for w in re.split(r"[\s,/\-]+|(?<=\d)\.(?=\s|$)", text.lower().strip(" .,")) if w]
    words = [w.rstrip(".") for w in words if w.rstrip(".") not in DATE_FILLERS]
    months = [i for i, w in enumerate(words) if _month_number(w)]
    if len(words) != 3 or len(months) != 1:
        return None
    month = _month_number(words[months[0]]) or 0
    rest = [w for i, w in enumerate(words) if i != months[0]]
    if re.fullmatch(r"\d{4}", rest[0]) and _DAY.match(rest[1]):
        year_text, day_match = rest[0], _DAY.match(rest[1])
    elif re.fullmatch(r"\d{2}|\d{4}", rest[1]) and _DAY.match(rest[0]):
        year_text, day_match = rest[1], _DAY.match(rest[0])
    else:
        return None
    assert day_match is not None
    year = _year(year_text)
    try:
        moment = date(year, month, int(day_match.group(1)))
    except ValueError:
        return "", "not a valid date"
    return moment.isoformat(), two_digit_year_note(year_text, year) if len(year_text) == 2 else ""


def _parse_words(text: str, dayfirst: bool | None) -> tuple[str, str]:
    named = parse_month_name_date(text)
    if named is not None:
        return named
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
