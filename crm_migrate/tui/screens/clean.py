"""Step 5: problems per field, the problem rows (edit a cell inline), bulk fixes, before/after."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.binding import Binding
from textual.widgets import Label, Static

from crm_migrate.tui.messages import CleanFinished, CleanProgressed
from crm_migrate.tui.screens.base import WizardStep, one_line
from crm_migrate.tui.state import unavailable
from crm_migrate.tui.widgets.paged_table import PagedTable

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.worker import Worker


def progress_text(*args: Any, **kwargs: Any) -> str:
    """Whatever the core's progress callback passes, as one short line."""
    if len(args) == 1 and not kwargs:
        item = args[0]
        message = getattr(item, "message", None)
        done, total = getattr(item, "done", None), getattr(item, "total", None)
        if done is not None and total:
            return f"{message or 'working'} {done:,}/{total:,}"
        return str(message or item)
    if len(args) == 2 and isinstance(args[0], str) and isinstance(args[1], float):
        return f"Cleaning: {args[0]}… {args[1]:.0%}"
    if len(args) >= 2 and all(isinstance(a, int) for a in args[:2]):
        return f"{args[0]:,}/{args[1]:,} " + " ".join(str(a) for a in args[2:])
    return " ".join(str(a) for a in args) or "working"


class CleanStep(WizardStep):
    """Clean, see what is wrong, fix it."""

    STEP = "clean"
    BINDINGS = [
        Binding("ctrl+r", "run_clean", "Re-clean", id="clean.run", tooltip="Run cleaning again"),
        Binding("e", "edit_cell", "Edit cell", id="clean.edit",
                tooltip="Fix the highlighted value (or press enter)"),
        Binding("r", "set_region", "Region", id="clean.region", tooltip="Set the default phone region"),
        Binding("d", "drop_rows", "Drop rows", id="clean.drop",
                tooltip="Leave out the rows having the highlighted problem"),
        Binding("p", "toggle_preview", "Before/after", id="clean.preview",
                tooltip="Switch between problems and the before/after preview"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.preview = False
        self.issue_rows: list[Any] = []  # CleanIssue per table row of the current page source

    def compose_body(self) -> ComposeResult:
        yield Static("", id="clean-counts")
        yield Label("", id="clean-caption", classes="caption")
        yield PagedTable(id="clean-table", cursor_type="row")
        yield Label("", id="clean-detail", classes="caption")

    def refresh_from_state(self) -> None:
        if not self.state.tables:
            self.query_one("#clean-counts", Static).update("Load files on the Source step first.")
            return
        if self.state.clean_stale or self.state.clean_result is None:
            self.action_run_clean()
        else:
            self.show_result()

    # ---- cleaning ----

    def action_run_clean(self) -> None:
        """Clean in a worker (map, normalise, validate, dedupe, match the target)."""
        if not self.state.tables:
            self.notify("Load files on the Source step first.", severity="warning")
            return
        self.query_one("#clean-table").loading = True
        self.query_one("#clean-counts", Static).update("Cleaning…")
        self.clean()

    @work(thread=True, exclusive=True, exit_on_error=False, group="clean")
    def clean(self) -> None:
        """One core call: `clean_tables` via the state."""
        try:
            import crm_migrate.clean.pipeline  # noqa: F401
        except ImportError as exc:
            self.post_message(CleanProgressed(f"Cleaning: {unavailable(exc)}"))
            self.post_message(CleanFinished())
            return
        self.state.run_clean(on_progress=lambda *a, **k: self.post_message(
            CleanProgressed(progress_text(*a, **k))))
        self.post_message(CleanFinished())

    @on(CleanProgressed)
    def clean_progressed(self, event: CleanProgressed) -> None:
        self.query_one("#clean-counts", Static).update(event.text)

    @on(CleanFinished)
    def clean_finished(self) -> None:
        self.loaded("#clean-table")
        if self.state.clean_result is not None:
            self.show_result()

    def worker_failed(self, worker: Worker[object]) -> None:
        self.loaded("#clean-table")
        self.query_one("#clean-counts", Static).update("Cleaning failed: " + one_line(worker.error))

    # ---- display ----

    def show_result(self) -> None:
        """Counts per field and the problem rows (or the before/after preview)."""
        result = self.state.clean_result
        if result is None:
            return
        views = self.state.views
        if "issues" not in views or (self.preview and "changes" not in views):
            self.query_one("#clean-table").loading = True
            self.build_views(self.preview)
            return
        actions: dict[str, int] = views["actions"]
        invalid = " · ".join(f"{k} {v}" for k, v in sorted(result.invalid.items(), key=lambda kv: -kv[1]))
        groups = len(result.duplicate_groups)
        lines = [
            f"{result.rows_in:,} rows in → {len(result.records) or result.rows_out:,} records · "
            f"{groups:,} duplicate group{'' if groups == 1 else 's'} · "
            + " · ".join(f"{n:,} {a}" for a, n in sorted(actions.items())),
            f"Problems per field: {invalid}" if invalid else "No invalid values.",
        ]
        if self.state.dropped:
            dropped = len(self.state.dropped)
            lines[0] += f" · {dropped} row{'' if dropped == 1 else 's'} dropped"
        if self.state.match_note:
            lines.append(self.state.match_note)
        self.query_one("#clean-counts", Static).update("\n".join(lines))
        table = self.query_one("#clean-table", PagedTable)
        if self.preview:
            table.show_frame(views["changes"], index_label=None,
                             widths={"source": 20, "field": 12, "before": 22, "after": 22})
            caption = "Before → after of changed values (p: back to problems)"
        else:
            self.issue_rows = result.issues
            table.show_frame(views["issues"], index_label=None,
                             widths={"row": 18, "field": 12, "value": 20, "problem": 60})
            caption = "Problems · enter edits the cell"
        self.query_one("#clean-caption", Label).update(f"{caption} · {table.page_caption()}")

    @work(thread=True, exclusive=True, exit_on_error=False, group="clean-views")
    def build_views(self, preview: bool) -> None:
        """Build the problem table (and the before/after one) from the result, off the UI thread."""
        self.state.clean_views(preview=preview)
        self.post_message(CleanFinished())

    @on(PagedTable.RowHighlighted, "#clean-table")
    def row_highlighted(self) -> None:
        """Spell out the highlighted problem in full (the table cuts long text)."""
        issue = self.current_issue()
        detail = ""
        if issue is not None:
            where = f"{issue.row}" if issue.row is not None else "file"
            column = f" · {issue.column}" if issue.column else ""
            value = f" = {issue.value!r}" if issue.value else ""
            detail = f"{where}{column}{value}: {issue.problem}"
        self.query_one("#clean-detail", Label).update(detail)

    @on(PagedTable.RowSelected, "#clean-table")
    def row_chosen(self) -> None:
        if not self.preview:
            self.action_edit_cell()

    def current_issue(self) -> Any:
        table = self.query_one("#clean-table", PagedTable)
        index = table.page * table.page_size + table.cursor_row
        if self.preview or not self.issue_rows or index >= len(self.issue_rows):
            return None
        return self.issue_rows[index]

    def action_toggle_preview(self) -> None:
        """Switch between the problem rows and the before/after preview."""
        self.preview = not self.preview
        self.show_result()

    # ---- fixes ----

    def action_edit_cell(self) -> None:
        """Edit the source cell of the highlighted problem; cleaning re-runs."""
        from crm_migrate.tui.screens.modals import PromptModal

        issue = self.current_issue()
        if issue is None or issue.column is None:
            self.notify("Highlight a problem row to edit its cell.", severity="warning")
            return
        where = self.state.locate(issue.row)
        if where is None:
            self.notify("This problem is about the file as a whole.", severity="warning")
            return
        label, row = where
        current = self.state.source_value(label, row, issue.column)

        def edited(value: str | None) -> None:
            if value is None:
                return
            self.state.edit_cell(label, row, issue.column, value)
            self.notify(f"{label}:{row} {issue.column} = {value!r}; cleaning again…")
            self.action_run_clean()

        self.app.push_screen(PromptModal(f"{label}:{row} · {issue.column} ({issue.problem})",
                                         current, hint="Enter saves and re-cleans; Escape cancels"),
                             edited)

    def action_set_region(self) -> None:
        """Set the default region for phone numbers without a country code; re-clean."""
        from crm_migrate.tui.screens.modals import PromptModal

        def chosen(value: str | None) -> None:
            if value is None:
                return
            region = value.strip().upper() or None
            self.state.region = region
            profile = self.state.ensure_profile()
            profile.default_region = region
            self.state.clean_stale = True
            self.action_run_clean()

        self.app.push_screen(PromptModal("Default region for phone numbers (ISO code, e.g. US, DE, GB)",
                                         self.state.region or ""), chosen)

    def action_drop_rows(self) -> None:
        """Leave out every row that has the highlighted problem (on this field)."""
        issue = self.current_issue()
        result = self.state.clean_result
        if issue is None or result is None:
            return
        rows = [i.row for i in result.issues
                if i.field == issue.field and i.problem == issue.problem and i.row is not None]
        self.query_one("#clean-table").loading = True
        self.drop(rows, f"{issue.field}: {issue.problem}")

    @work(thread=True, exclusive=True, exit_on_error=False, group="clean-views")
    def drop(self, rows: list[Any], why: str) -> None:
        """Leave the rows out and rebuild the tables, off the UI thread."""
        count = self.state.drop_rows(rows)
        self.app.call_from_thread(self.notify, f"{count:,} row{'' if count == 1 else 's'} left out ({why}).")
        self.post_message(CleanFinished())
