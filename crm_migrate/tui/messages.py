"""Messages that workers post to screens (past tense, carrying core objects)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from crm_migrate.actions.progress import Progress


class FilesLoaded(Message):
    """The selected files were (re)loaded into the state."""


class CleanProgressed(Message):
    """Cleaning reported progress (a phase, its done/total, rate and ETA)."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress


class CleanFinished(Message):
    """Cleaning (cleaned=True) or a rebuild of its tables finished; the state holds the result."""

    def __init__(self, cleaned: bool = False) -> None:
        super().__init__()
        self.cleaned = cleaned


class ConnectionChecked(Message):
    """A connection test finished: ok, and a one-line message."""

    def __init__(self, ok: bool, text: str) -> None:
        super().__init__()
        self.ok = ok
        self.text = text


class PushProgressed(Message):
    """A push, resume or rollback reported progress."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress


class PushFinished(Message):
    """A push, resume or rollback returned; `summary` is its status dict."""

    def __init__(self, summary: dict[str, Any], kind: str = "push") -> None:
        super().__init__()
        self.summary = summary
        self.kind = kind
