"""The transforms a profile can attach to a column: a small registry, parsed and checked up front.

They run in clean.transforms; this module only knows their names, arguments and help.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from rapidfuzz import fuzz, process

from crm_migrate.errors import ProfileError
from crm_migrate.mapping.headers import fold

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
    "truncate": TransformSpec(
        "truncate", {"length": ((int,), False)},
        "cut values to a length (default: the target field's maximum), each cut reported", "length"),
    "pipeline": TransformSpec(
        "pipeline", {"name": (_STR, True)},
        "deals: the pipeline (id or label) these stages belong to, for rows without a pipeline",
        "name"),
}


def _closest(name: str) -> str:
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
    if name == "truncate" and args.get("length") is not None and args["length"] < 1:
        raise ProfileError(f"transform 'truncate': length must be at least 1, not {args['length']!r}")
    if name == "pipeline" and not str(args["name"]).strip():
        raise ProfileError("transform 'pipeline': name the pipeline (its id or label)")
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


def fold_key(value: Any) -> str:
    """A value folded for lookups: lower-case ASCII words separated by single spaces."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(str(value))).split())


def _acronym(label: str) -> str:
    return "".join(word[0] for word in fold_key(label).split() if word)


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
    index: dict[str, str] = {}
    for value, label in options:
        for key in (fold_key(value), fold_key(label), fold_key(label).replace(" ", ""), _acronym(label)):
            if key and (len(key) > 2 or key == fold_key(value)) and key not in index:
                index[key] = value
        for synonym in VALUE_SYNONYMS.get(value, []):
            index.setdefault(fold_key(synonym), value)
    out: dict[str, str | None] = {}
    seen: set[str] = set()
    for source in source_values:
        key = fold_key(source)
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
