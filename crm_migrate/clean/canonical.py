"""One source table -> canonical field columns: profile transforms, splits, per-type normalisers, checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from crm_migrate.clean.addresses import split_addresses, split_city_state_zip
from crm_migrate.clean.countries import regions_from_countries
from crm_migrate.clean.names import split_full_names
from crm_migrate.clean.result import NormalizeResult, as_text, empty_like, map_distinct
from crm_migrate.clean.transforms import apply_transforms, transform_kinds
from crm_migrate.clean.validate import (
    blank_placeholders,
    check_birthdays,
    check_lengths,
    field_kind,
    normalize_field,
    repair_zips,
)
from crm_migrate.clean.websites import domains_from_emails, domains_from_websites
from crm_migrate.identity import key_field
from crm_migrate.mapping.transforms import parse_transforms
from crm_migrate.mapping.valuemaps import stage_matcher
from crm_migrate.model import CleanIssue

if TYPE_CHECKING:
    from crm_migrate.mapping.profile import FieldMapping, Profile
    from crm_migrate.schema import FieldSpec, ObjectSchema
    from crm_migrate.table import SourceTable

SUFFIX_FIELD = "suffix"  # a target's field for post-nominal letters, when it has one
NAME_PARTS = ("firstname", "lastname", SUFFIX_FIELD)
# the fields that name a record: with its key field, a record needs at least one of them
NAMING_FIELDS = {"contacts": ("firstname", "lastname"), "companies": ("name",), "deals": ("dealname",)}
# no CRM field takes more (HubSpot's text property limit): longer cells are reported, not examined
CELL_CHARS = 65_536
SHOWN_CHARS = 80  # how much of such a cell the report quotes


@dataclass
class TableWork:
    """The cleaning state of one table: canonical values, where each came from, issues."""

    table: SourceTable
    refs: list[Any]
    values: dict[str, pd.Series] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    raw: dict[str, pd.Series] = field(default_factory=dict)
    flagged: dict[str, pd.Series] = field(default_factory=dict)
    normalised: set[str] = field(default_factory=set)
    issues: list[CleanIssue] = field(default_factory=list)
    # rows the target would refuse: `file:row` source id -> field -> why (see `block`)
    blocked: dict[str, dict[str, str]] = field(default_factory=dict)
    # values with no option: (column, field, value) -> rows
    unmapped: dict[tuple[str, str, str], int] = field(default_factory=dict)
    # fields the profile asks to cut (truncate transform): field -> length (None: the field's max)
    truncate: dict[str, int | None] = field(default_factory=dict)
    pipeline: str | None = None  # deals: the pipeline transform's id or label

    def source_id(self, pos: int) -> str:
        """The `_source` id (file:row) of a row by position (what the combined frame calls it)."""
        return f"{self.table.label}:{int(self.table.frame.index[pos])}"

    def block(self, name: str, problems: pd.Series, mask: pd.Series | None = None) -> None:
        """Mark rows (mask, else non-empty problems) as ones the target would refuse for `name`."""
        hit = (mask if mask is not None else problems != "").to_numpy()
        texts = problems.to_numpy()
        for pos in hit.nonzero()[0]:
            self.blocked.setdefault(self.source_id(int(pos)), {}).setdefault(name, str(texts[pos]))

    def count_unmapped(self, name: str, unmapped: pd.Series) -> None:
        """Count each value with no option once per row, by column."""
        column = self.origin.get(name) or name
        for value, count in unmapped[unmapped != ""].value_counts().items():
            key = (column, name, str(value))
            self.unmapped[key] = self.unmapped.get(key, 0) + int(count)

    def report(self, name: str, problems: pd.Series, *, column: str | None = None,
               raw: pd.Series | None = None) -> None:
        """Turn non-empty problems of a field into issues (row, column, field, source value, problem)."""
        mask = (problems != "").to_numpy()
        if not mask.any():
            return
        source = raw if raw is not None else self.raw.get(name, problems)
        where = column if column is not None else self.origin.get(name)
        positions = mask.nonzero()[0]
        values = source.to_numpy()
        texts = problems.to_numpy()
        for pos in positions:
            self.issues.append(CleanIssue(self.refs[pos], where, name, str(values[pos]), str(texts[pos])))
        previous = self.flagged.get(name)
        hit = problems != ""
        self.flagged[name] = hit if previous is None else (previous | hit)

    def put(self, name: str, values: pd.Series, column: str, raw: pd.Series) -> None:
        """Fill a field; a field already filled keeps its values and takes these only where empty."""
        if name in self.values:
            current = self.values[name]
            self.values[name] = current.where(current != "", values)
            self.raw[name] = self.raw[name].where(current != "", raw)
        else:
            self.values[name] = values
            self.origin[name] = column
            self.raw[name] = raw


def _row_refs(table: SourceTable, multi: bool) -> list[Any]:
    rows = [int(i) for i in table.frame.index]
    return [f"{table.label}:{r}" for r in rows] if multi else rows


def _columns(table: SourceTable) -> dict[str, pd.Series]:
    return {str(c): as_text(table.frame[c]) for c in table.frame.columns}


def _without_huge_cells(raw: pd.Series, work: TableWork, target: str, column: str) -> pd.Series:
    """Cells longer than CELL_CHARS left out and reported (quoted in part), before any regex sees them."""
    lengths = raw.str.len()
    huge = (lengths > CELL_CHARS).to_numpy()
    if not huge.any():
        return raw
    problems = empty_like(raw)
    problems[huge] = [f"cell of {n:,} characters, longer than any CRM field takes ({CELL_CHARS:,}): "
                      "left out" for n in lengths[huge]]
    shown = raw.copy()
    shown[huge] = [f"{text[:SHOWN_CHARS]}…" for text in raw[huge]]
    work.report(target, problems, column=column, raw=shown)
    return raw.where(~huge, "")


def _apply(mapping: FieldMapping, values: pd.Series, work: TableWork, region: Any,
           columns: dict[str, pd.Series], name: str) -> pd.Series:
    """Run the mapping's profile transforms; their problems become issues."""
    if not mapping.transforms:
        return values
    new_values, problems = apply_transforms(values, mapping.transforms, region=region, columns=columns)
    new_values = as_text(new_values)
    work.report(name, as_text(problems), column=mapping.column, raw=values)
    kinds = transform_kinds(mapping.transforms)
    if kinds:
        work.normalised.add(f"{name}:{'/'.join(sorted(kinds))}")
    return new_values


def _split(mapping: FieldMapping, values: pd.Series, raw: pd.Series, work: TableWork) -> None:
    parts = mapping.split_into or []
    if set(parts) <= set(NAME_PARTS):
        first, last, suffix, problems = split_full_names(values)
        for name, series in (("firstname", first), ("lastname", last), (SUFFIX_FIELD, suffix)):
            if name in parts:
                work.put(name, series, mapping.column, raw)
        if SUFFIX_FIELD not in parts:  # no field to keep it in: say so rather than lose it quietly
            dropped = (suffix != "") & (problems == "")
            problems = problems.where(~dropped, "name suffix '" + suffix + "' dropped (no suffix field mapped)")
        work.report(parts[0], problems, column=mapping.column, raw=raw)
        return
    if "address" in parts or "country" in parts:
        pieces = split_addresses(values)
    else:
        pieces = split_city_state_zip(values)
    for name in parts:
        if name in pieces:
            work.put(name, pieces[name], mapping.column, raw)
    work.report(parts[0], pieces["problems"], column=mapping.column, raw=raw)


def map_table(table: SourceTable, profile: Profile, schema: ObjectSchema, region: str | None,
              multi: bool, on_field: Callable[[float], None] | None = None) -> TableWork:
    """Fill canonical fields from the table's columns per the profile (transforms and splits);
    `on_field` hears the fraction of mapped columns done after each one."""
    work = TableWork(table=table, refs=_row_refs(table, multi))
    columns = _columns(table)
    mappings = profile.fields_for(table.label)  # the file's own, when it has them
    capped: set[str] = set()
    for mapping in mappings:
        if mapping.column in columns and mapping.column not in capped and (mapping.field or mapping.split_into):
            target = mapping.field or (mapping.split_into or [""])[0]
            columns[mapping.column] = _without_huge_cells(columns[mapping.column], work, target, mapping.column)
            capped.add(mapping.column)
    regions = _regions(mappings, columns, region)
    for number, mapping in enumerate(mappings):
        if on_field is not None:
            on_field(number / max(1, len(mappings)))
        if mapping.column not in columns or not (mapping.field or mapping.split_into):
            continue
        raw = columns[mapping.column]
        if mapping.transforms:
            raw = blank_placeholders(raw)
        target = mapping.field or (mapping.split_into or [""])[0]
        _field_options(mapping, work, target)
        values = _apply(mapping, raw, work, regions, columns, target)
        if mapping.field:
            work.put(mapping.field, values, mapping.column, raw)
        else:
            _split(mapping, values, raw, work)
    return work


def _field_options(mapping: FieldMapping, work: TableWork, target: str) -> None:
    """The transforms that act in the field checks: truncate (a length) and pipeline."""
    for transform in parse_transforms(mapping.transforms):
        if transform.name == "truncate":
            for name in mapping.split_into or [target]:
                work.truncate[name] = transform.args.get("length")
        elif transform.name == "pipeline":
            work.pipeline = str(transform.args["name"])


def _regions(mappings: list[FieldMapping], columns: dict[str, pd.Series], region: str | None) -> Any:
    """Per-row phone regions from a mapped country column, else the default region."""
    for mapping in mappings:
        if mapping.field == "country" and mapping.column in columns:
            return regions_from_countries(columns[mapping.column], region)
    return region


def _dayfirst(profile: Profile) -> tuple[bool | None, str | None]:
    fmt = profile.date_format
    if fmt == "dayfirst":
        return True, None
    if fmt == "monthfirst":
        return False, None
    return None, fmt


def normalise_table(work: TableWork, profile: Profile, schema: ObjectSchema, region: str | None,
                    on_field: Callable[[float], None] | None = None) -> None:
    """Run each field's type normaliser (unless a transform did), then the schema checks."""
    for name in list(work.values):
        work.values[name] = blank_placeholders(work.values[name])
    regions: Any = region
    if "country" in work.values:
        regions = regions_from_countries(work.values["country"], region)
    dayfirst, date_fmt = _dayfirst(profile)
    done = {entry.split(":")[0]: entry.split(":")[1] for entry in work.normalised}
    staged = profile.object == "deals" and bool(schema.pipelines) and "dealstage" in work.values
    names = list(work.values)
    for position, name in enumerate(names):
        if on_field is not None:
            on_field(position / max(1, len(names)))
        if staged and name == "dealstage":
            continue  # checked against the row's own pipeline below
        spec = schema.get(name)
        kind = field_kind(spec, name)
        already = done.get(name, "")
        if kind in already or (kind == "datetime" and "date" in already):
            values = work.values[name]
            if kind == "date":  # a date transform may keep a time ("2022-09-05T16:40:00Z"):
                values = values.str.slice(0, 10).astype(object)  # a date property takes the day
            result = NormalizeResult(values, empty_like(values))
        else:
            result = normalize_field(kind, work.values[name], spec, region=regions,
                                     country_format=profile.country_format, dayfirst=dayfirst,
                                     date_fmt=date_fmt, schema=schema)
        work.report(name, result.problems)
        unmapped = result.extra.get("unmapped")
        if unmapped is not None:
            work.block(name, result.problems, unmapped != "")
            work.count_unmapped(name, unmapped)
        values = result.values
        if name == "zip":
            repaired = repair_zips(values, regions)
            work.report(name, repaired.problems)
            values = repaired.values
        if name == "date_of_birth":
            checked = check_birthdays(values)
            work.report(name, checked.problems)
            values = checked.values
        work.values[name] = _lengths(work, name, values, spec)
    if profile.object == "deals" and schema.pipelines:
        _check_stages(work, schema, staged)
    _derive_domain(work, profile)
    _check_required(work, schema)
    _check_identity(work, profile.object)


def _lengths(work: TableWork, name: str, values: pd.Series, spec: FieldSpec | None) -> pd.Series:
    """Too long for the target: cut when the profile says truncate, else left out and the row
    marked as one the target would refuse."""
    lengths = check_lengths(values, spec, truncate=name in work.truncate,
                            length=work.truncate.get(name))
    work.report(name, lengths.problems)
    too_long = lengths.extra.get("too_long")
    if too_long is not None:
        work.block(name, lengths.problems, too_long)
    return lengths.values


def _check_stages(work: TableWork, schema: ObjectSchema, staged: bool) -> None:
    """Deals: each row's pipeline (its column, else the profile's pipeline transform, else the
    only/default pipeline) and its stage mapped to THAT pipeline's stage ids by id or label.
    A stage of another pipeline, or no stage at all of it, is reported and the row would fail."""
    pipelines = {p.id: p for p in schema.pipelines}
    chosen = schema.pipeline(work.pipeline) if work.pipeline else None
    live = [p for p in schema.pipelines if not p.archived]
    fallback = chosen or (live[0] if len(live) == 1 else None)
    size = len(work.refs)
    if fallback is not None:
        current = work.values.get("pipeline")
        if current is None:
            work.values["pipeline"] = pd.Series([fallback.id] * size, index=work.table.frame.index,
                                                dtype=object)
            work.origin.setdefault("pipeline", work.origin.get("dealstage", "pipeline"))
            work.raw["pipeline"] = work.values["pipeline"]
        else:
            work.values["pipeline"] = current.where(current != "", fallback.id)
    if not staged:
        return
    stages = work.values["dealstage"]
    rows_pipeline = work.values.get("pipeline")
    if rows_pipeline is None:
        rows_pipeline = pd.Series([""] * size, index=stages.index, dtype=object)
    matchers = {pid: stage_matcher(p) for pid, p in pipelines.items()}

    def one(key: str) -> tuple[str, str, str]:
        pid, _, value = key.partition("\x1f")
        value = " ".join(value.split())
        if not value:
            return "", "", ""
        pipeline = pipelines.get(pid)
        if pipeline is None:  # no (valid) pipeline on the row: its own problem is reported
            return "", (f"stage {value!r} not checked: the row names no pipeline of the target "
                        f"({', '.join(p.label for p in live)})"), ""  # the pipeline's own problem
        match = matchers[pid].match(value)
        if match is not None and not match.hidden:
            return match.value, "", ""
        if match is not None:
            return "", f"stage {value!r} is archived in pipeline {pipeline.label!r}", value
        elsewhere = [p.label for p_id, p in pipelines.items() if p_id != pid
                     and matchers[p_id].match(value) is not None]
        if elsewhere:
            return "", (f"stage {value!r} belongs to pipeline {elsewhere[0]!r}, not to this row's "
                        f"pipeline {pipeline.label!r}"), value
        shown = ", ".join(f"{s.label} ({s.id})" for s in pipeline.stages if not s.archived)
        return "", (f"{value!r} is not a stage of pipeline {pipeline.label!r} ({shown}); decide it "
                    "in the value map (map_values)"), value

    keys = rows_pipeline.astype(str) + "\x1f" + stages.astype(str)
    out = map_distinct(stages, one, names=("values", "problems", "unmapped"), keys=keys)
    work.report("dealstage", out["problems"])
    work.block("dealstage", out["problems"], out["unmapped"] != "")
    work.count_unmapped("dealstage", out["unmapped"])
    work.values["dealstage"] = _lengths(work, "dealstage", out["values"], schema.get("dealstage"))


def _derive_domain(work: TableWork, profile: Profile) -> None:
    """Companies: an empty domain comes from the website, else from a non-free-mail email."""
    if profile.object != "companies":
        return
    for source_field, derive in (("website", domains_from_websites), ("email", domains_from_emails)):
        if source_field not in work.values:
            continue
        derived = derive(work.values[source_field])
        if "domain" not in work.values:
            work.values["domain"] = derived
            work.origin["domain"] = work.origin[source_field]
            work.raw["domain"] = work.raw[source_field]
        else:
            current = work.values["domain"]
            work.values["domain"] = current.where(current != "", derived)


def _check_required(work: TableWork, schema: ObjectSchema) -> None:
    """A required field not mapped, or empty on a row: reported, and the row would fail."""
    for name in schema.required:
        if name not in work.values:
            problem = f"required field {name} is not mapped from any column"
            work.issues.append(CleanIssue(None, None, name, None, problem))
            for pos in range(len(work.refs)):
                work.blocked.setdefault(work.source_id(pos), {}).setdefault(name, problem)
            continue
        empty = work.values[name] == ""
        if empty.any():
            problems = empty.map({True: f"required field {name} is empty", False: ""})
            work.report(name, problems)
            work.block(name, problems)


def _check_identity(work: TableWork, object_name: str) -> None:
    key, names = key_field(object_name), NAMING_FIELDS.get(object_name, ())
    considered = [f for f in (key, *names) if f and f in work.values]
    size = len(work.refs)
    if not considered:
        return
    has_any = None
    for name in considered:
        filled = work.values[name] != ""
        has_any = filled if has_any is None else (has_any | filled)
    assert has_any is not None
    if bool(has_any.all()) or size == 0:
        return
    wanted = f"no {key} and no name" if key else "no name"
    problem = f"nothing identifies this record ({wanted}): kept, please check"
    for pos in (~has_any).to_numpy().nonzero()[0]:
        work.issues.append(CleanIssue(work.refs[pos], None, None, None, problem))
