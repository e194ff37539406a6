"""Build, load, save and check a mapping profile; read the target's live schema."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import phonenumbers

from crm_migrate.actions._target import connected
from crm_migrate.actions.files import guess_object, load_files
from crm_migrate.errors import CrmMigrateError
from crm_migrate.identity import key_field
from crm_migrate.mapping.build import build_profile as core_build_profile
from crm_migrate.mapping.profile import (
    FieldMapping,
    Profile,
    SourceOverride,
    TargetSettings,
    load_profile,
    load_target_settings,
    save_profile,
)
from crm_migrate.mapping.suggest import suggest_mappings
from crm_migrate.mapping.transforms import TRANSFORMS, fold_key, parse_transforms, suggest_value_map
from crm_migrate.mapping.validate import validate_profile
from crm_migrate.mapping.valuemaps import field_matcher, split_multi
from crm_migrate.schema import OBJECTS, FieldSpec, ObjectSchema, builtin_schema
from crm_migrate.table import SourceTable

__all__ = ["OBJECTS", "TRANSFORMS", "LiveSchema", "PlanResult", "SuggestionBasis", "add_missing_columns",
           "build_profile", "check_region", "key_field", "load_profile", "mapping_warnings", "object_schema",
           "parse_transforms", "plan_profile", "read_schema", "save_profile_with_sources",
           "suggest_value_map", "suggestion_basis", "validate_profile", "value_map_entries",
           "LEAVE_EMPTY", "ValueMapRow", "value_map_rows", "value_map_text", "parse_value_map_text",
           "check_api_version", "set_target_options", "target_options"]

NoteFn = Callable[[str], None]


@dataclass(frozen=True)
class LiveSchema:
    """The object's schema (live properties merged in when the target answered), and why not."""

    schema: ObjectSchema
    note: str | None = None  # set when the target's schema could not be read


@dataclass(frozen=True)
class PlanResult:
    """A written profile, the tables it was built from, and a note about the live schema."""

    profile: Profile
    tables: list[SourceTable]
    schema: ObjectSchema
    schema_note: str | None = None


def check_region(region: str | None) -> str | None:
    """The default phone region upper-cased; CrmMigrateError when it is not a country code."""
    if region is None:
        return None
    if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise CrmMigrateError(f"--region {region!r} is not a country code (e.g. US, DE, GB)")
    return region.upper()


def object_schema(object_name: str) -> ObjectSchema:
    """The built-in schema of an object (contacts, companies, deals)."""
    return builtin_schema(object_name)


def read_schema(target: str, object_name: str, url: str | None = None,
                token: str | None = None, *, settings: TargetSettings | None = None) -> LiveSchema:
    """The target's live schema of the object (properties with options, deal pipelines, owners:
    `Connector.read_live_schema`); the built-in one, with a note, when it cannot be read. A part
    the target would not give (e.g. owners, for a missing scope) is a note on a live schema."""
    base = builtin_schema(object_name)

    async def fetch() -> ObjectSchema:
        async with connected(target, url, token, settings) as link:
            return await link.connector.read_live_schema(object_name)

    try:
        live = asyncio.run(fetch())
    except (CrmMigrateError, OSError, RuntimeError, ValueError) as exc:
        return LiveSchema(base, _schema_note(target, object_name, str(exc)))
    except Exception as exc:  # noqa: BLE001 - any connector failure only costs custom fields
        return LiveSchema(base, _schema_note(target, object_name, f"{type(exc).__name__}: {exc}"))
    return LiveSchema(live, "; ".join(live.notes) or None)


BULK_CHOICES = ("off", "auto", "on")  # the wizard's words for target.bulk false / auto / true


def set_target_options(profile: Profile, *, api_version: str | None, bulk: str) -> None:
    """Put the wizard's Salesforce settings into the profile's `target:` section (its field
    overrides kept); ProfileError naming the key for an API version that is not one."""
    current = profile.target_settings()
    raw: dict[str, Any] = {
        "api_version": api_version or None,
        "bulk": {"off": None, "auto": "auto", "on": True}.get(bulk),
    }
    checked = load_target_settings({k: v for k, v in raw.items() if v is not None}, profile.object)
    profile.set_target_settings(
        replace(current, api_version=checked.api_version, bulk=checked.bulk)
    )


def check_api_version(text: str | None) -> str | None:
    """A Salesforce API version as the profile keeps it ("61" -> ... error, "61.0" -> "v61.0");
    ProfileError naming target.api_version when it is not one."""
    if not text or not text.strip():
        return None
    return load_target_settings({"api_version": text.strip()}, "contacts").api_version


def target_options(profile: Profile) -> tuple[str | None, str]:
    """(api_version, one of BULK_CHOICES) from the profile's `target:` section."""
    settings = profile.target_settings()
    bulk = "on" if settings.bulk is True else "auto" if settings.bulk == "auto" else "off"
    return settings.api_version, bulk


def _schema_note(target: str, object_name: str, why: str) -> str:
    return f"{target} schema not read ({why}); using the built-in {object_name} fields"


def build_profile(tables: list[SourceTable], object_name: str, *, region: str | None = None,
                  schema: ObjectSchema | None = None, every_column: bool = False) -> Profile:
    """A profile from the suggestions over all tables; `every_column` lists the unmapped ones too."""
    profile = core_build_profile(tables, object_name, region=region, schema=schema)
    if every_column:
        add_missing_columns(profile, tables, schema or builtin_schema(object_name))
    return profile


@dataclass(frozen=True)
class SuggestionBasis:
    """What the auto-mapper suggested for a column and what that rests on (header, values, both)."""

    targets: tuple[str, ...]  # the field, or the fields of a split; empty when left out
    evidence: str | None
    reason: str


def suggestion_basis(tables: list[SourceTable], object_name: str,
                     schema: ObjectSchema | None = None) -> dict[str, SuggestionBasis]:
    """Per column, the suggestion's targets, evidence and reason (the first table with the column)."""
    out: dict[str, SuggestionBasis] = {}
    for table in tables:
        for s in suggest_mappings(table, object_name, schema):
            if s.column not in out:
                targets = tuple(s.split_into or ([s.field] if s.field else []))
                out[s.column] = SuggestionBasis(targets, s.evidence, s.reason)
    return out


def columns_of(tables: list[SourceTable]) -> list[str]:
    """Every column of the tables, first seen first."""
    return list(dict.fromkeys(column for table in tables for column in table.columns))


def add_missing_columns(profile: Profile, tables: list[SourceTable], schema: ObjectSchema) -> int:
    """Give the columns a profile does not list yet their suggestion (unless its field is taken).

    Returns how many columns were added.
    """
    added = 0
    for table in tables:  # a file with its own mappings lists each of its columns there
        own = profile.own_fields(table.label)
        if own is not None:
            listed = {m.column for m in own}
            extra = [FieldMapping(column=c, field=None) for c in table.columns if c not in listed]
            own.extend(extra)
            added += len(extra)
    known = {m.column for m in profile.fields}
    missing = [c for c in columns_of(tables) if c not in known]
    if not missing:
        return added
    added += len(missing)
    taken = {name for m in profile.fields for name in m.split_into or ([m.field] if m.field else [])}
    for table in tables:
        for s in suggest_mappings(table, profile.object, schema):
            if s.column not in missing:
                continue
            missing.remove(s.column)
            wanted = s.split_into or ([s.field] if s.field else [])
            if any(name in taken for name in wanted):
                profile.fields.append(FieldMapping(column=s.column, field=None))
                continue
            taken.update(wanted)
            profile.fields.append(FieldMapping(column=s.column, field=s.field, split_into=s.split_into,
                                               confidence=s.confidence))
    return added


def mapping_warnings(profile: Profile, schema: ObjectSchema, tables: list[SourceTable]) -> list[str]:
    """Required fields left unmapped, no column for the key field, fields filled by two columns
    (of one file: each file by the mappings that apply to it)."""
    warnings: list[str] = []
    filled = set(profile.mapped_fields())
    for name in schema.required:
        if name not in filled:
            warnings.append(f"required field {name!r} is not mapped")
    if schema.key and schema.key not in filled:
        warnings.append(f"no column maps to {schema.key!r}: duplicates cannot be matched by it")
    each: list[SourceTable | None] = [*tables] or [None]
    for table in each:
        present = set(table.columns) if table is not None else None
        mappings = profile.fields_for(table.label) if table is not None else profile.fields
        by_field: dict[str, list[str]] = {}
        for m in mappings:
            if present is None or m.column in present:
                for name in m.split_into or ([m.field] if m.field else []):
                    by_field.setdefault(name, []).append(m.column)
        for name, mine in by_field.items():
            if len(mine) > 1:
                where = f" of {table.label}" if table is not None and len(tables) > 1 else ""
                warnings.append(f"{name!r} is filled by {len(mine)} columns{where}: {', '.join(mine)}")
    return warnings


def save_profile_with_sources(profile: Profile, path: str | Path,
                              overrides: dict[str, SourceOverride]) -> Path:
    """Write the profile (YAML/JSON) with the per-file reading overrides that say something and
    each file's own mappings."""
    merged: dict[str, SourceOverride] = {}
    for name in dict.fromkeys([*overrides, *profile.sources]):
        own = profile.sources.get(name)
        entry = replace(overrides.get(name) or SourceOverride(),
                        fields=own.fields if own is not None else None)
        if entry.to_dict():
            merged[name] = entry
    profile.sources = merged
    save_profile(profile, path)
    return Path(path)


VALUE_MAP_MAX = 500  # distinct values the value-map editor lists (a picklist column has few)
LEAVE_EMPTY = "-"  # the value-map editor's word for "decided: leave the field empty"


@dataclass(frozen=True)
class ValueMapRow:
    """One distinct value of a column in the value-map editor: how many rows hold it, the option
    it goes to ("" with `decided`: left empty on purpose), or undecided with look-alikes to
    pick from (never applied by themselves)."""

    value: str
    count: int
    option: str
    decided: bool
    suggestions: tuple[str, ...] = ()


def _distinct_counts(tables: list[SourceTable], column: str, multi: bool) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in tables:
        if column not in table.frame.columns:
            continue
        for value, count in table.frame[column].astype(str).str.strip().value_counts().items():
            text = str(value)
            if not text or text == "nan":
                continue
            for part in (split_multi(text) if multi else [text]):
                counts[part] = counts.get(part, 0) + int(count)
    return counts


def value_map_rows(tables: list[SourceTable], column: str, spec: FieldSpec,
                   schema: ObjectSchema | None = None,
                   existing: dict[str, str | None] | None = None) -> tuple[list[ValueMapRow], int]:
    """Every distinct value of `column` (each part of a multi-select; case/accent variants once,
    most frequent first) with its decision: the existing map's, else an exact or folded match
    (value, label, an owner's e-mail or name, a curated synonym), else undecided with fuzzy
    suggestions. Values only the existing map names come first. Returns at most VALUE_MAP_MAX
    rows and how many were left off."""
    counts = _distinct_counts(tables, column, spec.multi)
    by_fold: dict[str, int] = {}
    for value, count in counts.items():
        by_fold[fold_key(value)] = by_fold.get(fold_key(value), 0) + count
    values = sorted(counts, key=lambda v: (-by_fold[fold_key(v)], -counts[v], v))
    matcher = field_matcher(spec, schema, synonyms=True)
    decided = {fold_key(k): (k, v) for k, v in (existing or {}).items()}
    rows: list[ValueMapRow] = []
    seen: set[str] = set()
    for key, (value, option) in decided.items():
        if key not in by_fold:
            rows.append(ValueMapRow(value, 0, option or "", True))
    for value in values:
        key = fold_key(value)
        if key in seen:
            continue
        seen.add(key)
        count = by_fold[key]
        if key in decided:
            rows.append(ValueMapRow(decided[key][0], count, decided[key][1] or "", True))
            continue
        match = matcher.match(value)
        if match is not None:
            rows.append(ValueMapRow(value, count, match.value, True))
        else:
            rows.append(ValueMapRow(value, count, "", False, tuple(matcher.suggestions(value))))
    shown = rows[:VALUE_MAP_MAX]
    return shown, len(rows) - len(shown)


def value_map_text(rows: list[ValueMapRow]) -> str:
    """The editor's text: `value: option` per line; `value: -` leaves it empty; an undecided
    value has no option yet and a comment with its rows and look-alikes."""
    lines = []
    for row in rows:
        if row.decided:
            lines.append(f"{row.value}: {row.option or LEAVE_EMPTY}")
            continue
        hint = f"undecided, {row.count} rows"
        if row.suggestions:
            hint += f"; did you mean {', '.join(row.suggestions)}?"
        lines.append(f"{row.value}:   # {hint}")
    return "\n".join(lines)


def parse_value_map_text(text: str) -> dict[str, str | None]:
    """The editor's text back to a map (comments dropped; `-` -> None; no option: undecided,
    left out of the map)."""
    out: dict[str, str | None] = {}
    for line in text.splitlines():
        line = line.split("  #", 1)[0].rstrip() if "  #" in line else line
        source, sep, option = line.rpartition(":")
        if not sep or not source.strip() or not option.strip():
            continue
        out[source.strip()] = None if option.strip() == LEAVE_EMPTY else option.strip()
    return out


def value_map_entries(tables: list[SourceTable], column: str, options: list[tuple[str, str]],
                      existing: dict[str, str | None] | None = None) -> tuple[dict[str, str], int]:
    """Every distinct value of `column` with its option ('' when undecided or left empty): see
    value_map_rows. Returns the entries (at most VALUE_MAP_MAX) and how many were left off."""
    spec = FieldSpec(name=column, label=column, type="enumeration", options=tuple(options))
    rows, left_off = value_map_rows(tables, column, spec, None, existing)
    return {row.value: row.option for row in rows}, left_off


def plan_profile(paths: list[str], out: str, *, object_name: str | None = None,
                 target: str | None = None, url: str | None = None, region: str | None = None,
                 on_note: NoteFn | None = None) -> PlanResult:
    """Load the files, build a profile from the suggestions (live schema when a target is named), write it.

    `on_note` hears at once why the live schema could not be read (the built-in one is used).
    """
    region = check_region(region)
    tables = load_files(paths, strict=True).tables
    object_name = object_name or guess_object(tables[0])
    note = None
    if target not in (None, "file") or url:
        live = read_schema(target or "sandbox", object_name, url)
        schema, note = live.schema, live.note
        if note and on_note is not None:
            on_note(note)
    else:
        schema = builtin_schema(object_name)
    profile = core_build_profile(tables, object_name, region=region, schema=schema)
    validate_profile(profile, schema, column_sets=[t.columns for t in tables])
    save_profile(profile, out)
    load_profile(out)  # what we wrote must read back
    return PlanResult(profile, tables, schema, note)
