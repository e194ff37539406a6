"""The base of every wizard step: a pane of the main screen, its state access and worker errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.containers import Vertical
from textual.worker import Worker, WorkerState

from crm_migrate.errors import Stopped

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


class WizardStep(Vertical):
    """One wizard step, shown in the main screen's content switcher.

    Steps are panes of one screen rather than screens: switching a pane does not restyle
    every widget the way a screen switch does, which keeps step changes fast.
    """

    STEP = ""
    FOCUS = "DataTable"  # what gets focus when the step is shown
    BINDINGS = [  # first in every step's footer (subclass bindings are merged after these)
        Binding("ctrl+q", "app.quit", "Quit", id="nav.quit", priority=True,  # as the app's
                tooltip="Leave (an unfinished push stays resumable)"),
        Binding("f1", "app.help", "Help", id="nav.help", tooltip="Show the keys of this step"),
        Binding("ctrl+n", "app.next_step", "Next", id="nav.next", tooltip="Next step"),
        Binding("escape", "app.prev_step", "Back", id="nav.back", tooltip="Previous step"),
    ]

    def __init__(self) -> None:
        super().__init__(id=f"step-{self.STEP}", classes="step")

    @property
    def state(self) -> WizardState:
        return self.app.state  # type: ignore[attr-defined, no-any-return]

    def compose(self) -> ComposeResult:
        yield from self.compose_body()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def shown(self) -> None:
        """The step became visible: redraw from the state and focus its main widget."""
        self.refresh_from_state()
        self.focus_main()

    def focus_main(self) -> None:
        """Focus the step's main widget (when it can take focus)."""
        for widget in self.query(self.FOCUS):
            if widget.focusable and not widget.loading:
                self.screen.set_focus(widget)  # now, not deferred: a quick second key must not race it
                return
        self.screen.set_focus(None)  # never leave focus on a widget of a hidden step

    def loaded(self, selector: str) -> None:
        """Hide a widget's loading indicator; give the step focus back if it lost it."""
        self.query_one(selector).loading = False
        if self.app.focused is None and self.display:
            self.focus_main()

    def refresh_from_state(self) -> None:
        """Redraw from the state object (called each time the step is shown)."""

    def can_leave(self) -> str | None:
        """A reason not to go to the next step yet, or None."""
        return None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Show a worker's failure as a one-line notification."""
        if event.state == WorkerState.ERROR and not isinstance(event.worker.error, Stopped):
            self.notify(one_line(event.worker.error), title="Error", severity="error", timeout=8)
            self.worker_failed(event.worker)

    def worker_failed(self, worker: Worker[object]) -> None:
        """Hook: a worker of this step failed."""
