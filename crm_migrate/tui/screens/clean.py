"""Step 5: problems per field, the problem rows (edit cells inline), bulk fixes, before/after.

Cell fixes are cheap: each shows at once (marked ✎) and waits; cleaning re-runs once, for all
of them, on ctrl+r or when the user moves on to Dedupe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.widgets import Label, ProgressBar, Static
from textual.worker import get_current_worker

from crm_migrate.actions.progress import plural, progress_line
from crm_migrate.tui.messages import CleanFinished, CleanProgressed
from crm_migrate.tui.screens.base import WizardStep, one_line
from crm_migrate.tui.screens.modals import ConfirmModal, PromptModal
from crm_migrate.tui.widgets.paged_table import Caption, PagedTable

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.worker import Worker

    from crm_migrate.actions.progress import Progress


def progress_text(progress: Progress) -> str:
    """A clean's progress as one line (the bar shows the same phase's done/total)."""
    return f"Cleaning: {progress_line(progress)}"


class CleanStep(WizardStep):
    """Clean, see what is wrong, fix it."""

    STEP = "clean"
    BINDINGS = [
        Binding("ctrl+r", "run_clean", "Clean", id="clean.run", tooltip="Run cleaning again"),
        Binding("e", "edit_cell", "Edit", id="clean.edit",
                tooltip="Fix the highlighted value (or press enter); ctrl+r applies the fixes"),
        Binding("r", "set_region", "Region", id="clean.region", tooltip="Set the default phone region",
                show=False),
        Binding("d", "drop_rows", "Drop", id="clean.drop",
                tooltip="Leave out the rows having the highlighted problem"),
        Binding("D", "restore_rows", "Restore rows", id="clean.restore", show=False,
                tooltip="Take back every dropped row (cleaning re-runs)"),
        Binding("p", "toggle_preview", "Preview", id="clean.preview",
                tooltip="Switch between problems and the before/after preview"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.preview = False
        self.issue_rows: list[Any] = []  # CleanIssue per table row of the current page source
        self.cleaning = False  # the clean worker is running
        self.advance = False  # go on to the next step when it finishes (Next was pressed)
        self.stopped = False  # the last clean was stopped (Escape, ctrl+c)

    def compose_body(self) -> ComposeResult:
        yield Static("", id="clean-counts")
        yield ProgressBar(id="clean-bar", total=1.0, show_eta=False)
        yield Caption("", id="clean-caption", classes="caption")
        yield PagedTable(id="clean-table", cursor_type="row")
        yield Caption("", id="clean-detail", classes="caption")

    def refresh_from_state(self) -> None:
        if not self.state.source.tables:
            self.query_one("#clean-counts", Static).update("Load files on the Source step first.")
            return
        if self.cleaning:
            return  # it shows its result when done
        if self.state.cleaning.settings_stale or self.state.cleaning.clean_result is None:
            self.action_run_clean()
        else:
            self.show_result()  # pending cell fixes wait for ctrl+r or Next

    def can_leave(self) -> str | None:
        """Never leave with a stale result: clean first (once, for every pending fix), then go on."""
        if not self.state.source.tables:
            return None
        if self.cleaning:
            self.advance = True
            return "Cleaning is running; the next step opens when it is done."
        if self.state.cleaning.clean_result is None or self.state.clean_stale:
            edits = len(self.state.source.pending_edits)
            self.advance = True
            self.action_run_clean()
            what = f" with {plural(edits, 'edited cell')}" if edits else ""
            return f"Cleaning again{what} first; the next step opens when it is done."
        return None

    # ---- cleaning ----

    def action_run_clean(self) -> None:
        """Clean in a worker (map, normalise, validate, dedupe, match the target)."""
        if not self.state.source.tables:
            self.notify("Load files on the Source step first.", severity="warning")
            return
        if self.cleaning:
            return  # one clean at a time; a change made meanwhile re-runs it when it ends
        self.cleaning = True
        self.stopped = False
        self.query_one("#clean-table").loading = True
        self.query_one("#clean-counts", Static).update("Cleaning…")
        bar = self.query_one("#clean-bar", ProgressBar)
        bar.update(total=1.0, progress=0.0)
        bar.display = True
        self.clean()

    @work(thread=True, exclusive=True, exit_on_error=False, group="clean")
    def clean(self) -> None:
        """One action: clean (and match the target) via the state."""

        def report(progress: Progress) -> None:
            if not worker.is_cancelled:
                self.post_message(CleanProgressed(progress))

        # a newer clean or a stop (Escape, ctrl+c) cancels this one: it stops at its next report
        # (a big clean runs in a worker process, which is then ended)
        worker = get_current_worker()
        self.state.run_clean(on_progress=report, should_stop=lambda: worker.is_cancelled)
        if not worker.is_cancelled:
            self.post_message(CleanFinished(cleaned=True))

    def stop_work(self) -> bool:
        """Stop a running clean (Escape or ctrl+c while it runs); False when none runs."""
        if not self.cleaning:
            return False
        self.workers.cancel_group(self, "clean")
        self.stopped = True
        self._cleaning_done()
        self.advance = False
        self.loaded("#clean-table")
        if self.state.cleaning.clean_result is not None:
            self.show_result()
        self.query_one("#clean-counts", Static).update(
            "Cleaning stopped; ctrl+r cleans again."
            + ("" if self.state.cleaning.clean_result is None else " (the table is the last clean's)"))
        self.notify("Cleaning stopped.")
        return True

    @on(CleanProgressed)
    def clean_progressed(self, event: CleanProgressed) -> None:
        if self.stopped:
            return  # a report of a stopped clean, still in the queue
        progress = event.progress
        self.query_one("#clean-counts", Static).update(progress_text(progress))
        self.query_one("#clean-bar", ProgressBar).update(total=progress.total,
                                                          progress=progress.done)

    @on(CleanFinished)
    def clean_finished(self, event: CleanFinished) -> None:
        self.loaded("#clean-table")
        if event.cleaned:
            self._cleaning_done()
            dropped = self.state.take_dropped_choices()
            if dropped:
                self.notify(f"{plural(dropped, 'duplicate group')} changed after cleaning again: "
                            f"{'its' if dropped == 1 else 'their'} survivor/value choices were dropped.",
                            severity="warning", timeout=8)
            here = getattr(self.app, "current_step", self.STEP) == self.STEP
            if here and self.state.cleaning.settings_stale:  # settings changed while it ran: once more
                self.action_run_clean()
                return
            advance, self.advance = self.advance, False
            if advance and here and not self.state.clean_stale:
                self.app.action_next_step()  # type: ignore[attr-defined]
                return
        if self.state.cleaning.clean_result is not None:
            self.show_result()

    def _cleaning_done(self) -> None:
        self.cleaning = False
        self.query_one("#clean-bar", ProgressBar).display = False

    def worker_failed(self, worker: Worker[object]) -> None:
        self.loaded("#clean-table")
        if worker.group == "clean":
            self._cleaning_done()
            self.advance = False
        self.query_one("#clean-counts", Static).update("Cleaning failed: " + one_line(worker.error))

    # ---- display ----

    def show_result(self) -> None:
        """Counts per field and the problem rows (or the before/after preview)."""
        result = self.state.cleaning.clean_result
        if result is None:
            return
        views = self.state.cleaning.views
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
        if self.state.cleaning.dropped:
            dropped = len(self.state.cleaning.dropped)
            lines[0] += f" · {dropped} row{'' if dropped == 1 else 's'} dropped (D restores)"
        if self.state.cleaning.match_note:
            lines.append(self.state.cleaning.match_note)
        self.query_one("#clean-counts", Static).update("\n".join(lines))
        table = self.query_one("#clean-table", PagedTable)
        if self.preview:
            table.show_frame(views["changes"], index_label=None,
                             widths={"source": 20, "field": 12, "before": 22, "after": 22})
            caption = "Before → after (p: problems)"
        else:
            self.issue_rows = result.issues
            page, row = table.page, table.cursor_row  # stay near where the user was
            table.show_frame(views["issues"], index_label=None, page=page,
                             widths={"row": 18, "field": 12, "value": 20, "problem": 60})
            if table.row_count:
                table.move_cursor(row=min(row, table.row_count - 1))
            caption = "Problems · enter edits the cell"
        self.show_caption(caption)

    def show_caption(self, caption: str | None = None) -> None:
        """The table's caption: what it shows, pending fixes, the page."""
        table = self.query_one("#clean-table", PagedTable)
        if caption is None:
            caption = ("Before → after (p: problems)" if self.preview
                       else "Problems · enter edits the cell")
        edits = len(self.state.source.pending_edits)
        if edits:
            caption = f"✎ {plural(edits, 'edited cell')} · ctrl+r re-cleans"
        label = self.query_one("#clean-caption", Label)
        label.set_class(bool(edits), "warn")
        label.update(f"{caption} · {table.page_caption()}")

    @on(PagedTable.PageChanged)
    def page_changed(self, event: PagedTable.PageChanged) -> None:
        """A page of problems is shown: mark the cells edited since the last clean."""
        if event.table.id == "clean-table":
            self.fit_ids()
            self.mark_edits()
            if self.state.cleaning.clean_result is not None:
                self.show_caption()

    def fit_ids(self) -> None:
        """Cut long `file:row` ids from the left on this page: the row number must stay in view."""
        table = self.query_one("#clean-table", PagedTable)
        column, width = ("source", 20) if self.preview else ("row", 18)
        frame = self.state.cleaning.views.get("changes" if self.preview else "issues")
        if frame is None or column not in frame.columns:
            return
        start = table.page * table.page_size
        chunk = frame[column].iloc[start:start + table.row_count]
        for key, text in zip(chunk.index, chunk.astype(str), strict=True):
            if len(text) > width:
                table.update_cell(str(key), column, Text("…" + text[len(text) - width + 1:]))

    def mark_edits(self) -> None:
        """Show each pending fix in its problem row: the new value (✎, bold), the problem struck."""
        if self.preview or not self.state.source.pending_edits:
            return
        table = self.query_one("#clean-table", PagedTable)
        start = table.page * table.page_size
        for offset in range(table.row_count):
            index = start + offset
            if index >= len(self.issue_rows):
                break
            issue = self.issue_rows[index]
            value = self.state.pending_edit(issue.row, issue.column)
            if value is None:
                continue
            key = str(index + 1)  # the issues frame is numbered from 1
            table.update_cell(key, "value", Text(PagedTable._cut(f"✎ {value}", 20), style="bold"))
            table.update_cell(key, "problem", Text(PagedTable._cut(issue.problem, 60), style="dim strike"))

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
            edited = self.state.pending_edit(issue.row, issue.column)
            if edited is not None:
                detail = f"{where}{column}: edited to {edited!r} (was{value[2:] or ' empty'}); ctrl+r re-cleans"
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
        """Edit the source cell of the highlighted problem; it waits for a re-clean (ctrl+r or Next)."""

        if self.cleaning:
            self.notify("Cleaning is running; edit when it is done.", severity="warning")
            return
        issue = self.current_issue()
        if issue is None:
            self.notify("Highlight a problem row to edit its cell.", severity="warning")
            return
        where = self.state.locate(issue.row)
        if where is None or issue.column is None:
            whole = "the file as a whole" if where is None else "the whole row (d leaves it out)"
            self.notify(f"No cell to edit: this problem is about {whole}.", severity="warning")
            return
        label, row = where
        current = self.state.source_value(label, row, issue.column)

        def edited(value: str | None) -> None:
            if value is None or not self.state.edit_cell(label, row, issue.column, value):
                return
            self.mark_edits()
            table = self.query_one("#clean-table", PagedTable)
            if table.cursor_row + 1 < table.row_count:  # on to the next problem, as a sheet does
                table.move_cursor(row=table.cursor_row + 1)
            self.show_caption()
            self.row_highlighted()

        self.app.push_screen(PromptModal(f"{label}:{row} · {issue.column} ({issue.problem})", current,
                                         hint="Enter saves (ctrl+r re-cleans with all fixes); "
                                              "Escape cancels"),
                             edited)

    def action_set_region(self) -> None:
        """Set the default region for phone numbers without a country code; re-clean."""

        def chosen(value: str | None) -> None:
            if value is None:
                return
            region = value.strip().upper() or None
            self.state.target_step.region = region
            profile = self.state.ensure_profile()
            profile.default_region = region
            self.state.clean_stale = True
            self.action_run_clean()

        self.app.push_screen(PromptModal("Default region for phone numbers (ISO code, e.g. US, DE, GB)",
                                         self.state.target_step.region or ""), chosen)

    def action_drop_rows(self) -> None:
        """Leave out every row that has the highlighted problem (on this field)."""
        issue = self.current_issue()
        result = self.state.cleaning.clean_result
        if self.cleaning:
            self.notify("Cleaning is running; drop rows when it is done.", severity="warning")
            return
        if issue is None or result is None:
            return
        if issue.row is None:
            self.notify("This problem is about the file as a whole: no rows to leave out.",
                        severity="warning")
            return
        rows = sorted({str(i.row) for i in result.issues
                       if i.field == issue.field and i.problem == issue.problem and i.row is not None})
        why = f"{issue.field or issue.column or 'row'}: {issue.problem}"

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.query_one("#clean-table").loading = True
                self.drop(rows, why)

        if len(rows) == 1:
            confirmed(True)
            return

        self.app.push_screen(ConfirmModal(f"Leave out {len(rows):,} rows having “{why}”? "
                                          "(D on this step takes them back)", yes="Leave out"),
                             confirmed)

    def action_restore_rows(self) -> None:
        """Take back every dropped row; cleaning re-runs to bring their records back."""
        if self.cleaning:
            self.notify("Cleaning is running; restore rows when it is done.", severity="warning")
            return
        count = self.state.restore_rows()
        if not count:
            self.notify("No rows were dropped.", severity="warning")
            return
        self.notify(f"{count:,} row{'' if count == 1 else 's'} taken back; cleaning again…")
        self.action_run_clean()

    @work(thread=True, exclusive=True, exit_on_error=False, group="clean-views")
    def drop(self, rows: list[Any], why: str) -> None:
        """Leave the rows out and rebuild the tables, off the UI thread."""
        count = self.state.drop_rows(rows)
        self.app.call_from_thread(self.notify, f"{count:,} row{'' if count == 1 else 's'} left out ({why}).")
        self.post_message(CleanFinished())

