"""The wizard's state: what the screens show and what the user chose, one part per step.

The work (loading, building a profile, cleaning, matching, member values) is done by
`crm_migrate.actions`; this module keeps the results and the choices. `WizardState` exposes
each part's fields as its own attributes too (`state.tables` is `state.source.tables`).
Nothing here imports textual, so it can be driven and tested headless.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from crm_migrate.actions import TARGETS
from crm_migrate.actions.cleaning import clean, clean_members, held_snapshot
from crm_migrate.actions.duplicates import (
    GroupKey,
    GroupReview,
    MemberValues,
    MergeChoices,
    decide_again,
    group_key,
    merge_into_target,
    not_duplicate,
    review_groups,
    split_group,
)
from crm_migrate.actions.files import (
    PersonalFlag,
    SourceOverride,
    guess_object,
    load_files,
    personal_columns,
    settle_memory,
)
from crm_migrate.actions.offload import OFFLOAD_ROWS, clean_in_worker, worth_offloading
from crm_migrate.actions.profiles import (
    add_missing_columns,
    build_profile,
    columns_of,
    key_field,
    load_profile,
    mapping_warnings,
    object_schema,
    save_profile_with_sources,
    set_target_options,
    target_options,
)
from crm_migrate.paths import ensure_dir, runs_dir
from crm_migrate.tui.changes import changes_frame

if TYPE_CHECKING:
    from crm_migrate.actions.progress import ProgressFn, StopFn
    from crm_migrate.mapping.profile import Profile
    from crm_migrate.model import CleanResult, OutputRecord
    from crm_migrate.schema import ObjectSchema
    from crm_migrate.table import SourceTable

__all__ = ["TARGETS", "CellKey", "WizardState"]

CellKey = tuple[str, int, str]  # (table label, 1-based row, column)


@dataclass
class SourceState:
    """Source step: the files, which are in this migration, their overrides, tables and cell fixes."""

    paths: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    overrides: dict[str, SourceOverride] = field(default_factory=dict)
    tables: list[SourceTable] = field(default_factory=list)
    load_errors: dict[str, str] = field(default_factory=dict)
    cell_edits: dict[CellKey, str] = field(default_factory=dict)  # every fix, re-applied on reload
    pending_edits: dict[CellKey, str] = field(default_factory=dict)  # fixes the result lacks yet
    personal: dict[str, PersonalFlag] = field(default_factory=dict)  # column -> personal data


@dataclass
class TargetState:
    """Target step: where the records go, which object, the phone region."""

    object_name: str = "contacts"
    object_chosen: bool = False
    target: str = "sandbox"
    url: str | None = None
    token: str | None = None  # in memory only; never saved
    region: str | None = None
    demo: bool = False
    # Salesforce: the profile's target.api_version and target.bulk (off | auto | on)
    api_version: str | None = None
    bulk: str = "off"


@dataclass
class MappingState:
    """Mapping step: the object's schema (live once fetched), the profile and where it is saved."""

    schema: ObjectSchema | None = None
    profile: Profile | None = None
    profile_path: Path | None = None


@dataclass
class CleanState:
    """Clean step: the result, whether it is stale, rows left out, the tables shown."""

    clean_result: CleanResult | None = None
    settings_stale: bool = True  # files, mapping, target or region changed since the last clean
    stale_generation: int = 0  # bumped on each change, so a clean running meanwhile stays stale
    dropped: set[str] = field(default_factory=set)  # source ids left out of the push
    views: dict[str, Any] = field(default_factory=dict)  # tables derived from the clean result
    match_target: bool = True  # look records up on the target while cleaning (update vs create)
    match_note: str | None = None  # why they were not, when that failed
    offload_rows: int | None = OFFLOAD_ROWS  # from this many rows clean in a worker process


@dataclass
class DedupeState:
    """Dedupe step: survivor and value choices per group, and each group's member values."""

    choices: MergeChoices = field(default_factory=MergeChoices)
    choices_dropped: int = 0  # groups whose choices the last clean dropped (the UI says so once)
    member_cache: dict[GroupKey, MemberValues] = field(default_factory=dict)
    accepted: set[GroupKey] = field(default_factory=set)  # groups reviewed and kept merged


@dataclass
class PushState:
    """Push and Report steps: the run's journal, batch size, name and last status."""

    journal_path: Path | None = None
    batch_size: int | None = None  # None: the connector's maximum
    run_name: str | None = None  # journal file name stem (tests); default a timestamp
    summary: dict[str, Any] | None = None


PARTS: dict[str, type] = {"source": SourceState, "target_step": TargetState, "mapping": MappingState,
                          "cleaning": CleanState, "dedupe": DedupeState, "run": PushState}


class WizardState:
    """Everything the wizard knows, one part per step (`state.source.tables`,
    `state.cleaning.clean_result`...); survives moving between screens."""

    def __init__(self, **values: Any) -> None:
        """Each keyword goes to the part that holds that field (e.g. `target=`, `run_name=`)."""
        for part, kind in PARTS.items():
            names = {f.name for f in fields(kind)}
            setattr(self, part, kind(**{k: values.pop(k) for k in list(values) if k in names}))
        if values:
            raise TypeError(f"WizardState has no field {', '.join(sorted(values))}")

    source: SourceState
    target_step: TargetState
    mapping: MappingState
    cleaning: CleanState
    dedupe: DedupeState
    run: PushState

    @property
    def clean_stale(self) -> bool:
        """True when the clean result does not reflect the inputs (settings or cell fixes)."""
        return self.cleaning.settings_stale or bool(self.source.pending_edits)

    @clean_stale.setter
    def clean_stale(self, value: bool) -> None:
        self.cleaning.settings_stale = value
        if value:
            self.cleaning.stale_generation += 1

    # ---- files ----

    def add_paths(self, paths: list[str], select: bool = True) -> None:
        """Add files to the list (and to this migration when `select`)."""
        for raw in paths:
            path = str(Path(raw))
            if path not in self.source.paths:
                self.source.paths.append(path)
            if select and path not in self.source.selected:
                self.source.selected.append(path)

    def toggle(self, path: str) -> None:
        """Include or exclude a file from this migration."""
        if path in self.source.selected:
            self.source.selected.remove(path)
        else:
            self.source.selected.append(path)
            self.source.selected.sort(key=self.source.paths.index)
        self.invalidate_tables()

    def invalidate_tables(self) -> None:
        """Files or detection changed: tables, profile columns and cleaning must be redone."""
        self.source.tables = []
        self.clean_stale = True

    def set_override(self, path: str, **values: Any) -> None:
        """Override what was detected for one file (sheet, header_row, encoding, delimiter)."""
        base = Path(path).name
        current = self.source.overrides.get(base) or SourceOverride()
        for key, value in values.items():
            setattr(current, key, value)
        self.source.overrides[base] = current
        self.invalidate_tables()

    def load_tables(self) -> list[SourceTable]:
        """Load the selected files, keeping each file's problem; guess the object if not chosen."""
        loaded = load_files(list(self.source.selected), self.source.overrides)
        self.source.load_errors = loaded.problems
        self.source.tables = loaded.tables
        self._apply_cell_edits()
        settle_memory()
        if self.source.tables and not self.target_step.object_chosen:
            self.target_step.object_name = guess_object(self.source.tables[0])
        self.source.personal = personal_columns(self.source.tables, self.target_step.object_name)
        return self.source.tables

    def table_for(self, path: str) -> SourceTable | None:
        """The loaded table of a file, if loaded."""
        for table in self.source.tables:
            if table.detection.path == path or table.detection.path == str(Path(path)):
                return table
        return None

    @property
    def columns(self) -> list[str]:
        """Every column of the loaded tables, first seen first."""
        return columns_of(self.source.tables)

    # ---- mapping ----

    def object_schema(self) -> ObjectSchema:
        """The schema of the chosen object (live one when fetched from the target)."""
        if self.mapping.schema is None or self.mapping.schema.object != self.target_step.object_name:
            self.mapping.schema = object_schema(self.target_step.object_name)
        return self.mapping.schema

    def profile_ready(self) -> bool:
        """True when the profile covers the object and every loaded column."""
        if self.mapping.profile is None or self.mapping.profile.object != self.target_step.object_name:
            return False
        known = {m.column for m in self.mapping.profile.fields}
        return all(c in known for c in self.columns)

    def ensure_profile(self) -> Profile:
        """The profile, built from the suggestions when there is none for this object."""
        if self.mapping.profile is not None and self.mapping.profile.object == self.target_step.object_name:
            if add_missing_columns(self.mapping.profile, self.source.tables, self.object_schema()):
                self.clean_stale = True
            return self.mapping.profile
        self.mapping.profile = self.build_profile()
        self.clean_stale = True
        return self.mapping.profile

    def build_profile(self) -> Profile:
        """A fresh profile from the suggestions for the loaded tables (all columns listed)."""
        profile = build_profile(self.source.tables, self.target_step.object_name, region=self.target_step.region,
                                schema=self.object_schema(), every_column=True)
        self.mapping.profile = profile
        self.apply_target_options()
        self.clean_stale = True
        return profile

    def apply_target_options(self) -> None:
        """Put the Target step's Salesforce settings (API version, Bulk API) into the profile,
        so the push, its journal and a saved profile carry them; ProfileError when invalid."""
        profile = self.mapping.profile
        if profile is not None and self.target_step.target == "salesforce":
            set_target_options(profile, api_version=self.target_step.api_version,
                               bulk=self.target_step.bulk)

    def set_field(self, column: str, field_name: str | None, split_into: list[str] | None = None,
                  file: str | None = None) -> None:
        """Map a column to a field (None leaves it out) in the shared mappings, or in a file's
        own when `file` names one that has them; the user's choice has confidence 1. A sensitive
        column mapped so is recorded as mapped on purpose (`sensitive: true`)."""
        profile = self.ensure_profile()
        mappings = profile.fields_for(file) if file is not None else profile.fields
        for mapping in mappings:
            if mapping.column == column:
                mapping.field = None if split_into else field_name
                mapping.split_into = split_into
                mapping.confidence = 1.0
                mapping.sensitive = bool(field_name or split_into) and self.is_sensitive(column)
                break
        self.clean_stale = True

    def is_sensitive(self, column: str) -> bool:
        """Whether a loaded column holds sensitive data (never mapped unless the user does)."""
        flag = self.source.personal.get(column)
        return flag is not None and flag.sensitive

    def mapping_warnings(self) -> list[str]:
        """Required fields left unmapped, and fields filled by two columns."""
        if self.mapping.profile is None:
            return []
        return mapping_warnings(self.mapping.profile, self.object_schema(), self.source.tables)

    def save_profile(self, path: Path) -> Path:
        """Write the profile (YAML/JSON) with the file overrides, and remember where."""
        self.mapping.profile_path = save_profile_with_sources(self.ensure_profile(), path, self.source.overrides)
        return self.mapping.profile_path

    def open_profile(self, path: Path) -> Profile:
        """Read a saved profile; its object and file overrides become the wizard's."""
        profile = load_profile(path)
        self.mapping.profile = profile
        self.mapping.profile_path = Path(path)
        self.target_step.object_name = profile.object
        self.target_step.object_chosen = True
        self.target_step.region = profile.default_region or self.target_step.region
        self.target_step.api_version, self.target_step.bulk = target_options(profile)
        if profile.sources:
            self.source.overrides.update(profile.sources)
            if any(source.reading for source in profile.sources.values()):
                self.invalidate_tables()
        self.clean_stale = True
        return profile

    # ---- cleaning ----

    def edit_cell(self, label: str, row: int, column: str, value: str) -> bool:
        """Fix one source cell now; it is pending until cleaning re-runs. False when unchanged."""
        key = (label, row, column)
        if value == self.source_value(label, row, column) and key not in self.source.pending_edits:
            return False
        self.source.cell_edits[key] = value
        self.source.pending_edits[key] = value
        self._apply_cell_edits({key: value})
        return True

    def pending_edit(self, ref: Any, column: str | None) -> str | None:
        """The pending new value of an issue's cell (row reference + column), if it was edited."""
        if not self.source.pending_edits or column is None:
            return None
        where = self.locate(ref)
        return None if where is None else self.source.pending_edits.get((where[0], where[1], column))

    def _apply_cell_edits(self, edits: dict[CellKey, str] | None = None) -> None:
        by_label = {t.label: t for t in self.source.tables}
        for (label, row, column), value in (self.source.cell_edits if edits is None else edits).items():
            table = by_label.get(label)
            if table is not None and column in table.frame.columns and row in table.frame.index:
                table.frame.at[row, column] = value

    def run_clean(self, on_progress: ProgressFn | None = None,
                  should_stop: StopFn | None = None) -> CleanResult:
        """Clean the loaded tables with the profile, matching them against the target when asked;
        a stopped clean (`should_stop`) raises Stopped and changes nothing here."""
        profile = self.ensure_profile()
        generation, edits = self.cleaning.stale_generation, dict(self.source.pending_edits)
        match = self.cleaning.match_target and self.target_step.target != "file"
        large = worth_offloading(self.source.tables, self.cleaning.offload_rows)
        runner = clean_in_worker if large else clean  # a big clean runs off this interpreter
        outcome = runner(self.source.tables, profile, region=self.target_step.region, schema=self.object_schema(),
                        target=self.target_step.target if match else None, url=self.target_step.url, token=self.target_step.token,
                        on_progress=on_progress, should_stop=should_stop,
                        snapshot=held_snapshot(self.cleaning.clean_result))
        result = outcome.result
        self.cleaning.match_note = outcome.match_note
        self.cleaning.clean_result = result
        self.cleaning.views.clear()
        if self.cleaning.stale_generation == generation:  # nothing changed while cleaning
            self.cleaning.settings_stale = False
        for key, value in edits.items():
            if self.source.pending_edits.get(key) == value:
                del self.source.pending_edits[key]
        self.dedupe.member_cache.clear()  # member values may have changed with the sources
        self._apply_drops()
        self.dedupe.choices_dropped += self.dedupe.choices.rebase(result.records)
        self.apply_choices()
        self.clean_views()
        settle_memory()
        return result

    def take_dropped_choices(self) -> int:
        """How many groups' Dedupe choices re-cleaning dropped since last asked (then zero)."""
        count, self.dedupe.choices_dropped = self.dedupe.choices_dropped, 0
        return count

    def source_id(self, ref: Any) -> str | None:
        """The `file:row` id of an issue row reference."""
        where = self.locate(ref)
        return f"{where[0]}:{where[1]}" if where else None

    def drop_rows(self, refs: list[Any]) -> int:
        """Leave rows out of the push (their records are removed from the result)."""
        ids = {sid for sid in (self.source_id(r) for r in refs) if sid}
        self.cleaning.dropped |= ids
        self._apply_drops()
        self.clean_views()
        return len(ids)

    def restore_rows(self) -> int:
        """Take back every dropped row (cleaning must re-run to bring their records back)."""
        count = len(self.cleaning.dropped)
        if count:
            self.cleaning.dropped.clear()
            self.clean_stale = True
        return count

    def clean_views(self, preview: bool = False) -> dict[str, Any]:
        """Tables the Clean/Dedupe/Push steps show, built once per result (off the UI thread)."""
        result = self.cleaning.clean_result
        if result is None:
            return {}
        if "issues" not in self.cleaning.views:
            issues = result.issues  # column by column: no single long call holds the GIL
            frame = pd.DataFrame({
                "row": [str(i.row if i.row is not None else "file") for i in issues],
                "field": [i.field or i.column or "" for i in issues],
                "value": [i.value or "" for i in issues],
                "problem": [i.problem for i in issues]})
            frame.index = pd.RangeIndex(1, len(frame) + 1)
            actions: dict[str, int] = {}
            for record in result.records:
                actions[record.action] = actions.get(record.action, 0) + 1
            self.cleaning.views.update(issues=frame, actions=actions,
                              groups=[r for r in result.records if len(r.members) > 1])
        if preview and "changes" not in self.cleaning.views:
            self.cleaning.views["changes"] = self.changes()
        return self.cleaning.views

    def _apply_drops(self) -> None:
        self.cleaning.views.clear()
        result = self.cleaning.clean_result
        if result is None or not self.cleaning.dropped:
            return
        keep = [r for r in result.records
                if r.source not in self.cleaning.dropped and not (set(r.members) & self.cleaning.dropped)]
        result.records = keep
        if "_source" in result.frame.columns:
            result.frame = result.frame[~result.frame["_source"].isin(self.cleaning.dropped)]

    def changes(self, limit: int = 20000) -> pd.DataFrame:
        """Before/after of every value cleaning changed: source id, field, before, after."""
        records = self.cleaning.clean_result.records if self.cleaning.clean_result is not None else []
        mappings = self.mapping.profile.all_mappings() if self.mapping.profile is not None else []
        return changes_frame(records, mappings, self.locate, self.source_value, limit)

    def locate(self, ref: Any) -> tuple[str, int] | None:
        """(table label, row) of an issue row reference (`n` or `file:row`)."""
        if ref is None:
            return None
        if isinstance(ref, int):
            return (self.source.tables[0].label, ref) if self.source.tables else None
        text = str(ref)
        label, _, row = text.rpartition(":")
        if not label:
            return (self.source.tables[0].label, int(row)) if self.source.tables and row.isdigit() else None
        return (label, int(row)) if row.isdigit() else None

    def source_value(self, label: str, row: int, column: str) -> str:
        """A source cell's current text ('' when absent)."""
        for table in self.source.tables:
            if table.label == label and column in table.frame.columns and row in table.frame.index:
                return str(table.frame.at[row, column])
        return ""

    # ---- duplicates ----

    def not_duplicate(self, members: list[str]) -> None:
        """Record that a group's rows are different people/companies (the profile keeps it for
        the next clean) and split that group alone: each member becomes its own record, decided
        from the target snapshot; no file read, no re-clean, no request, other groups untouched."""
        key = not_duplicate(self.ensure_profile(), members)
        self.dedupe.choices.discard(key)  # the group goes away on purpose: nothing to report
        result = self.cleaning.clean_result
        record = next((r for r in result.records if group_key(r.members) == key), None) \
            if result is not None and not self.clean_stale else None
        if result is None or record is None:
            self.clean_stale = True
            return
        values = self.group_member_values([key])[key]
        split_group(result, record, values, key_field(self.target_step.object_name))
        self.dedupe.member_cache.pop(key, None)
        self.dedupe.accepted.discard(key)
        self._views_changed(drop=key)

    def _views_changed(self, drop: GroupKey | None = None) -> None:
        """Rebuild the tables the steps show after a Dedupe decision; the scores of the groups
        it did not touch are kept as they are."""
        reviews = self.cleaning.views.get("reviews")
        self.cleaning.views.clear()
        if reviews is not None:
            self.cleaning.views["reviews"] = {k: v for k, v in reviews.items() if k != drop}
        self.clean_views()

    def force_merge(self, source: str, target_id: str | None) -> OutputRecord:
        """Merge a record into a target record it nearly matches (it becomes an update of that
        record), or undo it with None; decided from the snapshot, no request."""
        assert self.cleaning.clean_result is not None
        record = merge_into_target(self.cleaning.clean_result, source, target_id)
        self._views_changed()
        return record

    def accept_groups(self, keys: list[GroupKey]) -> int:
        """Mark groups as reviewed and kept merged; returns how many were not already."""
        before = len(self.dedupe.accepted)
        self.dedupe.accepted.update(keys)
        return len(self.dedupe.accepted) - before

    def apply_choices(self) -> None:
        """Apply the survivor and per-field value choices of the Dedupe screen to the records."""
        if self.cleaning.clean_result is None:
            return
        self.cleaning.views.pop("changes", None)
        self.dedupe.choices.apply(self.cleaning.clean_result.records, self.group_member_values,
                           key_field=key_field(self.target_step.object_name))

    def next_survivor(self, record: OutputRecord) -> str:
        """Make the group's next member the survivor (its values fill the merge first)."""
        survivor = self.dedupe.choices.next_survivor(record)
        self.apply_choices()
        self._decided(record)
        return survivor

    def next_value(self, record: OutputRecord, name: str) -> str | None:
        """Take the next member's value of a field for the group's merged record."""
        value = self.dedupe.choices.next_value(record, name, self.member_values_of(record))
        if value is not None:
            self.apply_choices()
            self._decided(record)
        return value

    def _decided(self, record: OutputRecord) -> None:
        """A choice changed one group's record: create/update/skip again from the snapshot."""
        if self.cleaning.clean_result is not None:
            decide_again(self.cleaning.clean_result, [record])
            self.cleaning.views.pop("issues", None)  # the action counts are rebuilt
            self.clean_views()

    def reset_choices(self, record: OutputRecord) -> bool:
        """Forget a group's survivor and value choices (its merge as cleaning made it)."""
        self.cleaning.views.pop("changes", None)
        reset = self.dedupe.choices.reset(record)
        if reset:
            self._decided(record)
        return reset

    def member_values_of(self, record: OutputRecord) -> MemberValues:
        """A group's member values: cleaned ones once known, else the mapped source values."""
        return self.dedupe.member_cache.get(group_key(record.members)) or self.member_values(record.members)

    def group_member_values(self, keys: list[GroupKey]) -> dict[GroupKey, MemberValues]:
        """Each group's member rows cleaned on their own (cached; the missing ones in one call)."""
        missing = [key for key in keys if key not in self.dedupe.member_cache]
        if missing:
            values = self.member_clean_values([m for key in missing for m in key])
            for key in missing:
                self.dedupe.member_cache[key] = {m: values.get(m, {}) for m in key}
        return {key: self.dedupe.member_cache[key] for key in keys}

    def member_clean_values(self, members: list[str]) -> dict[str, dict[str, str]]:
        """Each member row cleaned on its own (no merging): source id -> canonical field values."""
        rows: dict[str, list[int]] = {}
        for member in members:
            where = self.locate(member)
            if where is not None:
                rows.setdefault(where[0], []).append(where[1])
        return clean_members(self.source.tables, self.ensure_profile(), rows, region=self.target_step.region,
                             schema=self.object_schema())

    def group_reviews(self) -> dict[GroupKey, GroupReview]:
        """Match score and reasons of every duplicate group (members cleaned on their own once
        per clean result, all pairs scored together)."""
        if "reviews" not in self.cleaning.views:
            groups = self.clean_views()["groups"]
            members = [str(m) for record in groups for m in record.members]
            values = self.member_clean_values(members) if members else {}
            self.cleaning.views["reviews"] = review_groups(groups, values, self.target_step.object_name)
        reviews: dict[GroupKey, GroupReview] = self.cleaning.views["reviews"]
        return reviews

    def member_values(self, members: list[str]) -> dict[str, dict[str, str]]:
        """Each member row's mapped source values by canonical field (what the merge chose from)."""
        profile = self.ensure_profile()
        out: dict[str, dict[str, str]] = {}
        for member in members:
            where = self.locate(member)
            values: dict[str, str] = {}
            if where is not None:
                label, row = where
                for m in profile.fields_for(label):
                    if m.field:
                        values[m.field] = self.source_value(label, row, m.column)
            out[str(member)] = values
        return out

    # ---- runs ----

    def push_url(self) -> str | None:
        """The URL a push records in its journal: none for the demo's sandbox, so that a resume in a
        later session runs the sandbox embedded on the same database instead of a dead port."""
        if self.target_step.demo and self.target_step.target == "sandbox":
            return None
        return self.target_step.url

    def new_journal_path(self) -> Path:
        """A fresh journal path under the runs dir (created owner-only)."""
        folder = ensure_dir(runs_dir(), private=True)
        stamp = self.run.run_name or time.strftime("%Y%m%d-%H%M%S")
        path = folder / f"{stamp}-{self.target_step.object_name}.journal"
        n = 2
        while path.exists():
            path = folder / f"{stamp}-{self.target_step.object_name}-{n}.journal"
            n += 1
        return path
