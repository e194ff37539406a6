"""Run status (the `status --json` shape), progress reports and run summaries."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crm_migrate.push.journal import Journal, RowKind, RunState


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
    counts = journal.counts(RowKind.RECORD)
    companies = journal.counts(RowKind.COMPANY)
    state = meta.state
    if state is RunState.RUNNING and not journal.holds_lock and not journal.held_elsewhere():
        state = RunState.INTERRUPTED
    errors = Path(str(journal.path) + ".errors.csv")
    return {
        "run_id": meta.run_id or None,
        "target": meta.target or None,
        "object": meta.object_name or None,
        "state": state.value,
        "total": counts.total,
        "done": counts.done,
        "created": counts.created,
        "updated": counts.updated,
        "failed": counts.failed,
        "skipped": counts.skipped,
        "pending": counts.pending + counts.in_flight,
        "in_flight": counts.in_flight,
        "rolled_back": counts.undone,
        "companies": {"total": companies.total, "done": companies.done,
                      "created": companies.created, "failed": companies.failed},
        "associations": journal.association_counts(),
        "associations_removed": journal.associations_removed(),
        "url": meta.url,
        "embedded": meta.embedded,
        "journal": str(journal.path),
        "errors_file": str(errors) if errors.exists() else None,
        "started_at": meta.created_at,
        "finished_at": meta.finished_at,
        "message": meta.message,
        "dry_run": meta.dry_run,
        # the audit trail (`runs`): who, which account, which profile and inputs
        "os_user": meta.os_user,
        "account": meta.account,
        "profile_hash": meta.profile_hash,
        "inputs": [{"path": i.path, "sha256": i.sha256} for i in meta.inputs],
        "before_images": meta.before_images,
        "purged": bool(meta.purged_at),
        "purged_at": meta.purged_at,
        "not_restorable": journal.count_unrestorable(),
    }


class ProgressMeter:
    """Turns journal counts into Progress reports with a rate and an ETA."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.started = time.monotonic()
        self.base_done: int | None = None

    def report(self, phase: str, message: str | None = None) -> Progress:
        counts = self.journal.counts(RowKind.RECORD)
        settled = counts.done + counts.failed
        if self.base_done is None:
            self.base_done = settled
        elapsed = max(1e-6, time.monotonic() - self.started)
        rate = (settled - self.base_done) / elapsed
        remaining = counts.pending + counts.in_flight
        eta = remaining / rate if rate > 0 else None
        return Progress(
            total=counts.total, done=counts.done, created=counts.created,
            updated=counts.updated, failed=counts.failed, skipped=counts.skipped,
            pending=remaining, records_per_s=rate, eta_s=eta, message=message, phase=phase,
        )
