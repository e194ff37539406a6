"""One error hierarchy; every error knows the file, row and column at fault."""

from __future__ import annotations


class CrmMigrateError(Exception):
    """A problem the user can act on; the CLI prints one line and exits 2."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | str | None = None,
        column: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.row = row
        self.column = column

    def one_line(self) -> str:
        """The message prefixed with file, row and column where known, on one line."""
        where = []
        if self.file:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        text = " ".join(self.message.split())
        return f"{', '.join(where)}: {text}" if where else text

    def __str__(self) -> str:
        return self.one_line()


class SourceError(CrmMigrateError):
    """A file cannot be read or understood."""


class ProfileError(CrmMigrateError):
    """A mapping profile is invalid."""


class CleanError(CrmMigrateError):
    """Cleaning cannot proceed."""


class TargetError(CrmMigrateError):
    """The target CRM refused us or cannot be reached."""


class Stopped(CrmMigrateError):
    """Long work stopped because its caller asked (a stop flag); nothing it did is kept."""

    exit_code = 130


class AuthError(TargetError):
    """Missing or rejected credentials."""


class JournalError(CrmMigrateError):
    """The journal is missing, locked, corrupt or does not match the inputs."""


class InputsChanged(JournalError):
    """An input file or the profile changed since the run began; `what` names it.

    Resuming with `force=True` carries on anyway (records not sent yet are cleaned again).
    """

    def __init__(self, message: str, *, what: str, file: str | None = None) -> None:
        super().__init__(message, file=file)
        self.what = what
