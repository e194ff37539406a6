"""Step 2: pick the files of this migration, check/override what was detected, preview rows."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Input, Label

from crm_migrate.tui.messages import FilesLoaded
from crm_migrate.tui.screens.base import WizardStep
from crm_migrate.tui.screens.modals import FilePickerModal
from crm_migrate.tui.widgets.paged_table import Caption, PagedTable

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.worker import Worker


class SourceStep(WizardStep):
    """Files (with their detected format, encoding, delimiter, sheet, header row) and a preview."""

    STEP = "source"
    BINDINGS = [
        Binding("a", "add_file", "Add", id="source.add", tooltip="Open the file picker"),
        Binding("space", "toggle_file", "Use/skip", id="source.toggle",
                tooltip="Include or leave out the highlighted file"),
        Binding("o", "edit_overrides", "Override", id="source.override",
                tooltip="Override the detected sheet, header row, encoding or delimiter"),
        Binding("ctrl+r", "reload", "Reload", id="source.reload", tooltip="Load the files again",
                show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.preview_path: str | None = None
        self.drawn: tuple[object, ...] = ()
        self.drawn_once = False

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="files", cursor_type="row")
        with Horizontal(id="overrides"):
            yield Input(placeholder="sheet", id="ov-sheet", compact=True)
            yield Input(placeholder="header row", id="ov-header_row", type="integer", compact=True)
            yield Input(placeholder="encoding", id="ov-encoding", compact=True)
            yield Input(placeholder="delimiter", id="ov-delimiter", compact=True)
            yield Button("Apply", id="ov-apply", compact=True)
        yield Caption("", id="preview-caption", classes="caption")
        yield PagedTable(id="preview")

    COLUMNS = ("use", "file", "format", "encoding", "delim", "sheet", "header", "rows")

    def refresh_from_state(self) -> None:
        if self.state.source.selected and not self.state.source.tables and not self.state.source.load_errors:
            self.action_reload()
        elif self.signature() != self.drawn:
            self.show_files()

    def signature(self) -> tuple[object, ...]:
        """What the files table shows; redrawn only when this changes."""
        return (tuple(self.state.source.paths), tuple(self.state.source.selected),
                tuple(id(t) for t in self.state.source.tables), tuple(self.state.source.load_errors))

    # ---- loading ----

    def action_reload(self) -> None:
        """Load the selected files in a worker."""
        if not self.state.source.selected:
            self.show_files()
            return
        self.query_one("#preview").loading = True
        self.query_one("#preview-caption", Label).update("Loading…")
        self.load_files()

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def load_files(self) -> None:
        """Load the selected files (core `load`)."""
        self.state.load_tables()
        self.post_message(FilesLoaded())

    @on(FilesLoaded)
    def files_loaded(self) -> None:
        self.loaded("#preview")
        for path, error in self.state.source.load_errors.items():
            self.notify(error, title=Path(path).name, severity="error", timeout=10)
        self.show_files()

    def worker_failed(self, worker: Worker[object]) -> None:
        self.loaded("#preview")
        self.query_one("#preview-caption", Label).update("Loading failed.")

    # ---- display ----

    def show_files(self) -> None:
        """Fill the files table from the state and show the highlighted file's preview."""
        self.drawn = self.signature()
        table = self.query_one("#files", DataTable)
        cursor = table.cursor_row
        rows: list[tuple[str, ...]] = []
        for path in self.state.source.paths:
            loaded = self.state.table_for(path)
            use = "✔" if path in self.state.source.selected else "·"
            name = Path(path).name
            if loaded is not None:
                d = loaded.detection
                delim = {"\t": "TAB", None: "-"}.get(d.delimiter, d.delimiter or "-")
                header = "-" if d.header_row is None else str(d.header_row)
                rows.append((use, name, d.format, d.encoding or "-", delim, d.sheet or "-", header,
                             f"{d.rows:,}"))
            elif path in self.state.source.load_errors:
                rows.append((use, name, "error", "", "", "", "", ""))
            else:
                rows.append((use, name, "", "", "", "", "", ""))
        # Widths from the content itself, not from the table's idle-time measuring: the table is
        # drawn right (never at header widths) in the same frame the files arrive.
        table.clear(columns=True)
        for i, label in enumerate(self.COLUMNS):
            width = max([cell_len(label), *(cell_len(row[i]) for row in rows)])
            table.add_column(label, key=label, width=width)
        for path, row in zip(self.state.source.paths, rows, strict=True):
            table.add_row(*row, key=path)
        self.fit_file_list()
        if self.state.source.paths:
            if not self.drawn_once and self.state.source.selected:
                cursor = self.state.source.paths.index(self.state.source.selected[0])
            self.drawn_once = True
            table.move_cursor(row=min(max(cursor, 0), len(self.state.source.paths) - 1))
        self.show_preview(self.highlighted_path())

    def fit_file_list(self) -> None:
        """Tall enough for every file (and its header row), up to a quarter of the terminal."""
        wanted = len(self.state.source.paths) + 1
        room = max(6, self.app.size.height // 4)
        self.query_one("#files", DataTable).styles.height = max(3, min(wanted, room))

    def on_resize(self) -> None:
        """A taller terminal shows more of the file list."""
        self.fit_file_list()

    def highlighted_path(self) -> str | None:
        """The file under the cursor in the files table."""
        table = self.query_one("#files", DataTable)
        if not self.state.source.paths or table.row_count == 0:
            return None
        return self.state.source.paths[min(table.cursor_row, len(self.state.source.paths) - 1)]

    def show_preview(self, path: str | None) -> None:
        """Show the rows and the overrides of one file."""
        self.preview_path = path
        preview = self.query_one("#preview", PagedTable)
        caption = self.query_one("#preview-caption", Label)
        for key in ("sheet", "header_row", "encoding", "delimiter"):
            self.query_one(f"#ov-{key}", Input).value = ""
        if path is None:
            preview.show_frame(None)
            caption.update("No files yet: press a to add one.")
            return
        override = self.state.source.overrides.get(Path(path).name)
        if override is not None:
            for key, value in override.to_dict().items():
                self.query_one(f"#ov-{key}", Input).value = str(value)
        loaded = self.state.table_for(path)
        if loaded is None:
            preview.show_frame(None)
            error = self.state.source.load_errors.get(path)
            if error:
                caption.update(error)
            elif path in self.state.source.selected:
                caption.update("Not loaded yet (ctrl+r).")
            else:
                caption.update("Not part of this migration (space to use it).")
            return
        if preview._frame is not loaded.frame:
            preview.show_frame(loaded.frame)
        self.update_caption()

    def update_caption(self) -> None:
        preview = self.query_one("#preview", PagedTable)
        name = Path(self.preview_path or "").name
        loaded = self.state.table_for(self.preview_path or "")
        sheets = ""
        if loaded is not None and len(loaded.detection.sheets) > 1:
            sheets = f" · sheets: {', '.join(loaded.detection.sheets)}"
        personal = ""
        if loaded is not None:
            flags = [(c, self.state.source.personal.get(c)) for c in loaded.columns]
            sensitive = [c for c, f in flags if f is not None and f.sensitive]
            plain = [c for c, f in flags if f is not None and f.level == "personal"]
            if sensitive:
                personal += f" · SENSITIVE (mapped only if you choose): {', '.join(sensitive)}"
            if plain:
                personal += f" · personal data: {', '.join(plain)}"
        self.query_one("#preview-caption", Label).update(
            f"{name}: {preview.page_caption()}{sheets}  ([ ] pages){personal}")

    @on(PagedTable.PageChanged)
    def page_changed(self) -> None:
        if self.preview_path:
            self.update_caption()

    @on(DataTable.RowHighlighted, "#files")
    def file_highlighted(self, event: DataTable.RowHighlighted) -> None:
        path = event.row_key.value if event.row_key else None
        if path != self.preview_path:
            self.show_preview(path)

    # ---- editing ----

    def action_add_file(self) -> None:
        """Open the file picker and add the chosen file to this migration."""

        start = Path(self.state.source.paths[-1]).parent if self.state.source.paths else Path.cwd()

        def picked(path: str | None) -> None:
            if not path:
                return
            if not Path(path).is_file():
                self.notify(f"{path}: no such file", severity="error")
                return
            self.state.add_paths([path])
            self.state.invalidate_tables()
            self.action_reload()

        self.app.push_screen(FilePickerModal(start), picked)

    @on(DataTable.RowSelected, "#files")
    def action_toggle_file(self) -> None:
        """Include or leave out the highlighted file."""
        path = self.highlighted_path()
        if path is None:
            return
        self.state.toggle(path)
        self.action_reload()

    def action_edit_overrides(self) -> None:
        """Focus the override inputs of the highlighted file."""
        self.query_one("#ov-sheet", Input).focus()

    @on(Button.Pressed, "#ov-apply")
    @on(Input.Submitted, "#overrides Input")
    def apply_overrides(self) -> None:
        """Reload the highlighted file with the typed overrides."""
        path = self.preview_path
        if path is None:
            return
        values: dict[str, object] = {}
        for key in ("sheet", "header_row", "encoding", "delimiter"):
            text = self.query_one(f"#ov-{key}", Input).value.strip()
            if key == "header_row":
                values[key] = int(text) if text.lstrip("-").isdigit() else None
            elif key == "delimiter" and text.upper() in ("TAB", "\\T"):
                values[key] = "\t"
            else:
                values[key] = text or None
        self.state.set_override(path, **values)
        self.query_one("#files", DataTable).focus()
        self.action_reload()

    def can_leave(self) -> str | None:
        if not self.state.source.selected:
            return "Add a file first (a)."
        if not self.state.source.tables:
            return "No file is loaded yet."
        return None
