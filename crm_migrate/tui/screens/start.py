"""Step 1: start a new migration, resume an unfinished run, or open a saved profile."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Label, Static

from crm_migrate.actions.progress import number
from crm_migrate.actions.runs import list_runs
from crm_migrate.paths import profiles_dir
from crm_migrate.tui.screens.base import WizardStep, one_line
from crm_migrate.tui.screens.modals import PromptModal

if TYPE_CHECKING:
    from textual.app import ComposeResult


class StartStep(WizardStep):
    """New migration, unfinished runs with their progress, saved profiles."""

    STEP = "start"
    BINDINGS = [
        Binding("n", "new", "New", id="start.new", tooltip="Start a new migration"),
        Binding("r", "resume_run", "Resume run", id="start.resume", tooltip="Resume the highlighted run"),
        Binding("o", "open_profile", "Open profile", id="start.open", tooltip="Open a saved profile"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[dict[str, Any]] = []

    def compose_body(self) -> ComposeResult:
        with Vertical(id="start-body"):
            yield Static(
                "Move records from spreadsheets and exports into a CRM: pick files, map columns, "
                "clean, dedupe, push. Every push is journaled: an interrupted one can be resumed here.\n"
                "Quick path: n, then ctrl+n through the steps, s on Push. F1 explains each step.",
                id="start-intro",
            )
            with Horizontal(classes="buttons"):
                yield Button("New migration (n)", id="new", variant="primary", compact=True)
                yield Button("Resume run (r)", id="resume", compact=True)
                yield Button("Open profile (o)", id="open", compact=True)
            yield Label("Runs", classes="section")
            yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
            yield Label("", id="runs-note", classes="dim")

    def on_mount(self) -> None:
        table = self.query_one("#runs", DataTable)
        # what picks a run to resume first (its state and how far it got), so 80 columns show it
        table.add_columns("run", "state", "done/total", "failed", "started", "by", "object", "target")

    def refresh_from_state(self) -> None:
        self.scan_runs()

    @work(thread=True, exclusive=True, exit_on_error=False, group="runs")
    def scan_runs(self) -> None:
        """Read the run journals of the data dir."""
        runs = list_runs()
        self.app.call_from_thread(self.show_runs, runs, "")

    def show_runs(self, runs: list[dict[str, Any]], note: str) -> None:
        """Fill the runs table (unfinished first)."""
        order = {"interrupted": 0, "running": 1, "completed": 2, "rolled_back": 3}
        self.runs = sorted(runs, key=lambda r: (order.get(str(r.get("state")), 9), str(r.get("run_id", ""))))
        table = self.query_one("#runs", DataTable)
        table.clear()
        for run in self.runs:
            journal = run.get("journal") or run.get("path") or run.get("journal_path") or ""
            table.add_row(
                Path(str(journal)).stem[:24] if journal else str(run.get("run_id", ""))[:24],
                str(run.get("state", "")).replace("_", " ") + (", purged" if run.get("purged") else ""),
                f"{number(run.get('done') or 0)}/{number(run.get('total') or 0)}",
                number(run.get("failed") or 0),
                str(run.get("started_at") or "")[:16].replace("T", " "),
                str(run.get("os_user") or ""),
                str(run.get("object", "")),
                str(run.get("target", "")),
            )
        if not note:
            unfinished = sum(1 for r in self.runs if r.get("state") in ("interrupted", "running")
                             and not r.get("purged"))
            note = (f"{unfinished} unfinished run(s): highlight one and press r to resume."
                    if unfinished else "No unfinished runs." if self.runs else "No runs yet.")
        self.query_one("#runs-note", Label).update(note)

    @on(Button.Pressed, "#new")
    def action_new(self) -> None:
        """Start a new migration from the Source step."""
        self.app.goto("source")  # type: ignore[attr-defined]

    @on(Button.Pressed, "#resume")
    def action_resume_run(self) -> None:
        """Open the highlighted run on the Push step and resume it."""
        table = self.query_one("#runs", DataTable)
        if not self.runs:
            self.notify("No run to resume.", severity="warning")
            return
        run = self.runs[min(table.cursor_row, len(self.runs) - 1)]
        journal = run.get("journal") or run.get("path") or run.get("journal_path")
        if not journal:
            self.notify("This run has no journal path.", severity="error")
            return
        if run.get("state") in ("completed", "rolled_back"):  # nothing to resume: show its outcome
            self.state.run.journal_path = Path(str(journal))
            self.app.goto("report")  # type: ignore[attr-defined]
            return
        self.state.run.journal_path = Path(str(journal))
        self.state.target_step.object_name = str(run.get("object") or self.state.target_step.object_name)
        self.state.target_step.target = str(run.get("target") or self.state.target_step.target)
        self.app.run_step_action("push", "resume")  # type: ignore[attr-defined]

    @on(DataTable.RowSelected, "#runs")
    def run_selected(self) -> None:
        self.action_resume_run()

    @on(Button.Pressed, "#open")
    def action_open_profile(self) -> None:
        """Ask for a profile path and open it."""

        def opened(path: str | None) -> None:
            if not path:
                return
            try:
                profile = self.state.open_profile(Path(path).expanduser())
            except Exception as exc:  # noqa: BLE001 - shown to the user
                self.notify(one_line(exc), severity="error")
                return
            self.notify(f"Profile opened: {profile.object}, {len(profile.fields)} columns")
            self.app.goto("source")  # type: ignore[attr-defined]

        self.app.push_screen(PromptModal("Open a profile (YAML or JSON)", str(profiles_dir()) + "/",
                                         hint="Enter opens it; Escape cancels"), opened)
