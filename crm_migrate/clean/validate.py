"""Per-field normalisation by the target field's type, and schema checks (picklists, lengths, required)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from crm_migrate.clean.countries import normalize_countries
from crm_migrate.clean.dates import normalize_dates
from crm_migrate.clean.emails import normalize_emails
from crm_migrate.clean.names import normalize_person_names
from crm_migrate.clean.numbers import normalize_numbers
from crm_migrate.clean.phones import normalize_phones
from crm_migrate.clean.result import NormalizeResult, as_text, empty_like, map_distinct, on_distinct
from crm_migrate.clean.websites import normalize_domains, normalize_websites
from crm_migrate.mapping.valuemaps import MULTI_SEPARATOR, OptionMatcher, field_matcher, split_multi
from crm_migrate.schema import OWNER_FIELD

if TYPE_CHECKING:
    from crm_migrate.schema import FieldSpec, ObjectSchema

NAME_FIELDS = ("firstname", "lastname")
TRUE_WORDS = {"true", "yes", "y", "1", "x", "ja", "j", "oui", "si", "sí", "wahr", "on", "checked"}
FALSE_WORDS = {"false", "no", "n", "0", "nein", "non", "falsch", "off", "unchecked"}
# cells that mean "no value": blanked before normalising, not reported
PLACEHOLDERS = frozenset({
    "n/a", "n.a.", "n. a.", "#n/a", "-", "--", "---", "none", "null", "nil", "unknown", "?", "??",
    "tbd", "k.a.", "k. a.", "keine", "nicht bekannt", "unbekannt", "inconnu", "0/0/00", "00/00/0000",
    "00.00.0000", "0000-00-00", "not available", "no email", "no phone", "(none)", "<none>",
})
_PLACEHOLDER_FORMS = frozenset(form for p in PLACEHOLDERS
                               for form in (p, p.upper(), p.title(), p.capitalize(), f" {p} ", f" {p}", f"{p} "))


def field_kind(spec: FieldSpec | None, name: str) -> str:
    """Which normaliser a field takes: phone|email|date|datetime|name|country|website|domain|number|bool|enum|text."""
    if spec is not None and spec.type == "phone_number":
        return "phone"
    if name == "email" or name.endswith("_email") or (spec is not None and spec.field_type == "email"):
        return "email"
    if name in NAME_FIELDS:
        return "name"
    if name == "country":
        return "country"
    if name == "website":
        return "website"
    if name == "domain":
        return "domain"
    if spec is None:
        return "text"
    if spec.type in ("date", "datetime"):
        return spec.type
    if spec.type == "number":
        return "number"
    if spec.type == "bool":
        return "bool"
    if spec.type == "enumeration" and (spec.options or spec.hidden_options or name == OWNER_FIELD):
        return "enum"
    return "text"


def blank_placeholders(values: pd.Series) -> pd.Series:
    """Cells such as n/a, none, -, 0/0/00 (Outlook's empty birthday) become ""."""
    hit = values.isin(_PLACEHOLDER_FORMS)
    return values.where(~hit, "") if hit.any() else values


def normalize_text(values: pd.Series) -> NormalizeResult:
    """Trim; runs of spaces/tabs collapsed, line breaks kept."""
    text = on_distinct(as_text(values),
                       lambda v: v.str.strip().str.replace(r"[ \t\u00a0]+", " ", regex=True))
    return NormalizeResult(text, empty_like(values))


def normalize_bools(values: pd.Series) -> NormalizeResult:
    """Yes/no cells (also ja/nein/oui/non, 1/0, x) to true/false."""

    def one(value: str) -> tuple[str, str]:
        key = value.strip().lower()
        if not key:
            return "", ""
        if key in TRUE_WORDS:
            return "true", ""
        if key in FALSE_WORDS:
            return "false", ""
        return "", "not yes/no (true/false)"

    out = map_distinct(values, one)
    return NormalizeResult(out["values"], out["problems"])


def _shown_options(matcher: OptionMatcher, label: Callable[[str], str] | None = None) -> str:
    shown_label = label or matcher.label
    pairs = [(value, shown_label(value)) for value, _ in matcher.options[:8]]
    shown = ", ".join(f"{text} ({value})" if text != value else value for value, text in pairs)
    return (shown + (", ..." if len(matcher.options) > 8 else "")) or "none"


def owner_label(schema: ObjectSchema | None) -> Callable[[str], str]:
    """How a problem text names an owner: by name, else by id, never by e-mail. The texts go
    into `clean --report`, error files and the journal's row errors; the target's users'
    e-mail addresses are not the file's data and stay out of them."""
    names = {o.id: o.name for o in (schema.owners if schema is not None else ())}

    def label(value: str) -> str:
        return names.get(value) or value

    return label


def normalize_picklist(values: pd.Series, spec: FieldSpec,
                       schema: ObjectSchema | None = None) -> NormalizeResult:
    """Values must be options of the field: an option's internal value, or its value/label with
    case, accents and spacing folded, maps to the internal value (a multi-select maps each
    ';'-separated part). A value with no option is blanked and reported (`extra["unmapped"]`
    holds it: the row would fail on the target); fuzzy look-alikes are named, never applied."""
    matcher = field_matcher(spec, schema)
    what = "an owner of the target" if spec.name == OWNER_FIELD else f"an option of {spec.name}"
    label = owner_label(schema) if spec.name == OWNER_FIELD else matcher.label
    if spec.name == OWNER_FIELD and not matcher:
        hint = "the target's owners were not read (or it has none)"
    else:
        hint = f"options: {_shown_options(matcher, label)}"

    def one(value: str) -> tuple[str, str, str]:
        text = " ".join(value.split())
        if not text:
            return "", "", ""
        parts = split_multi(text) if spec.multi else [text]
        found: list[str] = []
        notes: list[str] = []
        for part in parts:
            match = matcher.match(part)
            if match is None:
                alike = matcher.suggestions(part)
                guess = (f"; did you mean {', '.join(repr(label(v)) for v in alike)}?"
                         if alike else "")
                return "", (f"{part!r} is not {what} ({hint}){guess}; decide it in the value "
                            "map (map_values)"), part
            if match.hidden:
                notes.append(f"{part!r} is an option the target hides ({match.value})")
            if match.value not in found:
                found.append(match.value)
        return MULTI_SEPARATOR.join(found), "; ".join(notes), ""

    out = map_distinct(values, one, names=("values", "problems", "unmapped"))
    return NormalizeResult(out["values"], out["problems"], {"unmapped": out["unmapped"]})


def check_lengths(values: pd.Series, spec: FieldSpec | None, *, truncate: bool = False,
                  length: int | None = None) -> NormalizeResult:
    """Values longer than the field allows (`length`, else the field's maximum).

    With `truncate` (the profile's truncate transform) they are cut, each cut reported; else they
    are left out and reported, and `extra["too_long"]` marks them: the target would refuse the
    row, so it counts as one that fails."""
    problems = empty_like(values)
    limit = length or (spec.max_length if spec is not None else None)
    if not limit:
        return NormalizeResult(values, problems)
    too_long = values.str.len() > limit
    if not too_long.any():
        return NormalizeResult(values, problems)
    if truncate:
        cut = values.where(~too_long, values.str.slice(0, limit))
        problems[too_long] = f"longer than {limit} characters: cut to {limit}"
        return NormalizeResult(cut, problems)
    name = spec.name if spec is not None else "the field"
    problems[too_long] = (f"longer than {limit} characters, the most {name} takes: left out "
                          "(add a truncate transform to cut it instead)")
    return NormalizeResult(values.where(~too_long, ""), problems, {"too_long": too_long})


def repair_zips(values: pd.Series, regions: Any) -> NormalizeResult:
    """US zip codes a spreadsheet stored as numbers (2134, 2134.0) get their leading zeros back."""
    problems = empty_like(values)
    text = values.str.replace(r"^(\d{3,5})\.0$", r"\1", regex=True)
    if isinstance(regions, pd.Series):
        us = regions.reindex(values.index).fillna("") == "US"
    else:
        us = pd.Series([(regions or "") == "US"] * len(values), index=values.index)
    short = text.str.fullmatch(r"\d{3,4}(?:-\d{4})?") & us
    if short.any():
        padded = text[short].map(lambda v: v.partition("-")[0].zfill(5) + "".join(v.partition("-")[1:]))
        text = text.where(~short, padded.reindex(text.index))
        problems[short] = "zip code had lost its leading zero (a number in a spreadsheet?): now " + padded
    return NormalizeResult(text.astype(object), problems)


def check_birthdays(values: pd.Series) -> NormalizeResult:
    """Dates of birth in the future are blanked and reported."""
    problems = empty_like(values)
    today = date.today().isoformat()
    future = (values != "") & (values.str.slice(0, 10) > today)
    if future.any():
        problems[future] = "date of birth is in the future"
        values = values.where(~future, "")
    return NormalizeResult(values, problems)


def normalize_field(
    kind: str,
    values: pd.Series,
    spec: FieldSpec | None,
    *,
    region: str | pd.Series | None,
    country_format: str = "as_given",
    dayfirst: bool | None = None,
    date_fmt: str | None = None,
    schema: ObjectSchema | None = None,
) -> NormalizeResult:
    """Run the normaliser for a field kind over a column (see field_kind)."""
    if kind == "phone":
        return normalize_phones(values, region)
    if kind == "email":
        return normalize_emails(values)
    if kind in ("date", "datetime"):
        result = normalize_dates(values, dayfirst=dayfirst, fmt=date_fmt)
        if kind == "date":
            result.values = on_distinct(result.values, lambda v: v.str.slice(0, 10))
        return result
    if kind == "name":
        return normalize_person_names(values)
    if kind == "country":
        return normalize_countries(values, country_format)
    if kind == "website":
        return normalize_websites(values)
    if kind == "domain":
        return normalize_domains(values)
    if kind == "number":
        return normalize_numbers(values, integer=spec is not None and spec.name == "numberofemployees")
    if kind == "bool":
        return normalize_bools(values)
    if kind == "enum" and spec is not None:
        return normalize_picklist(values, spec, schema)
    return normalize_text(values)
