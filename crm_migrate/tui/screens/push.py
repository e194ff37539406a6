"""Step 7: dry-run summary, then push in a worker with live progress; pause, resume, cancel."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, ProgressBar, Static

from crm_migrate.actions import InputsChanged
from crm_migrate.actions.progress import progress_line
from crm_migrate.actions.runs import dry_run, push, resume, status, status_with_message
from crm_migrate.errors import CrmMigrateError
from crm_migrate.tui.messages import PushFinished, PushProgressed
from crm_migrate.tui.screens.base import WizardStep, one_line
from crm_migrate.tui.screens.modals import ConfirmModal

if TYPE_CHECKING:
    from pathlib import Path

    from textual.app import ComposeResult
    from textual.worker import Worker

    from crm_migrate.actions.progress import Progress


class PushStep(WizardStep):
    """Push the cleaned records, journaled so that any stop is resumable."""

    STEP = "push"
    FOCUS = "#start"
    BINDINGS = [
        Binding("d", "dry_run", "Dry run", id="push.dry_run", tooltip="Plan the push without writing"),
        Binding("s", "start", "Start", id="push.start", tooltip="Start pushing"),
        Binding("p", "pause", "Pause", id="push.pause", tooltip="Stop after the current batch"),
        # on the buttons (Resume (r), Cancel (c)) rather than in the footer
        Binding("r", "resume", "Resume", id="push.resume", tooltip="Carry on the paused run",
                show=False),
        Binding("c", "cancel", "Cancel", id="push.cancel", tooltip="Stop; the run stays resumable",
                show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.stop_event = threading.Event()
        self.running = False
        self.cancelled = False
        self.failed_so_far = 0
        self.kind = ""  # what the last launch ran: push, dry-run, resume, resume-force

    def compose_body(self) -> ComposeResult:
        with Vertical(id="push-body"):
            yield Static("", id="push-plan")
            yield ProgressBar(id="push-bar", total=1, show_eta=False)
            yield Static("", id="push-live")
            with Horizontal(classes="buttons"):
                yield Button("Dry run (d)", id="dry", compact=True)
                yield Button("Start (s)", id="start", variant="primary", compact=True)
                yield Button("Pause (p)", id="pause", compact=True)
                yield Button("Resume (r)", id="resume", compact=True)
                yield Button("Cancel (c)", id="cancel", variant="error", compact=True)
            yield Static("", id="push-failures", classes="dim")

    def refresh_from_state(self) -> None:
        if self.running:
            return
        self.show_plan()

    def show_plan(self) -> None:
        """What a push would do, from the clean result (or the journal of a resumed run)."""
        state = self.state
        plan = self.query_one("#push-plan", Static)
        result = state.cleaning.clean_result
        target = state.target_step.target + (f" ({state.target_step.url})" if state.target_step.url and not state.target_step.demo else "")
        if result is not None and not state.clean_stale:
            actions: dict[str, int] = state.clean_views()["actions"]
            plan.update(
                f"Push {len(result.records):,} {result.object} to {target}: "
                f"{actions.get('create', 0):,} create · {actions.get('update', 0):,} update · "
                f"{actions.get('skip', 0):,} skip.\n"
                "d checks against the target first (writes nothing); s starts the push.")
        elif state.run.journal_path is not None:
            plan.update(f"Run {state.run.journal_path.name}: r resumes it.")
        else:
            plan.update("Nothing to push yet: finish the Clean step first.")

    # ---- starting ----

    def _check_ready(self) -> bool:
        if self.running:
            self.notify("A push is already running.", severity="warning")
            return False
        if self.state.cleaning.clean_result is None or self.state.clean_stale:
            self.notify("Run cleaning first (Clean step).", severity="warning")
            return False
        return True

    @on(Button.Pressed, "#dry")
    def action_dry_run(self) -> None:
        """Plan the push against the target without writing anything."""
        if self._check_ready():
            self._launch("dry-run")

    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        """Start the push in a worker."""
        if self._check_ready():
            self._launch("push")

    @on(Button.Pressed, "#resume")
    def action_resume(self) -> None:
        """Resume the paused (or interrupted) run of the journal."""
        if self.running:
            self.notify("The push is running.", severity="warning")
            return
        if self.state.run.journal_path is None:
            self.notify("No run to resume.", severity="warning")
            return
        self._launch("resume")

    def _launch(self, kind: str) -> None:
        self.stop_event.clear()
        self.running = True
        self.cancelled = False
        self.failed_so_far = 0
        self.kind = kind
        self.query_one("#push-live", Static).update("Starting…")
        self.query_one("#push-bar", ProgressBar).update(total=None, progress=0)
        self.run_push(kind)

    @work(thread=True, exclusive=True, exit_on_error=False, group="push")
    def run_push(self, kind: str) -> None:
        """One action (push, dry run or resume), then the run's status."""
        state = self.state

        def report(progress: Progress) -> None:
            self.post_message(PushProgressed(progress))

        if kind in ("resume", "resume-force"):
            assert state.run.journal_path is not None
            resume(state.run.journal_path, force=(kind == "resume-force"), token=state.target_step.token,
                   on_progress=report, should_stop=self.stop_event.is_set)
            self.post_message(PushFinished(status(state.run.journal_path), kind))
            return
        state.apply_choices()
        journal = state.new_journal_path()
        profile_path = journal.with_suffix(".profile.yaml")
        state.save_profile(profile_path)
        assert state.cleaning.clean_result is not None
        common: dict[str, Any] = dict(
            target=state.target_step.target, url=state.push_url(), token=state.target_step.token,
            profile_path=str(profile_path), region=state.target_step.region, batch_size=state.run.batch_size,
            clean_result=state.cleaning.clean_result, on_progress=report,
            should_stop=self.stop_event.is_set)
        live = state.object_schema()
        if live.source != "built-in":  # the schema the wizard read and cleaned against
            common["schema"] = live
        try:
            if kind == "dry-run":
                outcome = dry_run(list(state.source.selected), state.ensure_profile(), **common)
                self.post_message(PushFinished(status_with_message(outcome), kind))
                return
            state.run.journal_path = journal
            push(list(state.source.selected), state.ensure_profile(), journal, **common)
            self.post_message(PushFinished(status(journal), kind))
        finally:
            if not journal.exists():  # a dry run, or a push that failed before its journal: no run
                profile_path.unlink(missing_ok=True)  # to keep the profile for in the runs folder

    # ---- progress ----

    @on(PushProgressed)
    def push_progressed(self, event: PushProgressed) -> None:
        p = event.progress
        self.query_one("#push-bar", ProgressBar).update(total=p.total, progress=p.done)
        self.failed_so_far = p.failed
        self.query_one("#push-live", Static).update(
            f"{progress_line(p)}\ncreated {p.created:,} · updated {p.updated:,} · "
            f"failed {self.failed_so_far:,} · skipped {p.skipped:,}")
        if self.failed_so_far:
            self.query_one("#push-failures", Static).update(
                f"{self.failed_so_far:,} failures so far (the Report lists them).")

    @on(PushFinished)
    def push_finished(self, event: PushFinished) -> None:
        self.running = False
        summary = event.summary
        if "error" in summary:
            self.query_one("#push-live", Static).update(str(summary["error"]))
            return
        if event.kind == "dry-run":
            self.query_one("#push-bar", ProgressBar).update(total=1, progress=0)
            parts = [f"{summary.get(k, 0):,} {word}" for k, word in (
                ("would_create", "to create"), ("would_update", "to update (already in the CRM)"),
                ("would_skip", "to skip"), ("would_fail", "would fail"))]
            companies = summary.get("companies_to_create")
            if companies:
                parts.append(f"{companies:,} new companies")
            self.query_one("#push-live", Static).update(
                "Dry run against the target: " + " · ".join(parts)
                + "\nNothing was written. s starts the push.")
            return
        self.state.run.summary = summary
        run_state = summary.get("state")
        if run_state == "interrupted":
            if self.stop_event.is_set():
                word = "Cancelled" if self.cancelled else "Paused"
                why = "The run is resumable: r here or from the Start step."
            else:
                word = "Stopped"
                why = str(summary.get("message") or "The run is resumable: r.")
            self.query_one("#push-live", Static).update(f"{word}: {_summary_line(summary)}\n{why}")
            if self.cancelled:
                self.app.goto("report")  # type: ignore[attr-defined]
            return
        self.query_one("#push-live", Static).update(f"Finished: {_summary_line(summary)}")
        self.app.goto("report")  # type: ignore[attr-defined]

    def worker_failed(self, worker: Worker[object]) -> None:
        self.running = False
        self.query_one("#push-bar", ProgressBar).update(total=1, progress=0)  # no endless pulse
        journal = self.state.run.journal_path
        if journal is not None and not journal.exists():
            self.state.run.journal_path = None  # it failed before its journal began: no run to resume
            journal = None
        run_state = _run_state(journal) if journal is not None else None
        if self.kind == "dry-run":
            after = "Nothing was written: fix it (e.g. on the Target step), then d checks again."
        elif run_state in ("rolled_back", "completed"):
            after = (f"That run is {run_state.replace('_', ' ')}: nothing to resume. "
                     "s pushes the cleaned rows as a new run.")
        elif journal is not None:
            after = "The run is resumable (r) once fixed."
        else:
            after = "Nothing was sent: fix it (e.g. on the Target step), then s starts the push."

        self.query_one("#push-live", Static).update("Push failed: " + one_line(worker.error)
                                                    + "\n" + after)
        if isinstance(worker.error, InputsChanged):
            self.offer_force(worker.error.what)

    def offer_force(self, what: str) -> None:
        """A file or the profile changed since the run began: offer to carry on anyway."""
        def answered(yes: bool | None) -> None:
            if yes:
                self._launch("resume-force")

        self.app.push_screen(ConfirmModal(
            f"{what}. Resume anyway? Records not sent yet are cleaned again from the current "
            "files and profile.", yes="Resume anyway", no="Not now"), answered)

    # ---- stopping ----

    @on(Button.Pressed, "#pause")
    def action_pause(self) -> None:
        """Stop after the current batch; the journal keeps the run resumable."""
        if not self.running:
            self.notify("No push is running.", severity="warning")
            return
        self.stop_event.set()
        self.query_one("#push-live", Static).update("Pausing after the current batch…")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Stop the push; what was sent stays, the rest can be resumed or rolled back."""
        if not self.running:
            self.notify("No push is running.", severity="warning")
            return
        self.cancelled = True
        self.stop_event.set()
        self.query_one("#push-live", Static).update("Cancelling after the current batch…")

    def stop_for_exit(self) -> None:
        """The app is closing: stop at a batch boundary so the run reads as interrupted."""
        self.stop_event.set()


def _run_state(journal: Path) -> str | None:
    """The state a run's journal records, or None when it cannot be read."""
    try:
        return str(status(journal).get("state") or "") or None
    except (CrmMigrateError, OSError):  # a journal we cannot read offers no resume either way
        return None


def _summary_line(summary: dict[str, Any]) -> str:
    keys = ("total", "created", "updated", "failed", "skipped", "pending")
    return " · ".join(f"{k} {summary[k]:,}" for k in keys if isinstance(summary.get(k), int))
