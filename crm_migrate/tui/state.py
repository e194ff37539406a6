"""The wizard's shared state: files, tables, profile, clean result and run, in plain Python.

Screens read and write this object; workers call its methods (which call the core);
nothing here imports textual, so it can be driven and tested headless.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_migrate.actions.duplicates import GroupKey, MemberValues, MergeChoices, group_key

if TYPE_CHECKING:
    from collections.abc import Callable

    from crm_migrate.mapping.profile import Profile, SourceOverride
    from crm_migrate.model import CleanResult, OutputRecord
    from crm_migrate.schema import ObjectSchema
    from crm_migrate.table import SourceTable

TARGETS: tuple[str, ...] = ("sandbox", "hubspot", "salesforce", "pipedrive", "file")

CellKey = tuple[str, int, str]  # (table label, 1-based row, column)


def unavailable(exc: ImportError) -> str:
    """A one-line note that a core piece this step needs is not in this build."""
    name = getattr(exc, "name", None) or str(exc)
    return f"not available in this build yet ({name})"


def settle_memory() -> None:
    """Exempt what was just loaded from the cyclic GC.

    A million-row table is millions of str objects; a full collection walks them all and
    stalls the UI for a key or two. Tables hold no cycles, so freezing them is safe.
    """
    import gc

    gc.freeze()


@dataclass
class WizardState:
    """Everything the wizard knows; survives moving between screens."""

    paths: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    overrides: dict[str, SourceOverride] = field(default_factory=dict)
    tables: list[SourceTable] = field(default_factory=list)
    load_errors: dict[str, str] = field(default_factory=dict)
    object_name: str = "contacts"
    object_chosen: bool = False
    target: str = "sandbox"
    url: str | None = None
    token: str | None = None  # in memory only; never saved
    region: str | None = None
    schema: ObjectSchema | None = None
    profile: Profile | None = None
    profile_path: Path | None = None
    cell_edits: dict[CellKey, str] = field(default_factory=dict)  # every fix, re-applied on reload
    pending_edits: dict[CellKey, str] = field(default_factory=dict)  # fixes the result lacks yet
    clean_result: CleanResult | None = None
    settings_stale: bool = True  # files, mapping, target or region changed since the last clean
    stale_generation: int = 0  # bumped on each change, so a clean running meanwhile stays stale
    choices: MergeChoices = field(default_factory=MergeChoices)  # Dedupe step, per group members
    choices_dropped: int = 0  # groups whose choices the last clean dropped (the UI says so once)
    dropped: set[str] = field(default_factory=set)  # source ids left out of the push
    member_cache: dict[GroupKey, MemberValues] = field(default_factory=dict)
    views: dict[str, Any] = field(default_factory=dict)  # tables derived from the clean result
    journal_path: Path | None = None
    batch_size: int | None = None  # None: the connector's maximum
    run_name: str | None = None  # journal file name stem (tests); default a timestamp
    summary: dict[str, Any] | None = None
    demo: bool = False
    match_target: bool = True  # look records up on the target while cleaning (update vs create)
    match_note: str | None = None  # why they were not, when that failed

    @property
    def clean_stale(self) -> bool:
        """True when the clean result does not reflect the inputs (settings or cell fixes)."""
        return self.settings_stale or bool(self.pending_edits)

    @clean_stale.setter
    def clean_stale(self, value: bool) -> None:
        self.settings_stale = value
        if value:
            self.stale_generation += 1

    # ---- files ----

    def add_paths(self, paths: list[str], select: bool = True) -> None:
        """Add files to the list (and to this migration when `select`)."""
        for raw in paths:
            path = str(Path(raw))
            if path not in self.paths:
                self.paths.append(path)
            if select and path not in self.selected:
                self.selected.append(path)

    def toggle(self, path: str) -> None:
        """Include or exclude a file from this migration."""
        if path in self.selected:
            self.selected.remove(path)
        else:
            self.selected.append(path)
            self.selected.sort(key=self.paths.index)
        self.invalidate_tables()

    def invalidate_tables(self) -> None:
        """Files or detection changed: tables, profile columns and cleaning must be redone."""
        self.tables = []
        self.clean_stale = True

    def set_override(self, path: str, **values: Any) -> None:
        """Override what was detected for one file (sheet, header_row, encoding, delimiter)."""
        from crm_migrate.mapping.profile import SourceOverride

        base = Path(path).name
        current = self.overrides.get(base) or SourceOverride()
        for key, value in values.items():
            setattr(current, key, value)
        self.overrides[base] = current
        self.invalidate_tables()

    def load_tables(self) -> list[SourceTable]:
        """Load the selected files (core `load`), one at a time, keeping per-file errors."""
        from crm_migrate.errors import CrmMigrateError
        from crm_migrate.sources import load

        tables: list[SourceTable] = []
        errors: dict[str, str] = {}
        used: set[str] = set()
        for path in self.selected:
            base = Path(path).name
            label = base
            n = 2
            while label in used:
                label, n = f"{base}#{n}", n + 1
            used.add(label)
            override = self.overrides.get(base)
            try:
                table = load(
                    path,
                    sheet=override.sheet if override else None,
                    header_row=override.header_row if override else None,
                    encoding=override.encoding if override else None,
                    delimiter=override.delimiter if override else None,
                    label=label,
                )
            except CrmMigrateError as exc:
                errors[path] = exc.one_line()
                continue
            tables.append(table)
        self.load_errors = errors
        self.tables = tables
        self._apply_cell_edits()
        settle_memory()
        if tables and not self.object_chosen:
            from crm_migrate.mapping.suggest import guess_object

            self.object_name = guess_object(tables[0])
        return tables

    def table_for(self, path: str) -> SourceTable | None:
        """The loaded table of a file, if loaded."""
        for table in self.tables:
            if table.detection.path == path or table.detection.path == str(Path(path)):
                return table
        return None

    @property
    def columns(self) -> list[str]:
        """Every column of the loaded tables, first seen first."""
        out: list[str] = []
        for table in self.tables:
            for column in table.columns:
                if column not in out:
                    out.append(column)
        return out

    # ---- mapping ----

    def object_schema(self) -> ObjectSchema:
        """The schema of the chosen object (live one when fetched from the target)."""
        from crm_migrate.schema import builtin_schema

        if self.schema is None or self.schema.object != self.object_name:
            self.schema = builtin_schema(self.object_name)
        return self.schema

    def profile_ready(self) -> bool:
        """True when the profile covers the object and every loaded column (no core call needed)."""
        if self.profile is None or self.profile.object != self.object_name:
            return False
        known = {m.column for m in self.profile.fields}
        return all(c in known for c in self.columns)

    def ensure_profile(self) -> Profile:
        """The profile, built from the suggestions when there is none for this object."""
        if self.profile is not None and self.profile.object == self.object_name:
            known = {m.column for m in self.profile.fields}
            missing = [c for c in self.columns if c not in known]
            if missing:
                self._add_columns(missing)
            return self.profile
        self.profile = self.build_profile()
        self.clean_stale = True
        return self.profile

    def build_profile(self) -> Profile:
        """A fresh profile from the core's suggestions for the loaded tables (all columns listed)."""
        from crm_migrate.mapping.build import build_profile

        profile = build_profile(self.tables, self.object_name, region=self.region,
                                schema=self.object_schema())
        self.profile = profile
        known = {m.column for m in profile.fields}
        missing = [c for c in self.columns if c not in known]
        if missing:
            self._add_columns(missing)
        return profile

    def _add_columns(self, missing: list[str]) -> None:
        """Give columns a profile does not list yet their suggestion (unless the field is taken)."""
        from crm_migrate.mapping.profile import FieldMapping
        from crm_migrate.mapping.suggest import suggest_mappings

        assert self.profile is not None
        taken = set(self.profile.mapped_fields())
        for table in self.tables:
            for s in suggest_mappings(table, self.object_name, self.object_schema()):
                if s.column not in missing:
                    continue
                missing.remove(s.column)
                wanted = s.split_into or ([s.field] if s.field else [])
                if any(name in taken for name in wanted):
                    self.profile.fields.append(FieldMapping(column=s.column, field=None))
                    continue
                taken.update(wanted)
                self.profile.fields.append(FieldMapping(column=s.column, field=s.field,
                                                        split_into=s.split_into,
                                                        confidence=s.confidence))
        self.clean_stale = True

    def set_field(self, column: str, field_name: str | None, split_into: list[str] | None = None) -> None:
        """Map a column to a field (None leaves it out); the user's choice has confidence 1."""
        profile = self.ensure_profile()
        for mapping in profile.fields:
            if mapping.column == column:
                mapping.field = None if split_into else field_name
                mapping.split_into = split_into
                mapping.confidence = 1.0
                break
        self.clean_stale = True

    def mapping_warnings(self) -> list[str]:
        """Required fields left unmapped, and fields filled by two columns."""
        if self.profile is None:
            return []
        schema = self.object_schema()
        warnings: list[str] = []
        filled: dict[str, list[str]] = {}
        for m in self.profile.fields:
            for name in m.split_into or ([m.field] if m.field else []):
                filled.setdefault(name, []).append(m.column)
        for name in schema.required:
            if name not in filled:
                warnings.append(f"required field {name!r} is not mapped")
        if schema.key and schema.key not in filled:
            warnings.append(f"no column maps to {schema.key!r}: duplicates cannot be matched by it")
        tables: list[SourceTable | None] = [*self.tables] or [None]
        for table in tables:
            present = set(table.columns) if table is not None else None
            for name, columns in filled.items():
                mine = [c for c in columns if present is None or c in present]
                if len(mine) > 1:
                    where = f" of {table.label}" if table is not None and len(self.tables) > 1 else ""
                    warnings.append(f"{name!r} is filled by {len(mine)} columns{where}: {', '.join(mine)}")
        return warnings

    def save_profile(self, path: Path) -> Path:
        """Write the profile (YAML/JSON) and remember where."""
        from crm_migrate.mapping.profile import save_profile

        profile = self.ensure_profile()
        profile.sources = {k: v for k, v in self.overrides.items() if v.to_dict()}
        save_profile(profile, path)
        self.profile_path = Path(path)
        return self.profile_path

    def open_profile(self, path: Path) -> Profile:
        """Read a saved profile; its object and file overrides become the wizard's."""
        from crm_migrate.mapping.profile import load_profile

        profile = load_profile(path)
        self.profile = profile
        self.profile_path = Path(path)
        self.object_name = profile.object
        self.object_chosen = True
        self.region = profile.default_region or self.region
        if profile.sources:
            self.overrides.update(profile.sources)
            self.invalidate_tables()
        self.clean_stale = True
        return profile

    # ---- cleaning ----

    def edit_cell(self, label: str, row: int, column: str, value: str) -> bool:
        """Fix one source cell now; it is pending until cleaning re-runs. False when unchanged."""
        key = (label, row, column)
        if value == self.source_value(label, row, column) and key not in self.pending_edits:
            return False
        self.cell_edits[key] = value
        self.pending_edits[key] = value
        self._apply_cell_edits({key: value})
        return True

    def pending_edit(self, ref: Any, column: str | None) -> str | None:
        """The pending new value of an issue's cell (row reference + column), if it was edited."""
        if not self.pending_edits or column is None:
            return None
        where = self.locate(ref)
        return None if where is None else self.pending_edits.get((where[0], where[1], column))

    def _apply_cell_edits(self, edits: dict[CellKey, str] | None = None) -> None:
        by_label = {t.label: t for t in self.tables}
        for (label, row, column), value in (self.cell_edits if edits is None else edits).items():
            table = by_label.get(label)
            if table is not None and column in table.frame.columns and row in table.frame.index:
                table.frame.at[row, column] = value

    def run_clean(self, on_progress: Callable[..., None] | None = None) -> CleanResult:
        """Clean the loaded tables with the profile (core `clean_tables`)."""
        from crm_migrate.clean.pipeline import clean_tables
        from crm_migrate.errors import CrmMigrateError

        profile = self.ensure_profile()
        region = self.region or profile.default_region
        generation, edits = self.stale_generation, dict(self.pending_edits)
        self.match_note = None
        result = None
        if self.match_target and self.target != "file":
            try:
                result = self._clean_and_match(profile, region, on_progress)
            except (CrmMigrateError, OSError) as exc:
                self.match_note = f"not compared with {self.target}: {exc}"
            except Exception as exc:  # noqa: BLE001 - httpx errors and the like: clean without matching
                self.match_note = f"not compared with {self.target}: {type(exc).__name__}: {exc}"
        if result is None:
            result = clean_tables(self.tables, profile, region=region, schema=self.object_schema(),
                                  on_progress=on_progress)
        result.issues[:0] = self._source_issues()
        self.clean_result = result
        self.views.clear()
        if self.stale_generation == generation:  # nothing changed while cleaning
            self.settings_stale = False
        for key, value in edits.items():
            if self.pending_edits.get(key) == value:
                del self.pending_edits[key]
        self.member_cache.clear()  # member values may have changed with the sources
        self._apply_drops()
        self.choices_dropped += self.choices.rebase(result.records)
        self.apply_choices()
        self.clean_views()
        settle_memory()
        return result

    def take_dropped_choices(self) -> int:
        """How many groups' Dedupe choices re-cleaning dropped since last asked (then zero)."""
        count, self.choices_dropped = self.choices_dropped, 0
        return count

    def _source_issues(self) -> list[Any]:
        """What the readers reported (dropped footers, ragged rows) as clean issues, as `clean` does."""
        from crm_migrate.model import CleanIssue

        multi = len(self.tables) > 1
        return [CleanIssue(None if i.row is None else (f"{t.label}:{i.row}" if multi else i.row),
                           i.column, None, i.value, f"{t.label}: {i.problem}" if multi else i.problem)
                for t in self.tables for i in t.issues]

    def _clean_and_match(self, profile: Profile, region: str | None,
                         on_progress: Callable[..., None] | None) -> CleanResult:
        """Clean, then mark each record create/update/skip by looking it up on the target."""
        from crm_migrate.clean.matching import run_async
        from crm_migrate.clean.pipeline import clean_tables
        from crm_migrate.connectors import get_connector
        from crm_migrate.push.embedded import target_url

        with target_url(self.target, self.url, not self.url) as (url, _):
            connector = get_connector(self.target, url=url, token=self.token)
            try:
                return clean_tables(self.tables, profile, region=region, schema=self.object_schema(),
                                    connector=connector, on_progress=on_progress)
            finally:
                run_async(connector.aclose())

    def source_id(self, ref: Any) -> str | None:
        """The `file:row` id of an issue row reference."""
        where = self.locate(ref)
        return f"{where[0]}:{where[1]}" if where else None

    def drop_rows(self, refs: list[Any]) -> int:
        """Leave rows out of the push (their records are removed from the result)."""
        ids = {sid for sid in (self.source_id(r) for r in refs) if sid}
        self.dropped |= ids
        self._apply_drops()
        self.clean_views()
        return len(ids)

    def restore_rows(self) -> int:
        """Take back every dropped row (cleaning must re-run to bring their records back)."""
        count = len(self.dropped)
        if count:
            self.dropped.clear()
            self.clean_stale = True
        return count

    def clean_views(self, preview: bool = False) -> dict[str, Any]:
        """Tables the Clean/Dedupe/Push steps show, built once per result (off the UI thread)."""
        import pandas as pd

        result = self.clean_result
        if result is None:
            return {}
        if "issues" not in self.views:
            rows = [[str(i.row if i.row is not None else "file"), i.field or i.column or "",
                     i.value or "", i.problem] for i in result.issues]
            frame = pd.DataFrame(rows, columns=["row", "field", "value", "problem"])
            frame.index = pd.RangeIndex(1, len(frame) + 1)
            actions: dict[str, int] = {}
            for record in result.records:
                actions[record.action] = actions.get(record.action, 0) + 1
            self.views.update(issues=frame, actions=actions,
                              groups=[r for r in result.records if len(r.members) > 1])
        if preview and "changes" not in self.views:
            self.views["changes"] = self.changes()
        return self.views

    def _apply_drops(self) -> None:
        self.views.clear()
        result = self.clean_result
        if result is None or not self.dropped:
            return
        keep = [r for r in result.records
                if r.source not in self.dropped and not (set(r.members) & self.dropped)]
        result.records = keep
        if "_source" in result.frame.columns:
            result.frame = result.frame[~result.frame["_source"].isin(self.dropped)]

    def changes(self, limit: int = 20000) -> Any:
        """Before/after of every value cleaning changed: source id, field, before, after."""
        from crm_migrate.tui.changes import changes_frame

        return changes_frame(self, limit)

    def locate(self, ref: Any) -> tuple[str, int] | None:
        """(table label, row) of an issue row reference (`n` or `file:row`)."""
        if ref is None:
            return None
        if isinstance(ref, int):
            return (self.tables[0].label, ref) if self.tables else None
        text = str(ref)
        label, _, row = text.rpartition(":")
        if not label:
            return (self.tables[0].label, int(row)) if self.tables and row.isdigit() else None
        return (label, int(row)) if row.isdigit() else None

    def source_value(self, label: str, row: int, column: str) -> str:
        """A source cell's current text ('' when absent)."""
        for table in self.tables:
            if table.label == label and column in table.frame.columns and row in table.frame.index:
                return str(table.frame.at[row, column])
        return ""

    def not_duplicate(self, members: list[str]) -> None:
        """Record that a group's rows are different people/companies; cleaning must be re-run."""
        profile = self.ensure_profile()
        group = [str(m) for m in members]
        if group not in profile.dedupe.not_duplicates:
            profile.dedupe.not_duplicates.append(group)
        self.choices.discard(group_key(group))  # the group goes away on purpose: nothing to report
        self.clean_stale = True

    def apply_choices(self) -> None:
        """Apply the survivor and per-field value choices of the Dedupe screen to the records."""
        if self.clean_result is None:
            return
        self.views.pop("changes", None)
        self.choices.apply(self.clean_result.records, self.group_member_values,
                           key_field=self.object_schema().key)

    def next_survivor(self, record: OutputRecord) -> str:
        """Make the group's next member the survivor (its values fill the merge first)."""
        survivor = self.choices.next_survivor(record)
        self.apply_choices()
        return survivor

    def next_value(self, record: OutputRecord, name: str) -> str | None:
        """Take the next member's value of a field for the group's merged record."""
        value = self.choices.next_value(record, name, self.member_values_of(record))
        if value is not None:
            self.apply_choices()
        return value

    def reset_choices(self, record: OutputRecord) -> bool:
        """Forget a group's survivor and value choices (its merge as cleaning made it)."""
        self.views.pop("changes", None)
        return self.choices.reset(record)

    def member_values_of(self, record: OutputRecord) -> MemberValues:
        """A group's member values: cleaned ones once known, else the mapped source values."""
        return self.member_cache.get(group_key(record.members)) or self.member_values(record.members)

    def group_member_values(self, keys: list[GroupKey]) -> dict[GroupKey, MemberValues]:
        """Each group's member rows cleaned on their own (cached; the missing ones in one call)."""
        missing = [key for key in keys if key not in self.member_cache]
        if missing:
            values = self.member_clean_values([m for key in missing for m in key])
            for key in missing:
                self.member_cache[key] = {m: values.get(m, {}) for m in key}
        return {key: self.member_cache[key] for key in keys}

    def member_clean_values(self, members: list[str]) -> dict[str, dict[str, str]]:
        """Each member row cleaned on its own (no merging): source id -> canonical field values."""
        import copy

        from crm_migrate.clean.pipeline import clean_tables
        from crm_migrate.table import SourceTable

        wanted: dict[str, list[int]] = {}
        for member in members:
            where = self.locate(member)
            if where is not None:
                wanted.setdefault(where[0], []).append(where[1])
        subset = [SourceTable(frame=t.frame.loc[[r for r in wanted[t.label] if r in t.frame.index]],
                              detection=t.detection, label=t.label)
                  for t in self.tables if t.label in wanted]
        profile = copy.deepcopy(self.ensure_profile())
        profile.dedupe.enabled = False
        result = clean_tables(subset, profile, region=self.region or profile.default_region,
                              schema=self.object_schema())
        out: dict[str, dict[str, str]] = {}
        for record in result.records:
            out[str(record.source)] = dict(record.properties)
        return out

    def member_values(self, members: list[str]) -> dict[str, dict[str, str]]:
        """Each member row's mapped source values by canonical field (what the merge chose from)."""
        profile = self.ensure_profile()
        out: dict[str, dict[str, str]] = {}
        for member in members:
            where = self.locate(member)
            values: dict[str, str] = {}
            if where is not None:
                label, row = where
                for m in profile.fields:
                    if m.field:
                        values[m.field] = self.source_value(label, row, m.column)
            out[str(member)] = values
        return out

    # ---- runs ----

    def push_url(self) -> str | None:
        """The URL a push records in its journal: none for the demo's sandbox, so that a resume in a
        later session runs the sandbox embedded on the same database instead of a dead port."""
        if self.demo and self.target == "sandbox":
            return None
        return self.url

    def new_journal_path(self) -> Path:
        """A fresh journal path under the runs dir (created owner-only)."""
        import time

        from crm_migrate.paths import ensure_dir, runs_dir

        folder = ensure_dir(runs_dir(), private=True)
        stamp = self.run_name or time.strftime("%Y%m%d-%H%M%S")
        path = folder / f"{stamp}-{self.object_name}.journal"
        n = 2
        while path.exists():
            path = folder / f"{stamp}-{self.object_name}-{n}.journal"
            n += 1
        return path
