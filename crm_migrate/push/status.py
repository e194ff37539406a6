"""Run status (the `status --json` shape), progress reports and run summaries."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crm_migrate.push.journal import Journal

FINISHED = ("completed", "rolled_back", "dry_run")


@dataclass
class Progress:
    """What a running push reports after each batch."""

    total: int
    done: int
    created: int
    updated: int
    failed: int
    skipped: int
    pending: int
    records_per_s: float = 0.0
    eta_s: float | None = None
    message: str | None = None
    phase: str = "records"


@dataclass
class RunSummary:
    """The outcome of push/resume/rollback: the status dict, the error file, an exit code."""

    status: dict[str, Any]
    errors_file: str | None = None
    exit_code: int = 0
    message: str | None = None

    @property
    def state(self) -> str:
        return str(self.status.get("state"))


def status_of(journal: Journal) -> dict[str, Any]:
    """The CONTRACT `status --json` dict (plus extra keys) of a journal.

    `associations` counts contact-company pairs by outcome: `done` = added by this run,
    `existed` = already associated before it (left alone), `failed`, `pending`;
    `associations_removed` = pairs a rollback dissociated."""
    meta = journal.meta()
    counts = journal.counts("record")
    companies = journal.counts("company")
    state = str(meta.get("state", "interrupted"))
    if state == "running" and not journal.holds_lock and not journal.held_elsewhere():
        state = "interrupted"
    assoc = dict(journal.conn.execute(
        "SELECT assoc, COUNT(*) FROM rows WHERE assoc IS NOT NULL AND state IN ('done', 'skipped') "
        "GROUP BY assoc").fetchall())
    try:  # pairs rollback dissociated (both records existed before the run)
        removed = int(journal.conn.execute(
            "SELECT COUNT(*) FROM rows WHERE assoc_undo = 2").fetchone()[0])
    except sqlite3.OperationalError:  # an older journal opened read-only lacks the column
        removed = 0
    errors = Path(str(journal.path) + ".errors.csv")
    return {
        "run_id": meta.get("run_id"),
        "target": meta.get("target"),
        "object": meta.get("object"),
        "state": state,
        "total": counts["total"],
        "done": counts["done"],
        "created": counts["created"],
        "updated": counts["updated"],
        "failed": counts["failed"],
        "skipped": counts["skipped"],
        "pending": counts["pending"] + counts["in_flight"],
        "in_flight": counts["in_flight"],
        "rolled_back": counts["undone"],
        "companies": {k: companies[k] for k in ("total", "done", "created", "failed")},
        "associations": {k: int(v) for k, v in assoc.items()},
        "associations_removed": removed,
        "url": meta.get("url"),
        "embedded": bool(meta.get("embedded")),
        "journal": str(journal.path),
        "errors_file": str(errors) if errors.exists() else None,
        "started_at": meta.get("created_at"),
        "finished_at": meta.get("finished_at"),
        "message": meta.get("message"),
        "dry_run": bool(meta.get("dry_run")),
    }


class ProgressMeter:
    """Turns journal counts into Progress reports with a rate and an ETA."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.started = time.monotonic()
        self.base_done: int | None = None

    def report(self, phase: str, message: str | None = None) -> Progress:
        counts = self.journal.counts("record")
        settled = counts["done"] + counts["failed"]
        if self.base_done is None:
            self.base_done = settled
        elapsed = max(1e-6, time.monotonic() - self.started)
        rate = (settled - self.base_done) / elapsed
        remaining = counts["pending"] + counts["in_flight"]
        eta = remaining / rate if rate > 0 else None
        return Progress(
            total=counts["total"], done=counts["done"], created=counts["created"],
            updated=counts["updated"], failed=counts["failed"], skipped=counts["skipped"],
            pending=remaining, records_per_s=rate, eta_s=eta, message=message, phase=phase,
        )


@dataclass
class DryRunCounts:
    """What a dry run would do."""

    create: int = 0
    update: int = 0
    skip: int = 0
    failed: int = 0
    companies_create: int = 0
    companies_match: int = 0
    issues: list[str] = field(default_factory=list)
