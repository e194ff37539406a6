"""Email cells: strip mailto:, display names, brackets and dots; lower-case; email-validator syntax check."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from email_validator import EmailNotValidError, validate_email

from crm_migrate.clean.result import NormalizeResult, as_text, empty_like, map_distinct

if TYPE_CHECKING:
    import pandas as pd

# a strict ASCII subset of valid addresses: accepted without calling email-validator
_SIMPLE = (
    r"^(?=.{3,254}$)(?=[^@]{1,64}@)[a-z0-9_%+\-]+(?:\.[a-z0-9_%+\-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
# frequent slips in free-mail domains: reported (value kept), never silently changed
DOMAIN_TYPOS = {
    "gmial.com": "gmail.com", "gmai.com": "gmail.com", "gmail.con": "gmail.com", "gmail.co": "gmail.com",
    "gmaill.com": "gmail.com", "gamil.com": "gmail.com", "gnail.com": "gmail.com", "gmail.cm": "gmail.com",
    "hotmial.com": "hotmail.com", "hotmail.con": "hotmail.com", "hotmal.com": "hotmail.com",
    "hotmail.co": "hotmail.com", "yahoo.con": "yahoo.com", "yaho.com": "yahoo.com", "yahooo.com": "yahoo.com",
    "outlok.com": "outlook.com", "outlook.con": "outlook.com", "iclod.com": "icloud.com",
    "icloud.con": "icloud.com", "gmx.ne": "gmx.net", "web.d": "web.de", "aol.con": "aol.com",
}
_SPECIAL_TLDS = (".arpa", ".invalid", ".local", ".localhost", ".onion", ".test")


@lru_cache(maxsize=65536)
def check_address(address: str) -> str | None:
    """The normalised address when email-validator accepts its syntax (no DNS), else None."""
    try:
        result = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return None
    return str(result.normalized).lower()


def _clean_token(token: str) -> str:
    token = token.strip().rstrip(".").strip()
    if token.lower().startswith("mailto:"):
        token = token[7:]
    return token.strip("<>\"' ").rstrip(".").lower()


# each starts only where a run of spaces starts and takes it whole (possessive): linear time
_OBFUSCATED_AT = re.compile(r"(?<!\s)\s*+(?:\(at\)|\[at\]|\{at\}|<at>)\s*+|(?<!\s)\s++at\s++", re.I)
_OBFUSCATED_DOT = re.compile(r"(?<!\s)\s*+(?:\(dot\)|\[dot\]|\{dot\}|<dot>)\s*+", re.I)
_SPACED_AT = re.compile(r"(?<!\s)\s*+@\s*+")
# longer cells hold no address (254 characters at most, a few with names): not examined
EMAIL_CELL_CHARS = 2_000
TOO_LONG = "(too long)"  # stands in for such a cell in the vectorised steps: no pattern matches it


def _repair(text: str) -> str:
    """Undo common typing slips: spaces around @, @@, (at)/(dot) spelled out, commas for dots."""
    fixed = _OBFUSCATED_AT.sub("@", text) if "@" not in text else text
    fixed = _OBFUSCATED_DOT.sub(".", fixed)
    fixed = re.sub(r"@{2,}", "@", fixed)
    if fixed.count("@") == 1:
        fixed = _SPACED_AT.sub("@", fixed)
    return fixed


def normalize_email(value: str) -> tuple[str, str, str]:
    """One cell -> (address or "", problem, other addresses joined by ';')."""
    text = value.strip()
    if not text:
        return "", "", ""
    if len(text) > EMAIL_CELL_CHARS:
        return "", f"not a valid email address ({len(text):,} characters)", ""
    address, problem, others = _normalize(text)
    if address:
        return address, problem, others
    repaired = _repair(text)
    if repaired != text:
        address, problem, others = _normalize(repaired)
        if address:
            return address, problem or f"repaired a malformed address to {address}", others
    return "", "not a valid email address", ""


_SEPARATORS = re.compile(r"[,;|\n]+")
_QUOTED_NAME = re.compile(r'"[^"]*"')
_BRACKETED = re.compile(r"^[^<>]*<\s*([^<>\s]+)\s*>$")  # Display Name <address>
_NAME_AFTER = re.compile(r"^(\S+@\S+)\s*\([^()]*\)$")  # address (Display Name)
_LABEL = re.compile(r"^[^\s@:<>]+:\s*")  # "Work: address"


def addresses_in(text: str) -> tuple[list[str], list[str]]:
    """(address tokens, pieces holding an @ that are no address form) of a cell.

    An address must stand alone in its piece of the cell (pieces split at , ; | and line
    breaks), or in a display-name form; "jane doe@example.com" is no address and never
    yields "doe@example.com".
    """
    text = _QUOTED_NAME.sub(" ", re.sub(r"mailto:", " ", text, flags=re.I))
    found: list[str] = []
    broken: list[str] = []
    for raw in _SEPARATORS.split(text):
        piece = _LABEL.sub("", raw.strip()).strip()
        if "@" not in piece:
            continue
        form = _BRACKETED.match(piece) or _NAME_AFTER.match(piece)
        words = [form.group(1)] if form else piece.split()
        if len(words) > 1 and not all("@" in w for w in words):
            broken.append(piece)
            continue
        found.extend(words)
    return [c for c in dict.fromkeys(_clean_token(w) for w in found) if c], broken


def _normalize(text: str) -> tuple[str, str, str]:
    candidates, broken = addresses_in(text)
    if not candidates:
        return "", "not a valid email address", ""
    first = check_address(candidates[0])
    if first is None:
        return "", "not a valid email address", ""
    checked = [(c, check_address(c)) for c in candidates[1:]]
    others = [a for _, a in checked if a and a != first]
    invalid = [c for c, a in checked if a is None] + broken
    problems = []
    if others:
        problems.append(f"several email addresses in one cell; kept the first, others: {';'.join(others)}")
    if invalid:
        problems.append(f"not valid email addresses, left out: {'; '.join(invalid)}")
    return first, "; ".join(problems), ";".join(others)


def normalize_emails(values: pd.Series) -> NormalizeResult:
    """Email cells to one lower-cased address each; invalid ones blanked and reported.

    Several addresses in a cell: the first is kept, the rest go to
    `extra["other_emails"]` and a warning. Plain ASCII addresses are accepted by a
    strict pattern (vectorised); everything else goes through email-validator once
    per distinct cell.
    """
    text = as_text(values)
    lowered = text.str.strip().str.lower()
    lowered = lowered.where(lowered.str.len() <= EMAIL_CELL_CHARS, TOO_LONG)  # normalize_email says why
    # vectorised pre-clean of the common wrappings: "Name <addr>", mailto:, a trailing dot
    lowered = lowered.str.replace(r"^[^<>@,;]*<\s*([^<>\s]+@[^<>\s]+)\s*>$", r"\1", regex=True)
    lowered = lowered.str.replace(r"^mailto:", "", regex=True).str.rstrip(".")
    simple = (lowered.str.match(_SIMPLE) & ~lowered.str.endswith(_SPECIAL_TLDS)
              & ~lowered.str.contains("--", regex=False))  # "ab--" labels: IDNA rules, validator decides
    result_values = lowered.where(simple, "").astype(object)
    problems = empty_like(text)
    others = empty_like(text)
    rest = ~simple & (lowered != "")
    if rest.any():
        out = map_distinct(text[rest], normalize_email, names=("values", "problems", "other_emails"))
        result_values[rest] = out["values"]
        problems[rest] = out["problems"]
        others[rest] = out["other_emails"]
    domains = result_values.str.rpartition("@")[2]
    typo = domains.isin(DOMAIN_TYPOS) & (problems == "")
    if typo.any():
        problems[typo] = "domain looks like a typo of " + domains[typo].map(DOMAIN_TYPOS) + ": kept as given"
    return NormalizeResult(result_values.astype(object), problems.astype(object),
                           {"other_emails": others.astype(object)})


def email_domain(address: str) -> str:
    """The domain part of an address ("" when none)."""
    return address.rpartition("@")[2].strip().lower() if "@" in address else ""
