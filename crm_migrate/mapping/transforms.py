"""The transforms a profile can attach to a column: a small registry, parsed and checked up front."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crm_migrate.errors import ProfileError

if TYPE_CHECKING:
    import pandas as pd

# param name -> (accepted python types, required)
Params = dict[str, tuple[tuple[type, ...], bool]]


@dataclass(frozen=True)
class TransformSpec:
    """A registry entry: name, accepted arguments, the argument a scalar shorthand sets, help."""

    name: str
    params: Params
    doc: str
    shorthand: str | None = None


@dataclass
class Transform:
    """A parsed transform: registry name and checked arguments."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)

    def to_raw(self) -> Any:
        return {self.name: dict(self.args)} if self.args else self.name


_STR = (str,)
TRANSFORMS: dict[str, TransformSpec] = {
    "trim": TransformSpec("trim", {}, "strip spaces at both ends and collapse inner runs"),
    "lower": TransformSpec("lower", {}, "lower-case"),
    "upper": TransformSpec("upper", {}, "upper-case"),
    "title": TransformSpec("title", {}, "Title Case"),
    "phone": TransformSpec("phone", {"region": (_STR, False)}, "phone number to E.164", "region"),
    "email": TransformSpec("email", {}, "trim, lower-case and check an email address"),
    "date": TransformSpec(
        "date", {"dayfirst": ((bool,), False), "format": (_STR, False)},
        "date to ISO 8601 (day-first or an explicit strptime format)", "format"),
    "split_name": TransformSpec(
        "split_name", {"part": (_STR, False)}, "one part (first|last|middle) of a full name", "part"),
    "join": TransformSpec(
        "join", {"columns": ((list,), True), "separator": (_STR, False)},
        "join several columns with a separator"),
    "map_values": TransformSpec(
        "map_values", {"mapping": ((dict,), True), "fuzzy": ((bool,), False)},
        "replace values by a table (e.g. picklist options)"),
    "default": TransformSpec("default", {"value": ((str, int, float, bool), True)},
                             "fill empty cells with a value", "value"),
    "regex": TransformSpec(
        "regex", {"pattern": (_STR, True), "group": ((int, str), False)},
        "extract the first match of a pattern (or one of its groups)", "pattern"),
}


def _closest(name: str) -> str:
    from rapidfuzz import process

    match = process.extractOne(name, list(TRANSFORMS), score_cutoff=60)
    return f"; did you mean {match[0]!r}?" if match else ""


def _check_args(name: str, args: dict[str, Any]) -> dict[str, Any]:
    spec = TRANSFORMS[name]
    for key, value in args.items():
        if key not in spec.params:
            allowed = ", ".join(spec.params) or "none"
            raise ProfileError(f"transform {name!r}: unknown argument {key!r} (allowed: {allowed})")
        kinds, _ = spec.params[key]
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            want = " or ".join(k.__name__ for k in kinds)
            raise ProfileError(f"transform {name!r}: argument {key!r} must be {want}, not {value!r}")
    for key, (_, required) in spec.params.items():
        if required and key not in args:
            raise ProfileError(f"transform {name!r}: missing argument {key!r}")
    if name == "phone" and args.get("region") is not None:
        import phonenumbers

        if str(args["region"]).upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ProfileError(f"transform 'phone': {args['region']!r} is not a region code (e.g. US, DE)")
        args["region"] = str(args["region"]).upper()
    if name == "date":
        if "dayfirst" in args and "format" in args:
            raise ProfileError("transform 'date': give either 'dayfirst' or 'format', not both")
        fmt = args.get("format")
        if fmt in ("dayfirst", "monthfirst"):
            args.pop("format")
            args["dayfirst"] = fmt == "dayfirst"
        elif fmt is not None and "%" not in fmt:
            raise ProfileError(f"transform 'date': format {fmt!r} needs strptime codes such as %d.%m.%Y")
    if name == "split_name" and args.get("part", "first") not in ("first", "last", "middle"):
        raise ProfileError(f"transform 'split_name': part must be first, last or middle, not {args['part']!r}")
    if name == "join":
        cols = args["columns"]
        if not cols or not all(isinstance(c, str) for c in cols):
            raise ProfileError("transform 'join': columns must be a non-empty list of column names")
    if name == "map_values":
        for key, value in args["mapping"].items():
            if value is not None and not isinstance(value, (str, int, float)):
                raise ProfileError(f"transform 'map_values': the value for {key!r} must be text or null")
    if name == "regex":
        try:
            compiled = re.compile(args["pattern"])
        except re.error as exc:
            raise ProfileError(f"transform 'regex': bad pattern {args['pattern']!r}: {exc}") from None
        group = args.get("group", 0)
        if isinstance(group, int) and not 0 <= group <= compiled.groups:
            raise ProfileError(f"transform 'regex': group {group} but the pattern has {compiled.groups}")
        if isinstance(group, str) and group not in compiled.groupindex:
            raise ProfileError(f"transform 'regex': the pattern has no group named {group!r}")
    return args


def parse_transforms(raw: list[Any] | None) -> list[Transform]:
    """Parse profile transform entries ("trim" or {"phone": {"region": "US"}}), checking arguments."""
    out: list[Transform] = []
    for item in raw or []:
        if isinstance(item, Transform):
            out.append(Transform(item.name, _check_args(item.name, dict(item.args))))
            continue
        if isinstance(item, str):
            name, args = item, None
        elif isinstance(item, dict) and len(item) == 1:
            name, args = next(iter(item.items()))
        else:
            raise ProfileError(f"a transform must be a name or a one-key mapping, not {item!r}")
        if name not in TRANSFORMS:
            raise ProfileError(f"unknown transform {name!r}{_closest(str(name))} "
                               f"(known: {', '.join(TRANSFORMS)})")
        spec = TRANSFORMS[name]
        if args is None:
            args = {}
        elif not isinstance(args, dict):
            if spec.shorthand is None:
                raise ProfileError(f"transform {name!r} takes no arguments, got {args!r}")
            args = {spec.shorthand: args}
        out.append(Transform(name, _check_args(name, dict(args))))
    return out


def _fold_key(value: Any) -> str:
    from crm_migrate.mapping.headers import fold

    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(str(value))).split())


def _norm_result(result: Any, fallback: pd.Series) -> tuple[pd.Series, pd.Series]:
    values = result.values
    problems = result.problems.reindex(fallback.index).fillna("").astype(str)
    return values.reindex(fallback.index).fillna("").astype(str), problems


def _phone(values: pd.Series, args: dict[str, Any], region: Any) -> tuple[pd.Series, pd.Series]:
    use_region = args.get("region") or region
    try:
        from crm_migrate.clean.phones import normalize_phones
    except ImportError:
        return _fallback_phone(values, use_region)
    return _norm_result(normalize_phones(values, use_region), values)


def _fallback_phone(values: pd.Series, region: Any) -> tuple[pd.Series, pd.Series]:
    import pandas as pd
    import phonenumbers

    out, problems = [], []
    for idx, value in values.items():
        reg = region.get(idx) if isinstance(region, pd.Series) else region
        text = str(value).strip()
        if not text:
            out.append("")
            problems.append("")
            continue
        try:
            number = phonenumbers.parse(text, reg or None)
            ok = phonenumbers.is_valid_number(number)
        except phonenumbers.NumberParseException:
            ok = False
        if ok:
            out.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
            problems.append("")
        else:
            out.append("")
            problems.append(f"not a valid phone number{' for ' + reg if reg else ''}")
    return pd.Series(out, index=values.index, dtype=object), pd.Series(problems, index=values.index, dtype=object)


def _email(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    try:
        from crm_migrate.clean.emails import normalize_emails
    except ImportError:
        from crm_migrate.mapping.evidence import EMAIL

        cleaned = values.astype(str).str.strip().str.lower()
        bad = (cleaned != "") & ~cleaned.map(lambda v: bool(EMAIL.match(v)))
        problems = bad.map(lambda b: "not a valid email address" if b else "")
        return cleaned.where(~bad, ""), problems
    return _norm_result(normalize_emails(values), values)


def _date(values: pd.Series, args: dict[str, Any]) -> tuple[pd.Series, pd.Series]:
    try:
        from crm_migrate.clean.dates import normalize_dates
    except ImportError:
        return _fallback_date(values, args)
    return _norm_result(normalize_dates(values, dayfirst=args.get("dayfirst"), fmt=args.get("format")), values)


def _fallback_date(values: pd.Series, args: dict[str, Any]) -> tuple[pd.Series, pd.Series]:
    from datetime import datetime

    import pandas as pd
    from dateutil import parser

    out, problems = [], []
    for value in values.astype(str):
        text = value.strip()
        if not text:
            out.append("")
            problems.append("")
            continue
        try:
            if args.get("format"):
                parsed = datetime.strptime(text, args["format"])
            else:
                parsed = parser.parse(text, dayfirst=bool(args.get("dayfirst")))
            out.append(parsed.date().isoformat())
            problems.append("")
        except (ValueError, OverflowError):
            out.append("")
            problems.append("not a date")
    return pd.Series(out, index=values.index, dtype=object), pd.Series(problems, index=values.index, dtype=object)


def _split_name(values: pd.Series, part: str) -> pd.Series:
    from nameparser import HumanName

    def pick(value: str) -> str:
        if not value.strip():
            return ""
        name = HumanName(value)
        return {"first": name.first, "last": name.last, "middle": name.middle}[part] or ""

    return values.astype(str).map(pick)


def _map_values(values: pd.Series, args: dict[str, Any]) -> tuple[pd.Series, pd.Series]:
    from rapidfuzz import fuzz, process

    table = {_fold_key(k): (None if v is None else str(v)) for k, v in args["mapping"].items()}
    fuzzy = bool(args.get("fuzzy", False))
    cache: dict[str, tuple[str, str]] = {}

    def one(value: str) -> tuple[str, str]:
        if value in cache:
            return cache[value]
        key = _fold_key(value)
        if not value.strip():
            found = ("", "")
        else:
            match = key if key in table else None
            if match is None and fuzzy and table:
                best = process.extractOne(key, list(table), scorer=fuzz.WRatio, score_cutoff=85)
                match = best[0] if best else None
            if match is None:
                found = (value, f"no map_values entry for {value!r}")
            elif table[match] is None:
                found = ("", f"map_values has no target for {value!r}")
            else:
                found = (str(table[match]), "")
        cache[value] = found
        return found

    pairs = values.astype(str).map(one)
    return pairs.map(lambda p: p[0]), pairs.map(lambda p: p[1])


def _regex(values: pd.Series, args: dict[str, Any]) -> tuple[pd.Series, pd.Series]:
    pattern = re.compile(args["pattern"])
    group = args.get("group", 0)

    def one(value: str) -> tuple[str, str]:
        if not value.strip():
            return "", ""
        match = pattern.search(value)
        if not match:
            return "", f"does not match {args['pattern']!r}"
        return match.group(group) or "", ""

    pairs = values.astype(str).map(one)
    return pairs.map(lambda p: p[0]), pairs.map(lambda p: p[1])


def _join(values: pd.Series, args: dict[str, Any], columns: dict[str, pd.Series] | None) -> pd.Series:
    import pandas as pd

    separator = args.get("separator", " ")
    parts: list[pd.Series] = []
    for name in args["columns"]:
        if columns is None or name not in columns:
            raise ProfileError(f"transform 'join': column {name!r} is not in the file")
        parts.append(columns[name].reindex(values.index).fillna("").astype(str))
    frame = pd.concat(parts, axis=1)
    return frame.apply(lambda row: separator.join(v.strip() for v in row if v.strip()), axis=1).astype(object)


def _simple(fn: Callable[[str], str]) -> Callable[[pd.Series], pd.Series]:
    return lambda values: values.astype(str).map(fn)


_SIMPLE: dict[str, Callable[[pd.Series], pd.Series]] = {
    "trim": _simple(lambda v: " ".join(v.split())),
    "lower": _simple(str.lower),
    "upper": _simple(str.upper),
    "title": _simple(lambda v: v.title()),
}


def apply_transforms(
    values: pd.Series,
    transforms: list[Any],
    *,
    region: str | pd.Series | None = None,
    columns: dict[str, pd.Series] | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Run transforms in order; return (new values, problems) with "" meaning fine."""
    import pandas as pd

    current = values.fillna("").astype(str)
    problems = pd.Series([""] * len(current), index=current.index, dtype=object)
    for transform in parse_transforms(transforms):
        name, args = transform.name, transform.args
        step_problems: pd.Series | None = None
        if name in _SIMPLE:
            current = _SIMPLE[name](current)
        elif name == "phone":
            current, step_problems = _phone(current, args, region)
        elif name == "email":
            current, step_problems = _email(current)
        elif name == "date":
            current, step_problems = _date(current, args)
        elif name == "split_name":
            current = _split_name(current, args.get("part", "first"))
        elif name == "join":
            current = _join(current, args, columns)
        elif name == "map_values":
            current, step_problems = _map_values(current, args)
        elif name == "default":
            fill = str(args["value"]).lower() if isinstance(args["value"], bool) else str(args["value"])
            current = current.map(lambda v, fill=fill: v if v.strip() else fill)
        elif name == "regex":
            current, step_problems = _regex(current, args)
        if step_problems is not None:
            step_problems = step_problems.fillna("").astype(str)
            problems = problems.where(problems != "", step_problems)
    return current.astype(object), problems.astype(object)


def _acronym(label: str) -> str:
    return "".join(word[0] for word in _fold_key(label).split() if word)


VALUE_SYNONYMS: dict[str, list[str]] = {
    "customer": ["kunde", "client", "cliente", "klant", "customers", "bestandskunde", "active customer",
                 "current customer", "existing customer"],
    "lead": ["interessent", "prospect", "prospecto", "prospekt", "potential", "leads", "potential customer",
             "prospective customer", "potential client"],
    "subscriber": ["abonnent", "abonne", "suscriptor", "iscritto", "newsletter"],
    "opportunity": ["chance", "opportunite", "oportunidad", "opportunita"],
    "evangelist": ["promoter", "advocate", "fan"],
    "closedwon": ["won", "gewonnen", "gagne", "ganado", "vinto", "ganho", "closed won", "win"],
    "closedlost": ["lost", "verloren", "perdu", "perdido", "perso", "perdida", "closed lost"],
    "appointmentscheduled": ["new", "lead in", "meeting scheduled", "termin vereinbart", "demo scheduled"],
    "qualifiedtobuy": ["qualified", "qualification", "qualifiziert", "qualifie", "cualificado"],
    "presentationscheduled": ["presentation", "demo", "proposal made"],
    "decisionmakerboughtin": ["negotiation", "negotiations started", "verhandlung", "negociation"],
    "contractsent": ["contract", "proposal", "angebot", "offerte", "quote sent", "proposal sent"],
    "NEW": ["new lead"], "UNQUALIFIED": ["not qualified", "disqualified"],
}


def suggest_value_map(source_values: list[str], options: list[tuple[str, str]]) -> dict[str, str | None]:
    """Fuzzy picklist suggestions: each distinct source value -> an option value, or None.

    Values that differ only in case, accents or punctuation get one entry (the first seen).
    """
    from rapidfuzz import fuzz, process

    index: dict[str, str] = {}
    for value, label in options:
        for key in (_fold_key(value), _fold_key(label), _fold_key(label).replace(" ", ""), _acronym(label)):
            if key and (len(key) > 2 or key == _fold_key(value)) and key not in index:
                index[key] = value
        for synonym in VALUE_SYNONYMS.get(value, []):
            index.setdefault(_fold_key(synonym), value)
    out: dict[str, str | None] = {}
    seen: set[str] = set()
    for source in source_values:
        key = _fold_key(source)
        if not str(source).strip() or (key and key in seen) or source in out:
            continue
        seen.add(key)
        hit = index.get(key) or index.get(key.replace(" ", ""))
        if hit is None and len(key) >= 3:
            match = process.extractOne(key, list(index), scorer=fuzz.WRatio, score_cutoff=86)
            if match and len(match[0]) >= 3:
                hit = index[match[0]]
        out[source] = hit
    return out
