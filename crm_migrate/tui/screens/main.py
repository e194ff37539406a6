"""The main screen: step bar, the eight steps in a content switcher, footer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer

from crm_migrate.tui.widgets.steps import StepBar

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from crm_migrate.tui.screens.base import WizardStep


class WizardMain(Screen[None]):
    """Holds every step; only the current one is displayed."""

    BINDINGS = [
        Binding("escape", "app.prev_step", "Back", id="nav.back", tooltip="Previous step", show=False),
        Binding("ctrl+n", "app.next_step", "Next", id="nav.next", tooltip="Next step", show=False),
        Binding("ctrl+c", "app.stop_or_copy", "Stop", id="nav.stop", show=False,
                tooltip="Stop a running clean (else copy the selected text)"),
    ]

    def __init__(self, steps: list[WizardStep], first: str) -> None:
        super().__init__()
        self.steps = steps
        self.first = first

    def compose(self) -> ComposeResult:
        yield StepBar(self.first)
        with ContentSwitcher(initial=f"step-{self.first}", id="steps"):
            yield from self.steps
        yield Footer(compact=True)  # room at 80 columns for quit, help and the step's keys

    def show_step(self, name: str) -> None:
        """Display one step and tell it so."""
        self.query_one(ContentSwitcher).current = f"step-{name}"
        bar = self.query_one(StepBar)
        bar.current = name
        bar.refresh()
        self.query_one(f"#step-{name}").shown()  # type: ignore[attr-defined]
