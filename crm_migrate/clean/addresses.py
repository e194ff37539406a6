"""Address cells: "City, ST 12345", "12345 City" and multi-line addresses to street/city/state/zip."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from crm_migrate.clean.countries import country_code
from crm_migrate.clean.result import as_text, map_distinct

if TYPE_CHECKING:
    import pandas as pd

US_STATES = frozenset("""AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE
NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR VI GU AS MP
AB BC MB NB NL NS NT NU ON PE QC SK YT""".split())
# "Springfield, IL 62704" / "Springfield IL 62704-1234" / "Toronto, ON M5V 2T6"
_US = re.compile(r"^(?P<city>[^,\d][^,]*?),?\s+(?P<state>[A-Za-z]{2})\.?,?\s+(?P<zip>\d{5}(?:-\d{4})?|[A-Z]\d[A-Z]\s?\d[A-Z]\d)$")
# "Springfield, Illinois 62704"
_US_LONG = re.compile(r"^(?P<city>[^,\d][^,]*),\s*(?P<state>[A-Za-z][A-Za-z .]+?)\s+(?P<zip>\d{5}(?:-\d{4})?)$")
# "Springfield, IL" (no zip)
_US_NOZIP = re.compile(r"^(?P<city>[^,\d][^,]*),\s*(?P<state>[A-Za-z]{2})$")
# "10115 Berlin" / "D-10115 Berlin" / "75008 Paris" / "1010 Wien"
_EU = re.compile(r"^(?:[A-Z]{1,2}-)?(?P<zip>\d{4,5})\s+(?P<city>[^\d,].*)$")
# "London SW1A 1AA" / "SW1A 1AA London"
_UK_POST = r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}"
_UK = re.compile(rf"^(?P<city>[^\d,][^,]*?),?\s+(?P<zip>{_UK_POST})$|^(?P<zip2>{_UK_POST}),?\s+(?P<city2>[^\d,].*)$")
PARTS = ("city", "state", "zip")


def parse_place(text: str) -> tuple[str, str, str, str]:
    """One "City, ST 12345"-style cell -> (city, state, zip, problem)."""
    line = " ".join(text.split()).strip(", ")
    if not line:
        return "", "", "", ""
    match = _US.match(line)
    if match and (match.group("state").upper() in US_STATES):
        return match.group("city").strip(), match.group("state").upper(), match.group("zip"), ""
    match = _EU.match(line)
    if match:
        return match.group("city").strip(), "", match.group("zip"), ""
    match = _UK.match(line)
    if match:
        city = match.group("city") or match.group("city2")
        postcode = match.group("zip") or match.group("zip2")
        return city.strip(), "", postcode.upper(), ""
    match = _US_LONG.match(line)
    if match:
        return match.group("city").strip(), match.group("state").strip(), match.group("zip"), ""
    match = _US_NOZIP.match(line)
    if match and match.group("state").upper() in US_STATES:
        return match.group("city").strip(), match.group("state").upper(), "", ""
    if re.fullmatch(r"[^\d,]+", line):
        return line, "", "", ""
    return "", "", "", "could not split into city, state and zip: kept out"


def split_city_state_zip(values: pd.Series) -> dict[str, pd.Series]:
    """Cells like "City, ST 12345" or "12345 City" -> {"city", "state", "zip", "problems"}."""
    return map_distinct(as_text(values), parse_place, names=(*PARTS, "problems"))


def parse_address(text: str) -> tuple[str, str, str, str, str, str]:
    """A multi-line (or comma-joined) address -> (street, city, state, zip, country, problem)."""
    lines = [" ".join(line.split()) for line in re.split(r"[\r\n]+", text) if line.strip()]
    if not lines:
        return "", "", "", "", "", ""
    if len(lines) == 1:
        # "1 Main St, Springfield, IL 62704" -> split at the commas
        pieces = [p.strip() for p in lines[0].split(",") if p.strip()]
        if len(pieces) >= 2:
            for cut in (2, 1):
                if len(pieces) > cut:
                    tail = ", ".join(pieces[-cut:])
                    if parse_place(tail)[3] == "" and re.search(r"\d", tail):
                        lines = [", ".join(pieces[:-cut]), tail]
                        break
            else:
                lines = [lines[0]]
    country = ""
    if len(lines) > 1 and country_code(lines[-1]) and not re.search(r"\d", lines[-1]):
        country = lines.pop()
    if len(lines) < 2:
        return lines[0] if lines else "", "", "", "", country, ""
    city, state, zip_code, problem = parse_place(lines[-1])
    if problem:
        return "\n".join(lines), "", "", "", country, "could not find city and zip in the address: kept as street"
    return ", ".join(lines[:-1]), city, state, zip_code, country, ""


def split_addresses(values: pd.Series) -> dict[str, pd.Series]:
    """Multi-line address cells -> {"address", "city", "state", "zip", "country", "problems"}."""
    names = ("address", "city", "state", "zip", "country", "problems")
    return map_distinct(as_text(values), parse_address, names=names)
