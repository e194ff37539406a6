"""The step bar at the top of every wizard screen."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

STEPS: tuple[tuple[str, str], ...] = (
    ("start", "Start"),
    ("source", "Source"),
    ("target", "Target"),
    ("mapping", "Mapping"),
    ("clean", "Clean"),
    ("dedupe", "Dedupe"),
    ("push", "Push"),
    ("report", "Report"),
)


class StepBar(Static):
    """Shows the eight steps with the current one highlighted; click a step to go there."""

    def __init__(self, current: str) -> None:
        super().__init__(id="step-bar")
        self.current = current

    def render(self) -> Text:
        text = Text()
        for number, (name, title) in enumerate(STEPS, start=1):
            if number > 1:
                text.append("  ")
            style = "bold reverse" if name == self.current else ""
            text.append(f"{number} {title}", style=style)
        return text

    def on_click(self, event: object) -> None:
        """Go to the clicked step (by x position)."""
        x = getattr(event, "x", None)
        if x is None:
            return
        offset = 0
        for number, (name, title) in enumerate(STEPS, start=1):
            width = len(f"{number} {title}") + (2 if number > 1 else 0)
            if offset <= x < offset + width:
                self.app.call_later(self.app.goto, name)  # type: ignore[attr-defined]
                return
            offset += width
