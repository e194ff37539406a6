"""Step 8: what was created, updated, failed; the error file; rollback."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, ProgressBar, Static

from crm_migrate.actions.progress import plural, progress_line
from crm_migrate.actions.runs import rollback, status
from crm_migrate.tui.messages import PushFinished, PushProgressed
from crm_migrate.tui.screens.base import WizardStep
from crm_migrate.tui.screens.modals import ConfirmModal
from crm_migrate.tui.state import WizardState
from crm_migrate.tui.widgets.paged_table import Caption, PagedTable

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.worker import Worker

    from crm_migrate.actions.progress import Progress


class ReportStep(WizardStep):
    """The outcome of the run."""

    STEP = "report"
    BINDINGS = [
        Binding("ctrl+z", "rollback", "Roll back", id="report.rollback",
                tooltip="Undo what this run created (asks first)"),
        Binding("n", "new_migration", "New", id="report.new", tooltip="Start a new migration"),
    ]

    def compose_body(self) -> ComposeResult:
        with Vertical(id="report-body"):
            yield Static("", id="report-summary")
            with Horizontal(classes="buttons"):
                yield Button("Roll back (ctrl+z)", id="rollback", variant="error", compact=True)
                yield Button("New migration (n)", id="new", compact=True)
            # a rollback's progress (hidden otherwise): its phase, done/total, rate and ETA
            yield ProgressBar(id="rollback-bar", total=None, show_eta=False)
            yield Static("", id="rollback-live")
            yield Caption("", id="report-caption", classes="caption")
            yield PagedTable(id="report-errors", cursor_type="row")

    def refresh_from_state(self) -> None:
        if self.state.run.journal_path is None:
            self.query_one("#report-summary", Static).update("No run yet: push on the Push step.")
            return
        self.load_status()

    @work(thread=True, exclusive=True, exit_on_error=False, group="report")
    def load_status(self) -> None:
        """Read the run's status and its error file."""
        assert self.state.run.journal_path is not None
        run = status(self.state.run.journal_path)
        errors = None
        errors_file = run.get("errors_file")
        if errors_file and Path(str(errors_file)).is_file():
            errors = pd.read_csv(str(errors_file), dtype=str, keep_default_na=False)
            first = [c for c in ("_source", "_error") if c in errors.columns]
            errors = errors[first + [c for c in errors.columns if c not in first]]
            errors.index = pd.RangeIndex(1, len(errors) + 1)
        self.app.call_from_thread(self.show, run, errors)

    def show(self, status: dict[str, Any], errors: Any) -> None:
        """Counts, the error file's path and its rows."""
        summary = self.query_one("#report-summary", Static)
        if "error" in status:
            summary.update(str(status["error"]))
            return
        self.state.run.summary = status
        lines = [
            f"Run {Path(str(status.get('journal') or self.state.run.journal_path)).stem} · {status.get('object', '')} → {status.get('target', '')} · "
            f"{str(status.get('state', '')).replace('_', ' ')}",
            f"created {status.get('created', 0):,} · updated {status.get('updated', 0):,} · "
            f"failed {status.get('failed', 0):,} · skipped {status.get('skipped', 0):,} · "
            f"pending {status.get('pending', 0):,} of {status.get('total', 0):,}",
        ]
        if status.get("rolled_back"):
            lines.append(f"undone by the rollback: {plural(status['rolled_back'], 'record')}")
        state_words = str(status.get("state", "")).replace("_", " ")
        if status.get("message") and str(status["message"]) != state_words:
            lines.append(str(status["message"]))
        if status.get("errors_file"):
            lines.append(f"Errors file: {status['errors_file']}")
        lines.append(f"Journal: {self.state.run.journal_path}")
        summary.update("\n".join(lines))
        table = self.query_one("#report-errors", PagedTable)
        if errors is not None and len(errors):
            table.show_frame(errors, index_label=None, widths={"_source": 20, "_error": 50})
            self.query_one("#report-caption", Label).update(f"Failed records · {table.page_caption()}")
        else:
            table.show_frame(None)
            self.query_one("#report-caption", Label).update("No failed records.")

    @on(Button.Pressed, "#rollback")
    def action_rollback(self) -> None:
        """Ask, then undo what the run created."""
        if self.state.run.journal_path is None:
            self.notify("No run to roll back.", severity="warning")
            return
        summary = self.state.run.summary or {}
        if summary.get("state") == "rolled_back":  # asking again would promise an undo that is done
            self.notify(f"This run is already rolled back ({plural(int(summary.get('rolled_back') or 0), 'record')} "
                        "undone): nothing left to undo.", severity="warning")
            return
        created = int(summary.get("created") or 0)
        companies = int((summary.get("companies") or {}).get("created") or 0)
        made = plural(created, "record") + (f" and {plural(companies, 'company', 'companies')}" if companies else "")

        def answered(yes: bool | None) -> None:
            if yes:
                self.query_one("#report-caption", Label).update("Rolling back…")
                self.show_rollback_progress(True)
                self.roll_back()

        self.app.push_screen(ConfirmModal(
            f"Roll back this run? The {made} it created will be archived "
            "and the records it updated restored.", yes="Roll back", no="Keep"), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="rollback")
    def roll_back(self) -> None:
        """One action: roll the run back, then read its status."""
        assert self.state.run.journal_path is not None

        def report(progress: Progress) -> None:
            self.post_message(PushProgressed(progress))

        rollback(self.state.run.journal_path, token=self.state.target_step.token, on_progress=report)
        self.post_message(PushFinished(status(self.state.run.journal_path), "rollback"))

    def show_rollback_progress(self, shown: bool) -> None:
        """The rollback's bar and line: shown (empty, pulsing) while it runs, hidden after."""
        bar = self.query_one("#rollback-bar", ProgressBar)
        bar.update(total=None, progress=0)
        live = self.query_one("#rollback-live", Static)
        live.update("Rolling back… connecting" if shown else "")
        bar.display = live.display = shown

    @on(PushProgressed)
    def rollback_progressed(self, event: PushProgressed) -> None:
        p = event.progress
        self.query_one("#rollback-bar", ProgressBar).update(total=p.total, progress=p.done)
        self.query_one("#rollback-live", Static).update(progress_line(p))

    def worker_failed(self, worker: Worker[object]) -> None:
        self.show_rollback_progress(False)
        self.query_one("#report-caption", Label).update(
            "Rollback failed (see the message): ctrl+z tries again; what it undid stays undone.")

    @on(PushFinished)
    def rolled_back(self, event: PushFinished) -> None:
        self.show_rollback_progress(False)
        if "error" in event.summary:
            self.notify(str(event.summary["error"]), severity="error")
            return
        self.notify(f"Run now {str(event.summary.get('state')).replace('_', ' ')}.")
        self.refresh_from_state()

    @on(Button.Pressed, "#new")
    def action_new_migration(self) -> None:
        """Start over from the Source step: same files and target, a fresh mapping and run."""
        where, files = self.state.target_step, self.state.source
        fresh = WizardState(target=where.target, url=where.url, token=where.token,
                            region=where.region, demo=where.demo, object_name=where.object_name,
                            object_chosen=True, overrides=dict(files.overrides))
        fresh.add_paths(files.paths, select=False)
        fresh.add_paths(files.selected)
        self.app.state = fresh  # type: ignore[attr-defined]
        self.app.goto("source")  # type: ignore[attr-defined]
