"""Progress of a long command on stderr: a Rich bar on a terminal, plain lines when piped.

Both show `progress_line` (the wizard's label too): phase, done/total in the phase's unit,
the rate over the last few seconds and the ETA from it.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

import click

from crm_migrate.actions.progress import progress_line

if TYPE_CHECKING:
    from crm_migrate.actions.progress import Progress

PLAIN_EVERY_S = 2.0  # piped: at most one line this often (and none for a run shorter than it)


class ProgressPrinter:
    """Renders Progress reports on stderr; `close()` when the command is done."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self._bar: Any = None
        self._task: Any = None
        self._phase: str | None = None
        self._last = time.monotonic()
        self._printed = ""

    def __call__(self, p: Progress) -> None:
        if not self.enabled:
            return
        if self.tty:
            self._rich(p)
            return
        now = time.monotonic()
        if p.phase != "finished" and now - self._last < PLAIN_EVERY_S:
            return
        line = progress_line(p)
        if line == self._printed:  # a run's end is reported by the runner and by its action
            return
        self._last, self._printed = now, line
        click.echo(line, err=True)

    def _rich(self, p: Progress) -> None:
        # deferred: rich loads only for a live bar on a terminal
        from rich.console import Console
        from rich.progress import BarColumn, TextColumn
        from rich.progress import Progress as Bar

        if self._bar is None:
            self._bar = Bar(BarColumn(), TextColumn("{task.description}"), transient=True,
                            console=Console(stderr=True))
            self._bar.start()
            self._task = self._bar.add_task("", total=None)
        self._bar.update(self._task, total=p.total, completed=p.done,
                         description=progress_line(p))
        if p.phase == "finished":
            self.close()

    def close(self) -> None:
        """Take the bar down (the summary follows on stdout)."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
