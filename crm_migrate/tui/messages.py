"""Messages that workers post to screens (past tense, carrying core objects)."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class FilesLoaded(Message):
    """The selected files were (re)loaded into the state."""


class CleanProgressed(Message):
    """Cleaning reported progress: a line of text and, when known, the share done (0..1)."""

    def __init__(self, text: str, fraction: float | None = None) -> None:
        super().__init__()
        self.text = text
        self.fraction = fraction


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
    """The push runner reported progress (a core Progress object)."""

    def __init__(self, progress: Any) -> None:
        super().__init__()
        self.progress = progress


class PushFinished(Message):
    """A push, resume or rollback returned; `summary` is its status dict."""

    def __init__(self, summary: dict[str, Any], kind: str = "push") -> None:
        super().__init__()
        self.summary = summary
        self.kind = kind
