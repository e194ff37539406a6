"""Step 4: each source column, its samples, the suggested field and confidence; change, transforms, save."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from textual import on, work
from textual.binding import Binding
from textual.widgets import DataTable, Label, Static

from crm_migrate.actions.files import PersonalFlag
from crm_migrate.actions.profiles import (
    TRANSFORMS,
    SuggestionBasis,
    parse_transforms,
    parse_value_map_text,
    suggestion_basis,
    value_map_rows,
    value_map_text,
)
from crm_migrate.errors import ProfileError
from crm_migrate.paths import profiles_dir
from crm_migrate.tui.screens.base import WizardStep, one_line
from crm_migrate.tui.screens.modals import FieldPickerModal, PromptModal, ValueMapModal
from crm_migrate.tui.widgets.paged_table import Caption

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.worker import Worker

    from crm_migrate.mapping.profile import FieldMapping

LEAVE_OUT = ("", "(leave out)")


def transforms_text(transforms: list[Any]) -> str:
    """A profile's transforms list as one editable line: `trim, phone: {region: US}`."""
    parts = []
    for item in transforms:
        if isinstance(item, dict):
            for name, args in item.items():
                parts.append(f"{name}: {json.dumps(args, ensure_ascii=False)}" if args else str(name))
        else:
            parts.append(str(item))
    return ", ".join(parts)


def parse_transforms_text(text: str) -> list[Any]:
    """Parse `trim, phone: {region: US}` back into profile transforms (YAML flow syntax)."""
    text = text.strip()
    if not text:
        return []
    try:
        items = yaml.safe_load(f"[{text}]")
    except yaml.YAMLError:
        raise ProfileError("transforms: write them like  trim, phone: {region: US}") from None
    out = [item for item in items if item is not None]
    parse_transforms(out)
    return out


def personal_text(flag: PersonalFlag | None) -> str:
    """A column's personal-data flag in a table cell ("SENSITIVE national id", "email")."""
    if flag is None or flag.level is None:
        return ""
    kind = (flag.kind or "").replace("_", " ")
    return f"SENSITIVE {kind}" if flag.sensitive else kind


class MappingStep(WizardStep):
    """Columns to fields."""

    STEP = "mapping"
    BINDINGS = [
        Binding("f", "pick_field", "Field", id="mapping.field", tooltip="Change the field (fuzzy search)"),
        Binding("t", "edit_transforms", "Transforms", id="mapping.transforms",
                tooltip="Edit the column's transforms"),
        Binding("v", "value_map", "Values", id="mapping.values", tooltip="Map picklist values"),
        Binding("ctrl+s", "save_profile", "Save", id="mapping.save", tooltip="Save the profile",
                show=False),
        Binding("o", "open_profile", "Open", id="mapping.open", tooltip="Open a saved profile",
                show=False),
    ]

    basis: dict[str, SuggestionBasis] = {}  # column -> what its suggestion rests on

    def compose_body(self) -> ComposeResult:
        yield Caption("", id="mapping-caption", classes="caption")
        yield DataTable(id="mapping-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="mapping-why", markup=False)
        yield Static("", id="mapping-warnings")

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str | None, FieldMapping]] = []  # (file with its own, or None)

    def on_mount(self) -> None:
        self.basis = {}
        table = self.query_one("#mapping-table", DataTable)
        for name in ("file", "column", "field", "conf", "from", "personal", "samples", "transforms"):
            table.add_column(name, key=name)

    def refresh_from_state(self) -> None:
        if not self.state.source.tables:
            self.query_one("#mapping-caption", Label).update("Load files on the Source step first.")
            self.query_one("#mapping-table", DataTable).clear()
            return
        if self.state.profile_ready():
            self.show_mappings()
            if not self.basis:
                self.explain()
            return
        self.query_one("#mapping-table").loading = True
        self.query_one("#mapping-caption", Label).update("Suggesting a field for each column…")
        self.suggest()

    @work(thread=True, exclusive=True, exit_on_error=False, group="mapping")
    def suggest(self) -> None:
        """Build the profile from the core's suggestions (reads the values, so not on the UI thread)."""
        self.state.ensure_profile()
        self.basis = suggestion_basis(self.state.source.tables, self.state.target_step.object_name, self.state.object_schema())
        self.app.call_from_thread(self._suggested)

    @work(thread=True, exclusive=True, exit_on_error=False, group="mapping-basis")
    def explain(self) -> None:
        """What each suggestion rests on, for a profile that was opened or built elsewhere."""
        self.basis = suggestion_basis(self.state.source.tables, self.state.target_step.object_name, self.state.object_schema())
        self.app.call_from_thread(self.show_mappings)

    def _suggested(self) -> None:
        self.loaded("#mapping-table")
        self.show_mappings()

    def worker_failed(self, worker: Worker[object]) -> None:
        self.loaded("#mapping-table")
        self.query_one("#mapping-caption", Label).update("No suggestions: " + one_line(worker.error))

    def mapping_rows(self) -> list[tuple[str | None, FieldMapping]]:
        """The shared mappings of columns some file follows them for, then each file's own."""
        profile = self.state.mapping.profile
        if profile is None:
            return []
        shared = self.shared_labels()
        rows: list[tuple[str | None, FieldMapping]] = [
            (None, m) for m in profile.fields
            if not self.state.source.tables or self.files_with(m.column, shared)]
        for table in self.state.source.tables:
            own = profile.own_fields(table.label)
            if own is not None:
                rows.extend((table.label, m) for m in own)
        return rows

    def shared_labels(self) -> list[str]:
        """The files that follow the shared mappings (no own fields)."""
        profile = self.state.mapping.profile
        return [t.label for t in self.state.source.tables
                if profile is None or profile.own_fields(t.label) is None]

    def files_with(self, column: str, labels: list[str]) -> list[str]:
        """Which of these files have the column."""
        return [t.label for t in self.state.source.tables if t.label in labels and column in t.columns]

    def file_text(self, scope: str | None, column: str) -> str:
        """Where a row's column comes from: its file, or the files sharing the mapping."""
        if scope is not None:
            return scope
        files = self.files_with(column, self.shared_labels())
        if len(files) > 1 and len(files) == len(self.state.source.tables):
            return "all files"
        return files[0] + (f" +{len(files) - 1}" if len(files) > 1 else "") if files else "—"

    def samples(self, column: str, labels: list[str] | None = None) -> str:
        """A few distinct non-empty values of a column, from the first rows (of these files)."""
        seen: list[str] = []
        for table in self.state.source.tables:
            if labels is not None and table.label not in labels:
                continue
            if column not in table.frame.columns:
                continue
            for value in table.frame[column].head(300):
                text = str(value).strip()
                if text and text not in seen:
                    seen.append(text)
                if len(seen) >= 3:
                    return " | ".join(seen)
        return " | ".join(seen)

    def show_mappings(self) -> None:
        """Fill the table from the profile."""
        profile = self.state.mapping.profile
        table = self.query_one("#mapping-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        if profile is None:
            return
        self.rows = self.mapping_rows()
        shared = self.shared_labels()
        for scope, m in self.rows:
            field_text = "+".join(m.split_into) if m.split_into else (m.field or "—")
            mapped = bool(m.field or m.split_into)
            conf = "" if m.confidence is None or not mapped else f"{m.confidence:.0%}"
            labels = [scope] if scope is not None else shared
            table.add_row(self.file_text(scope, m.column)[:22], m.column[:22], field_text, conf,
                          self.source_of(m), personal_text(self.state.source.personal.get(m.column)),
                          self.samples(m.column, labels)[:26], transforms_text(m.transforms)[:30],
                          key=m.column if scope is None else f"{scope}:{m.column}")
        if self.rows:
            table.move_cursor(row=min(max(cursor, 0), len(self.rows) - 1))
        n_mapped = sum(1 for _, m in self.rows if m.field or m.split_into)
        own = sorted({scope for scope, _ in self.rows if scope is not None})
        where = f" · profile {self.state.mapping.profile_path.name}" if self.state.mapping.profile_path else ""
        by_file = f" · own mapping: {', '.join(own)}" if own else ""
        self.query_one("#mapping-caption", Label).update(
            f"{self.state.target_step.object_name}: {n_mapped} of {len(self.rows)} columns mapped{by_file}"
            f"{where}  (enter/f field · t transforms · v values)")
        self.show_why()
        warnings = self.state.mapping_warnings()
        self.query_one("#mapping-warnings", Static).update(
            "\n".join(f"⚠ {w}" for w in warnings) if warnings else "No mapping warnings.")

    def source_of(self, mapping: FieldMapping) -> str:
        """What the column's mapping rests on: header, values, both, "you" once changed by hand."""
        basis = self.basis.get(mapping.column)
        targets = tuple(mapping.split_into or ([mapping.field] if mapping.field else []))
        if basis is None:
            return ""
        if basis.targets != targets:
            return "you" if mapping.confidence == 1.0 else "profile"
        return basis.evidence or ""

    @on(DataTable.RowHighlighted, "#mapping-table")
    def show_why(self) -> None:
        """Under the table: the highlighted column's suggestion and the evidence behind it."""
        mapping = self.current()
        basis = self.basis.get(mapping.column) if mapping else None
        text = ""
        if mapping is not None and basis is not None:
            target = "+".join(basis.targets) or "leave out"
            source = {"header": ", by its header", "values": ", by its values",
                      "both": ", by header and values"}.get(basis.evidence or "", "")
            text = f"{mapping.column} → suggested {target}{source}: {basis.reason}"
        self.query_one("#mapping-why", Static).update(text)

    def current(self) -> FieldMapping | None:
        """The mapping under the cursor."""
        table = self.query_one("#mapping-table", DataTable)
        if not self.rows:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)][1]

    def current_file(self) -> str | None:
        """The file whose own mapping is under the cursor (None: a shared one)."""
        table = self.query_one("#mapping-table", DataTable)
        if not self.rows:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)][0]

    @on(DataTable.RowSelected, "#mapping-table")
    def action_pick_field(self) -> None:
        """Change the highlighted column's field through the fuzzy picker."""

        mapping = self.current()
        if mapping is None:
            return
        scope = self.current_file()
        schema = self.state.object_schema()
        choices = [LEAVE_OUT] + [(f.name, f.label) for f in schema.fields.values() if not f.read_only]
        choices.append(("firstname+lastname", "Full name → first + last name (split)"))

        def picked(value: str | None) -> None:
            if value is None:
                return
            if value == "firstname+lastname":
                self.state.set_field(mapping.column, None, split_into=["firstname", "lastname"],
                                     file=scope)
            else:
                self.state.set_field(mapping.column, value or None, file=scope)
            if mapping.sensitive:
                self.notify(f"{mapping.column} holds sensitive data: the profile records that you "
                            "mapped it on purpose (sensitive: true).", severity="warning", timeout=8)
            self.show_mappings()

        current = "+".join(mapping.split_into) if mapping.split_into else mapping.field
        self.app.push_screen(FieldPickerModal(mapping.column, choices, current), picked)

    def action_edit_transforms(self) -> None:
        """Edit the highlighted column's transforms as one line."""

        mapping = self.current()
        if mapping is None:
            return

        def edited(text: str | None) -> None:
            if text is None:
                return
            try:
                mapping.transforms = parse_transforms_text(text)
            except Exception as exc:  # noqa: BLE001 - shown to the user
                self.notify(one_line(exc), severity="error")
                return
            self.state.clean_stale = True
            self.show_mappings()

        self.app.push_screen(PromptModal(
            f"Transforms of {mapping.column!r} (applied in order)", transforms_text(mapping.transforms),
            placeholder="trim, phone: {region: US}", hint="known: " + ", ".join(TRANSFORMS)), edited)

    def action_value_map(self) -> None:
        """The value map of an enumeration-like field (picklist, stage, owner): every distinct
        value of the column, decided or not, for the user to edit."""
        mapping = self.current()
        if mapping is None or not mapping.field:
            self.notify("Map the column to a picklist field first.", severity="warning")
            return
        schema = self.state.object_schema()
        spec = schema.get(mapping.field)
        if spec is None or not (spec.options or spec.hidden_options):
            self.notify(f"{mapping.field!r} is not a picklist field (or the target gave no "
                        "options for it).", severity="warning")
            return
        existing = next((t["map_values"]["mapping"] for t in mapping.transforms
                         if isinstance(t, dict) and "map_values" in t), None)
        scope = self.current_file()
        labels = [scope] if scope is not None else self.shared_labels()
        tables = [t for t in self.state.source.tables if t.label in labels]
        rows, left_off = value_map_rows(tables, mapping.column, spec, schema, existing)
        undecided = sum(1 for row in rows if not row.decided)
        if left_off:
            self.notify(f"{left_off:,} more distinct values are not listed; a value without an "
                        "option is reported at clean and its row fails the push.", timeout=8)
        allowed = {*spec.option_values, *(v for v, _ in spec.hidden_options)}

        def edited(table: dict[str, str | None] | None) -> None:
            if table is None:
                return
            unknown = sorted({v for v in table.values() if v is not None and v not in allowed})
            if unknown:
                self.notify(f"not an option of {spec.name}: {', '.join(unknown)}", severity="error")
                return
            others = [t for t in mapping.transforms if not (isinstance(t, dict) and "map_values" in t)]
            if table:
                others.append({"map_values": {"mapping": dict(table)}})
            mapping.transforms = others
            self.state.clean_stale = True
            self.show_mappings()

        title = f"Values of {mapping.column!r} → {mapping.field}"
        if undecided:
            title += f" ({undecided} undecided)"
        self.app.push_screen(ValueMapModal(title, {r.value: r.option for r in rows},
                                           [f"{v} ({lab})" if lab != v else v
                                            for v, lab in spec.options],
                                           text=value_map_text(rows), parse=parse_value_map_text),
                             edited)

    def action_save_profile(self) -> None:
        """Save the profile to a file (YAML; JSON when the name ends in .json)."""

        default = self.state.mapping.profile_path or (profiles_dir() / f"{self.state.target_step.object_name}.yaml")

        def chosen(path: str | None) -> None:
            if not path:
                return
            try:
                saved = self.state.save_profile(Path(path).expanduser())
            except Exception as exc:  # noqa: BLE001 - shown to the user
                self.notify(one_line(exc), severity="error")
                return
            self.notify(f"Profile saved: {saved}")
            self.show_mappings()

        self.app.push_screen(PromptModal("Save the profile as", str(default)), chosen)

    def action_open_profile(self) -> None:
        """Open a saved profile (its mappings replace these)."""

        def chosen(path: str | None) -> None:
            if not path:
                return
            try:
                self.state.open_profile(Path(path).expanduser())
                self.state.ensure_profile()
            except Exception as exc:  # noqa: BLE001 - shown to the user
                self.notify(one_line(exc), severity="error")
                return
            self.show_mappings()

        self.app.push_screen(PromptModal("Open a profile", str(profiles_dir()) + "/"), chosen)

    def can_leave(self) -> str | None:
        if self.state.mapping.profile is None:
            return "No mapping yet: load files first."
        if not any(m.field or m.split_into for m in self.state.mapping.profile.all_mappings()):
            return "Map at least one column."
        return None
