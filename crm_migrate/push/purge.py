"""Purge a run's personal data: its journal, its error files and the other files it wrote.

Counts, states, target ids, source row references and hashes stay, so `status` and `runs` still
answer; rollback can still archive what the run created, not restore what it updated. Each file
is replaced atomically (a scrubbed copy renamed over it) or removed, the journal last, all under
the run's lock: a crash leaves every file whole and a second purge finishes the job.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crm_migrate.errors import JournalError
from crm_migrate.output import write_table
from crm_migrate.push.journal import Journal, JournalRow, RowKind, RowState, redact

AGE = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.IGNORECASE)
AGE_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
ERROR_SUFFIXES = (".errors.csv", ".errors.xlsx")


@dataclass
class PurgeOutcome:
    """What one purge did: the journal, the files it rewrote or removed, what rollback lost."""

    journal: str
    run_id: str | None
    rewritten: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    lost_restores: int = 0
    again: bool = False  # the run had been purged before


def parse_age(text: str) -> timedelta:
    """"30d", "12h", "2w" as a timedelta; JournalError for anything else."""
    match = AGE.match(text or "")
    if not match:
        raise JournalError(f"--older-than {text!r}: give an age such as 30d, 12h or 2w")
    return timedelta(**{AGE_UNITS[match.group(2).lower()]: int(match.group(1))})


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _writable(folder: Path) -> bool:
    """Whether files in `folder` can be replaced (its owner-write bit counts even for root)."""
    try:
        mode = folder.stat().st_mode
    except OSError:
        return False
    return os.access(folder, os.W_OK) and bool(mode & stat.S_IWUSR)


def _row_values(row: JournalRow) -> list[str]:
    return [*map(str, row.payload.values()), *map(str, (row.before or {}).values()),
            *(k for k in (row.key, row.write_key) if k)]


def _errors_files(journal: Journal) -> list[Path]:
    return [p for p in (Path(str(journal.path) + s) for s in ERROR_SUFFIXES) if p.exists()]


def _rewrite_errors(journal: Journal, paths: list[Path]) -> None:
    """Each error file again with the failed rows' `_source` and their redacted `_error` only."""
    import pandas as pd  # deferred: pandas is slow to import, keeps `status` and --help fast

    failed = journal.rows(RowKind.RECORD, RowState.FAILED)
    frame = pd.DataFrame([{"_source": r.source, "_error": redact(r.error or "", _row_values(r))}
                          for r in failed], columns=["_source", "_error"])
    for path in paths:
        write_table(frame, path, private=True)


def purge_run(journal_path: str | Path) -> PurgeOutcome:
    """Purge one run's personal data (see the module docstring). JournalError, with nothing
    changed, for a missing or foreign file, a run in progress, or a read-only folder."""
    path = Path(journal_path)
    journal = Journal.open(path)
    try:
        journal.acquire()
        meta = journal.meta()
        errors = _errors_files(journal)
        written = [Path(p) for p in meta.written_files
                   if Path(p).exists() and Path(p) not in errors]
        for folder in {path.parent, *(p.parent for p in errors), *(p.parent for p in written)}:
            if not _writable(folder):
                raise JournalError("cannot purge: the folder is read-only", file=str(folder))
        outcome = PurgeOutcome(str(path), meta.run_id or None, again=bool(meta.purged_at))
        _rewrite_errors(journal, errors)
        outcome.rewritten = [str(p) for p in errors]
        removed = {str(p): _sha256(p) for p in written}
        for item in written:
            item.unlink()
        outcome.removed = list(removed)
        outcome.lost_restores = journal.restorable() + int(meta.purge_lost.get("restore", 0))
        files = dict(meta.purged_files)
        files.update(removed)
        journal.purge(_now(), {"purge_lost": {"restore": outcome.lost_restores},
                               "purged_files": files})
        return outcome
    finally:
        journal.close()


def older_than(finished: str | None, started: str | None, age: timedelta) -> bool:
    """Whether a run that finished (or, unfinished, started) then is older than `age`."""
    when = finished or started
    if not when:
        return False
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return datetime.now(UTC) - moment > age
