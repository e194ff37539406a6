"""Running a profile's column transforms (the spec is parsed and checked in mapping.transforms)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pandas as pd
from nameparser import HumanName
from rapidfuzz import fuzz, process

from crm_migrate.clean.dates import normalize_dates
from crm_migrate.clean.emails import normalize_emails
from crm_migrate.clean.phones import normalize_phones
from crm_migrate.clean.result import NormalizeResult
from crm_migrate.errors import ProfileError
from crm_migrate.mapping.transforms import fold_key, parse_transforms

# transforms that already ran a type normaliser on a column (the type normaliser is then skipped)
TRANSFORM_KINDS = {"phone": "phone", "email": "email", "date": "date"}


def _aligned(result: NormalizeResult, fallback: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A normaliser's (values, problems) re-indexed like `fallback`, "" for missing."""
    problems = result.problems.reindex(fallback.index).fillna("").astype(str)
    return result.values.reindex(fallback.index).fillna("").astype(str), problems


def _split_name(values: pd.Series, part: str) -> pd.Series:
    def pick(value: str) -> str:
        if not value.strip():
            return ""
        name = HumanName(value)
        return {"first": name.first, "last": name.last, "middle": name.middle}[part] or ""

    return values.astype(str).map(pick)


def _map_values(values: pd.Series, args: dict[str, Any]) -> tuple[pd.Series, pd.Series]:
    table = {fold_key(k): (None if v is None else str(v)) for k, v in args["mapping"].items()}
    fuzzy = bool(args.get("fuzzy", False))
    cache: dict[str, tuple[str, str]] = {}

    def one(value: str) -> tuple[str, str]:
        if value in cache:
            return cache[value]
        key = fold_key(value)
        if not value.strip():
            found = ("", "")
        else:
            match = key if key in table else None
            if match is None and fuzzy and table:
                best = process.extractOne(key, list(table), scorer=fuzz.WRatio, score_cutoff=85)
                match = best[0] if best else None
            if match is None:
                # passes unchanged: the field's own check says whether it is a valid value (one
                # issue per cell, not one here and another there)
                found = (value, "")
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
    separator = args.get("separator", " ")
    parts: list[pd.Series] = []
    for name in args["columns"]:
        if columns is None or name not in columns:
            raise ProfileError(f"transform 'join': column {name!r} is not in the file")
        parts.append(columns[name].reindex(values.index).fillna("").astype(str))
    frame = pd.concat(parts, axis=1)
    joined: pd.Series = frame.apply(lambda row: separator.join(v.strip() for v in row if v.strip()), axis=1)
    return joined.astype(object)


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
    current = values.fillna("").astype(str)
    problems = pd.Series([""] * len(current), index=current.index, dtype=object)
    for transform in parse_transforms(transforms):
        name, args = transform.name, transform.args
        step_problems: pd.Series | None = None
        if name in _SIMPLE:
            current = _SIMPLE[name](current)
        elif name == "phone":
            current, step_problems = _aligned(normalize_phones(current, args.get("region") or region), current)
        elif name == "email":
            current, step_problems = _aligned(normalize_emails(current), current)
        elif name == "date":
            dates = normalize_dates(current, dayfirst=args.get("dayfirst"), fmt=args.get("format"))
            current, step_problems = _aligned(dates, current)
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
        # truncate and pipeline act in the field checks (clean.canonical), not on the values here
        if step_problems is not None:
            step_problems = step_problems.fillna("").astype(str)
            problems = problems.where(problems != "", step_problems)
    return current.astype(object), problems.astype(object)


def transform_kinds(transforms: list[Any]) -> set[str]:
    """The type normalisers (phone, email, date) a column's transforms already ran."""
    return {TRANSFORM_KINDS[t.name] for t in parse_transforms(transforms) if t.name in TRANSFORM_KINDS}
