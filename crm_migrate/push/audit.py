"""The audit trail: every run started on this machine, wherever its journal lives.

A new journal's path is appended to `<runs dir>/journals.list` (owner-only), so `runs` finds
the journals written outside the runs folder (`push --journal elsewhere.journal`) as well as
the wizard's. The journals themselves hold the facts (who, when, target and account, object,
profile hash, inputs with their SHA-256, counts, state, rolled back or purged).
"""

from __future__ import annotations

import os
from pathlib import Path

from crm_migrate.paths import ensure_dir, runs_dir

REGISTRY = "journals.list"
SQLITE_MAGIC = b"SQLite format 3\x00"


def register_journal(path: str | Path) -> None:
    """Remember a new run's journal (best effort: the run goes on if the list cannot be
    written, and its journal still shows when it lies in the runs folder)."""
    try:
        folder = ensure_dir(runs_dir(), private=True)
        fd = os.open(folder / REGISTRY, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(str(Path(path).resolve()) + "\n")
    except OSError:
        return


def is_journal_file(path: Path) -> bool:
    """Whether `path` is a SQLite file (a journal candidate; its sidecars are not)."""
    if not path.is_file() or path.name.endswith(("-wal", "-shm", ".lock")):
        return False
    try:
        with path.open("rb") as fh:
            return fh.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def known_journals(directory: Path | None = None) -> list[Path]:
    """The journals in `directory` (default: the runs folder) plus, for the default, every
    registered journal that still exists; each once."""
    folder = Path(directory) if directory is not None else runs_dir()
    found: list[Path] = []
    if folder.is_dir():
        found = [p.resolve() for p in sorted(folder.iterdir()) if is_journal_file(p)]
    registry = folder / REGISTRY
    if directory is None and registry.is_file():
        for line in registry.read_text(encoding="utf-8", errors="replace").splitlines():
            path = Path(line.strip())
            if line.strip() and path.resolve() not in found and is_journal_file(path):
                found.append(path.resolve())
    return found
