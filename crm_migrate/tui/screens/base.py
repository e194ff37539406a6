"""The base of every wizard step: step bar, body, footer, navigation and worker errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from crm_migrate.tui.widgets.steps import StepBar

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from crm_migrate.tui.state import WizardState


def one_line(error: BaseException | None) -> str:
    """A user-facing one-line message for an exception."""
    if error is None:
        return "failed"
    one = getattr(error, "one_line", None)
    if callable(one):
        return str(one())
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class WizardScreen(Screen[None]):
    """A wizard step; subclasses implement compose_body() and refresh_from_state()."""

    STEP = ""
    BINDINGS = [
        Binding("escape", "app.prev_step", "Back", id="nav.back", tooltip="Previous step"),
        Binding("ctrl+n", "app.next_step", "Next", id="nav.next", tooltip="Next step"),
    ]

    @property
    def state(self) -> WizardState:
        return self.app.state  # type: ignore[attr-defined, no-any-return]

    def compose(self) -> ComposeResult:
        yield StepBar(self.STEP)
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_screen_resume(self) -> None:
        self.refresh_from_state()

    def refresh_from_state(self) -> None:
        """Redraw from the state object (called each time the screen is shown)."""

    def can_leave(self) -> str | None:
        """A reason not to go to the next step yet, or None."""
        return None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Show a worker's failure as a one-line notification."""
        if event.state == WorkerState.ERROR:
            self.notify(one_line(event.worker.error), title="Error", severity="error", timeout=8)
            self.worker_failed(event.worker)

    def worker_failed(self, worker: Worker[object]) -> None:
        """Hook: a worker of this screen failed."""
