"""The clean pipeline: map -> normalise -> validate -> dedupe/merge -> records -> match against the target."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from crm_migrate.clean.canonical import map_table, normalise_table
from crm_migrate.clean.matching import match_records, near_matches_in_input
from crm_migrate.clean.shared_keys import shared_keys
from crm_migrate.dedupe import find_duplicate_groups, merge_groups
from crm_migrate.dedupe.heap import release_freed_memory
from crm_migrate.identity import key_field
from crm_migrate.mapping.validate import check_sensitive
from crm_migrate.model import CleanIssue, CleanResult, OutputRecord
from crm_migrate.progress import ProgressFn, ProgressMeter
from crm_migrate.schema import builtin_schema
from crm_migrate.sources import load_many

if TYPE_CHECKING:
    from crm_migrate.clean.canonical import TableWork
    from crm_migrate.clean.matching import TargetSnapshot
    from crm_migrate.connectors.base import Connector
    from crm_migrate.mapping.profile import DedupeSettings, Profile
    from crm_migrate.schema import ObjectSchema
    from crm_migrate.table import SourceTable

def _field_order(profile: Profile, schema: ObjectSchema, works: list[TableWork]) -> list[str]:
    order: list[str] = []
    for name in profile.mapped_fields():
        if name not in order:
            order.append(name)
    for work in works:
        for name in work.values:
            if name not in order:
                order.append(name)
    return order


def _combine(works: list[TableWork], fields: list[str]) -> tuple[pd.DataFrame, list[Any]]:
    """One frame (positional index) of every table's canonical fields plus `_source`; row refs."""
    frames = []
    refs: list[Any] = []
    for work in works:
        size = len(work.refs)
        data: dict[str, Any] = {}
        for name in fields:
            series = work.values.get(name)
            data[name] = series.to_numpy() if series is not None else [""] * size
        labels = work.table.label
        data["_source"] = [f"{labels}:{int(r)}" for r in work.table.frame.index]
        # object dtype: inferring pandas' str dtype would copy every string, twice
        frames.append(pd.DataFrame(data, columns=[*fields, "_source"], dtype=object))
        refs.extend(work.refs)
    if not frames:
        return pd.DataFrame(columns=[*fields, "_source"], dtype=object), refs
    frame = pd.concat(frames, ignore_index=True).fillna("").astype(object)
    return frame, refs


def _invalid_counts(works: list[TableWork]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for work in works:
        for name, flagged in work.flagged.items():
            values = work.values.get(name)
            if values is None:
                continue
            count = int((flagged & (values == "")).sum())
            if count:
                counts[name] = counts.get(name, 0) + count
    return counts


def _unmapped(works: list[TableWork]) -> list[dict[str, Any]]:
    """Values with no option, one entry per column and value with its rows (over every table)."""
    counts: dict[tuple[str, str, str], int] = {}
    for work in works:
        for key, count in work.unmapped.items():
            counts[key] = counts.get(key, 0) + count
    return [{"column": column, "field": name, "value": value, "count": count}
            for (column, name, value), count in sorted(counts.items(),
                                                       key=lambda kv: (kv[0][0], -kv[1], kv[0][2]))]


def _mark_blocked(records: list[OutputRecord], blocked: dict[str, dict[str, str]]) -> None:
    """A record fails before sending when a field one of its rows had refused (no option, too
    long, required) ended up empty in it (a merged duplicate may have brought a good value)."""
    if not blocked:
        return
    for record in records:
        for member in record.members or [record.source]:
            for name, why in (blocked.get(member) or {}).items():
                if not record.properties.get(name):
                    record.blocked = f"{name}: {why}"
                    break
            if record.blocked:
                break


def _unshare_addresses(frame: pd.DataFrame, refs: list[Any], profile: Profile,
                       issues: list[CleanIssue]) -> None:
    """Leave an e-mail address that different people share out of their rows (see
    clean.shared_keys), each with an issue: merged on it, they would become one contact."""
    key = key_field(profile.object)
    if key != "email":
        return
    column = next((m.column for m in profile.fields if m.field == key), None)
    for shared in shared_keys(frame, key):
        if shared.kept_by is None:
            why = f"shared by {shared.people} different people (a placeholder?): left out, one contact each"
        else:
            why = f"also the address of row {refs[shared.kept_by]}, a different person who keeps it: left out here"
        issues.extend(CleanIssue(refs[row], column, key, shared.value, why) for row in shared.rows)
        frame.loc[shared.rows, key] = ""  # the index is the rows' positions


RECORDS_PROGRESS_EVERY = 20_000  # output records built between progress calls


def _dedupe(frame: pd.DataFrame, refs: list[Any], profile: Profile, issues: list[CleanIssue],
            meter: ProgressMeter) -> tuple[pd.DataFrame, list[list[Any]]]:
    """Find and merge duplicates; conflicts become issues on the survivor's row."""
    settings = profile.dedupe
    if not settings.enabled or len(frame) < 2:
        frame = frame.copy()
        frame["_members"] = ""
        return frame, []
    settings = _with_source_ids(settings, frame, refs)
    meter.phase("dedupe", len(frame))
    groups = find_duplicate_groups(frame, profile.object, settings, on_progress=meter.fraction)
    release_freed_memory()  # the features and candidate pairs: not carried into the merge
    if not groups:
        frame = frame.copy()
        frame["_members"] = ""
        return frame, []
    meter.phase("merge", len(groups), unit="groups")
    merged, conflicts = merge_groups(frame, groups, settings, on_progress=meter.fraction)
    release_freed_memory()
    meter.update(len(groups))
    sources = frame["_source"].tolist()
    ref_of = dict(zip(sources, refs, strict=True))
    survivor_of: dict[str, Any] = {}
    for source, members in zip(merged["_source"].tolist(), merged["_members"].tolist(), strict=True):
        if members:
            survivor_of[members] = ref_of.get(source, source)
    for conflict in conflicts:
        group = conflict.get("group") or []
        key = ";".join(sources[p] for p in sorted(group))
        row = survivor_of.get(key, refs[group[0]] if group else None)
        values = [str(v) for v in conflict.get("values", [])]
        rule = conflict.get("rule", settings.default_rule)
        issues.append(CleanIssue(row, None, conflict.get("field"), " | ".join(values),
                                 f"duplicates disagree: kept {conflict.get('kept')!r} ({rule})"))
    duplicate_groups = [[refs[p] for p in group] for group in groups]
    return merged, duplicate_groups


def _member_keys(frame: pd.DataFrame, refs: list[Any], groups: list[list[Any]],
                 key: str | None) -> list[str]:
    """The keys of every duplicate group member (a Dedupe decision may bring one back)."""
    if not groups or key is None or key not in frame.columns:
        return []
    position = {str(ref): number for number, ref in enumerate(refs)}
    values = frame[key].tolist()
    return sorted({str(values[position[str(ref)]]).lower() for group in groups for ref in group
                   if str(ref) in position and values[position[str(ref)]]})


def _with_source_ids(settings: DedupeSettings, frame: pd.DataFrame, refs: list[Any]) -> DedupeSettings:
    """not_duplicates may name rows as the report does (12 or "file:row"): map them to `_source` ids."""
    if not settings.not_duplicates:
        return settings
    by_ref = {str(ref): source for ref, source in zip(refs, frame["_source"].tolist(), strict=True)}
    groups = [[by_ref.get(str(item), str(item)) for item in group] for group in settings.not_duplicates]
    return replace(settings, not_duplicates=groups)


def _records(frame: pd.DataFrame, fields: list[str], schema: ObjectSchema,
             on_step: Callable[[int], None] | None = None) -> list[OutputRecord]:
    key_field = schema.key
    usable = [f for f in fields if f in schema.fields or not f.startswith("additional_")]
    records = []
    columns = [frame[name].tolist() for name in usable]
    sources = frame["_source"].tolist()
    members = frame["_members"].tolist() if "_members" in frame else [""] * len(frame)
    key_pos = usable.index(key_field) if key_field in usable else None
    every = RECORDS_PROGRESS_EVERY
    rows = zip(*columns, strict=True) if columns else [()] * len(sources)  # nothing mapped
    for number, (source, member_text, row) in enumerate(
            zip(sources, members, rows, strict=True)):
        if on_step is not None and number % every == 0:
            on_step(number)
        properties = {name: value for name, value in zip(usable, row, strict=True) if value}
        key = row[key_pos].lower() if key_pos is not None and row[key_pos] else None
        group = member_text.split(";") if member_text else [source]
        records.append(OutputRecord(source=source, properties=properties, key=key, members=group))
    return records


def _rows_done(meter: ProgressMeter, before: int, rows: int) -> Callable[[float], None]:
    """A table's share-done callback as the phase's rows done (`before` rows of earlier tables)."""
    return lambda share: meter.update(before + int(rows * share))


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector (these objects hold no cycles); restore it after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def clean_tables(
    tables: list[SourceTable],
    profile: Profile,
    *,
    region: str | None = None,
    schema: ObjectSchema | None = None,
    connector: Connector | None = None,
    on_progress: ProgressFn | None = None,
    meter: ProgressMeter | None = None,
    snapshot: TargetSnapshot | None = None,
) -> CleanResult:
    """Map, normalise, validate and deduplicate the tables; match against the target when given.

    Progress: one report per phase start and per step within it (`meter`, when given, carries
    the action's clock; else one is made for `on_progress`). `snapshot`: what an earlier
    match read of the target (only keys it does not know are looked up); the result carries
    the snapshot it was matched with."""
    meter = meter or ProgressMeter(on_progress)
    with meter.beating():
        return _clean_tables(tables, profile, region, schema, connector, meter, snapshot)


def _clean_tables(tables: list[SourceTable], profile: Profile, region: str | None,
                  schema: ObjectSchema | None, connector: Connector | None,
                  meter: ProgressMeter, snapshot: TargetSnapshot | None = None) -> CleanResult:
    schema = schema or builtin_schema(profile.object)
    region = (region or profile.default_region or "").upper() or None
    multi = len(tables) > 1
    issues: list[CleanIssue] = []
    works: list[TableWork] = []
    sizes = [len(table.frame) for table in tables]
    meter.phase("map", sum(sizes))
    for number, table in enumerate(tables):
        before = sum(sizes[:number])
        works.append(map_table(table, profile, schema, region, multi,
                               on_field=_rows_done(meter, before, sizes[number])))
    meter.update(sum(sizes))
    meter.phase("normalise", sum(sizes))
    for number, work in enumerate(works):
        before = sum(sizes[:number])
        normalise_table(work, profile, schema, region,
                        on_field=_rows_done(meter, before, sizes[number]))
    meter.update(sum(sizes))
    for work in works:
        issues.extend(work.issues)
    fields = _field_order(profile, schema, works)
    frame, refs = _combine(works, fields)
    _unshare_addresses(frame, refs, profile, issues)
    rows_in = len(frame)
    invalid = _invalid_counts(works)
    blocked = {source: why for work in works for source, why in work.blocked.items()}
    unmapped = _unmapped(works)
    del works  # the normalised columns live on in `frame` only
    release_freed_memory()  # what mapping and normalising freed: not carried into dedupe
    with _no_cyclic_gc():  # millions of new str/dict objects: full collections would rescan them all
        merged, groups = _dedupe(frame, refs, profile, issues, meter)
        member_keys = _member_keys(frame, refs, groups, schema.key)
        del frame
        extra_columns = [c for c in merged.columns if c not in fields and c not in ("_source", "_members")]
        out_fields = fields + extra_columns
        meter.phase("build", len(merged), unit="records")
        records = _records(merged, out_fields, schema, on_step=meter.update)
        meter.update(len(records))
        output = merged[[*out_fields, "_source"]].reset_index(drop=True).fillna("").astype(object)
        del merged
    _mark_blocked(records, blocked)
    result = CleanResult(object=profile.object, frame=output, rows_in=rows_in, issues=issues,
                         invalid=invalid, duplicate_groups=groups, records=records,
                         unmapped=unmapped)
    result.near_matches.extend(near_matches_in_input(output, profile.object))
    if connector is not None:
        result.target_snapshot = match_records(result, connector, schema, meter=meter,
                                               snapshot=snapshot, extra_keys=member_keys)
    meter.phase("done", len(records), unit="records", done=len(records))
    return result


def clean_files(
    paths: list[str],
    profile: Profile,
    *,
    region: str | None = None,
    schema: ObjectSchema | None = None,
    connector: Connector | None = None,
    on_progress: ProgressFn | None = None,
) -> CleanResult:
    """Load the files (per the profile's source overrides) and clean them together."""
    meter = ProgressMeter(on_progress)
    with meter.beating():
        meter.phase("load", len(paths), unit="files")
        tables = load_many(list(paths), profile.sources)
        meter.update(len(paths))
        check_sensitive(profile, tables)
    result = clean_tables(tables, profile, region=region, schema=schema, connector=connector,
                          meter=meter)
    result.issues[:0] = source_issues(tables)
    return result


def source_issues(tables: list[SourceTable]) -> list[CleanIssue]:
    """What the readers reported (dropped footers, ragged rows) as clean issues (`file:row` when
    several files)."""
    multi = len(tables) > 1
    return [CleanIssue(None if issue.row is None else (f"{table.label}:{issue.row}" if multi else issue.row),
                       issue.column, None, issue.value,
                       f"{table.label}: {issue.problem}" if multi else issue.problem)
            for table in tables for issue in table.issues]
