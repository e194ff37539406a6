"""Typed errors of the use-case layer (callers branch on the type, never on a message's text)."""

from __future__ import annotations

from crm_migrate.errors import JournalError


class InputsChanged(JournalError):
    """An input file or the profile changed since the run began; `what` names it.

    Resuming with `force=True` carries on anyway (records not sent yet are cleaned again).
    """

    def __init__(self, message: str, *, what: str, file: str | None = None) -> None:
        super().__init__(message, file=file)
        self.what = what
