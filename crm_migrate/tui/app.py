"""The wizard app: composition and routing between the eight steps."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

import crm_migrate
from crm_migrate.tui.commands import WizardCommands
from crm_migrate.tui.screens.clean import CleanStep
from crm_migrate.tui.screens.dedupe import DedupeStep
from crm_migrate.tui.screens.help import HelpScreen
from crm_migrate.tui.screens.main import WizardMain
from crm_migrate.tui.screens.mapping import MappingStep
from crm_migrate.tui.screens.push import PushStep
from crm_migrate.tui.screens.report import ReportStep
from crm_migrate.tui.screens.source import SourceStep
from crm_migrate.tui.screens.start import StartStep
from crm_migrate.tui.screens.target import TargetStep
from crm_migrate.tui.state import WizardState
from crm_migrate.tui.widgets.steps import STEPS

if TYPE_CHECKING:
    from crm_migrate.tui.screens.base import WizardStep

STEP_NAMES: tuple[str, ...] = tuple(name for name, _ in STEPS)

# Full collections at most once per this many middle-generation ones (CPython's default: 10).
# A step switch or a page of a table allocates thousands of objects; with the default, the
# wizard ran a full collection every few step switches, each holding the GIL for 40-75 ms on
# a busy 2-core machine (bench/bench_tui.py prints the pauses). Cyclic garbage that reaches
# the oldest generation waits longer for its collection; nothing else changes.
FULL_COLLECTION_EVERY = 100
# How long a thread holding the GIL keeps it before one waiting may ask for it (CPython: 5 ms).
# While a clean runs, threads of the wizard's process send the tables to the worker process and
# take its result apart; with the default interval they took the interpreter from the event loop
# in the middle of a key, several times per key. A longer interval lets a key's drawing finish
# in one go: p99 key latency during a 1M-row clean (bench/bench_tui.py, 2 cores) was 51-57 ms at
# 5 ms, 91 ms at 1 ms and 41-46 ms at 20 ms; idle keys are unchanged.
SWITCH_INTERVAL_S = 0.02


def _step_classes() -> list[type[WizardStep]]:
    return [StartStep, SourceStep, TargetStep, MappingStep, CleanStep, DedupeStep, PushStep,
            ReportStep]


class CrmMigrateApp(App[None]):
    """Load, map, clean, dedupe and push, one step per pane, sharing one WizardState."""

    TITLE = "crm-migrate"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {WizardCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        # shown by each step's footer first (WizardStep.BINDINGS); these work everywhere
        Binding("f1,question_mark", "help", "Help", id="app.help", tooltip="Show the keys of this step",
                show=False),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Leave (an unfinished push stays resumable)",
                priority=True, show=False),
    ]

    def __init__(self, state: WizardState | None = None, *, sandbox: Any = None,
                 first_step: str | None = None) -> None:
        super().__init__()
        self.state = state or WizardState()
        self.sandbox = sandbox  # an embedded SandboxServer (demo); its owner stops it
        self.first_step = first_step or ("source" if self.state.source.paths else "start")
        self.current_step = self.first_step
        self._gc_threshold: tuple[int, int, int] | None = None
        self._switch_interval: float | None = None

    def on_mount(self) -> None:
        self._gc_threshold = gc.get_threshold()  # put back on unmount: the process is not ours only
        first, middle, full = self._gc_threshold
        gc.set_threshold(first, middle, max(full, FULL_COLLECTION_EVERY))
        self._switch_interval = sys.getswitchinterval()  # likewise
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        self.main = WizardMain([cls() for cls in _step_classes()], self.first_step)
        self.push_screen(self.main, callback=None)
        self.call_after_refresh(self.goto, self.first_step)

    async def action_quit(self) -> None:
        """Leave; a running push stops at its next batch boundary and stays resumable."""
        self._stop_push()
        self.exit()

    def _stop_push(self) -> None:
        try:
            self.step_screen("push").stop_for_exit()
        except Exception:  # noqa: BLE001 - the app may close before mounting
            pass

    def on_unmount(self) -> None:
        """Stop a running push at a batch boundary: the run stays resumable."""
        self._stop_push()
        if self._gc_threshold is not None:
            gc.set_threshold(*self._gc_threshold)
            self._gc_threshold = None
        if self._switch_interval is not None:
            sys.setswitchinterval(self._switch_interval)
            self._switch_interval = None

    # ---- routing ----

    def step_screen(self, name: str) -> Any:
        """The pane of a step."""
        return self.main.query_one(f"#step-{name}")

    @property
    def pane(self) -> Any:
        """The pane of the current step."""
        return self.step_screen(self.current_step)

    def goto(self, name: str) -> None:
        """Show a step (its edits live in the state, so nothing is lost)."""
        if name not in STEP_NAMES:
            return
        while len(self.screen_stack) > 1 and self.screen is not self.main:
            self.pop_screen()
        self.current_step = name
        self.main.show_step(name)

    def action_goto(self, name: str) -> None:
        """Go to a step by name."""
        self.goto(name)

    def action_next_step(self) -> None:
        """Go on to the next step, unless this one says what is missing."""
        reason = self.pane.can_leave()
        if reason:
            self.notify(reason, severity="warning")
            return
        index = STEP_NAMES.index(self.current_step)
        if index + 1 < len(STEP_NAMES):
            self.goto(STEP_NAMES[index + 1])

    def action_prev_step(self) -> None:
        """Go back one step (Escape); while the step runs long work, stop that instead."""
        if self.action_stop_work():
            return
        index = STEP_NAMES.index(self.current_step)
        if index > 0:
            self.goto(STEP_NAMES[index - 1])

    def action_stop_work(self) -> bool:
        """Stop the current step's long work (a clean) if it runs; True when there was some."""
        stop = getattr(self.pane, "stop_work", None)
        return bool(stop()) if callable(stop) else False

    def action_stop_or_copy(self) -> None:
        """ctrl+c: stop the step's long work, else copy the selected text as usual."""
        if not self.action_stop_work():
            self.screen.action_copy_text()

    def action_help(self) -> None:
        """Show the help screen for the current step."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.current_step))

    def run_step_action(self, step: str, action: str) -> None:
        """Go to `step` and run one of its actions (used by the command palette)."""
        self.goto(step)
        self.call_later(self._run_action, step, action)

    def _run_action(self, step: str, action: str) -> None:
        method = getattr(self.step_screen(step), f"action_{action}", None)
        if method is not None:
            method()


def sample_data_dir() -> Path:
    """The repository's sample_data folder, next to the package."""
    return Path(crm_migrate.__file__).resolve().parent.parent / "sample_data"
