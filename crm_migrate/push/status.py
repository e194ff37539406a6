"""Run status (the `status --json` shape), a run's progress reports and run summaries."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_migrate.progress import Pacer, ProgressFn, ProgressMeter
from crm_migrate.push.journal import Journal, RowCounts, RowKind, RunState

if TYPE_CHECKING:
    from crm_migrate.connectors.base import Connector


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
        # what the run's values were checked against (the target's live schema, or built-in)
        "schema": _schema_summary(meta.schema),
    }


def _schema_summary(schema: dict[str, Any] | None) -> dict[str, Any] | None:
    if not schema:
        return None
    out = {"source": schema.get("source"), "read_at": schema.get("read_at"),
           "fields": len(schema.get("fields") or ()),
           "pipelines": len(schema.get("pipelines") or ()), "owners": len(schema.get("owners") or ())}
    if schema.get("notes"):
        out["notes"] = list(schema["notes"])
    return out


class RunProgress:
    """A run's phases reported through one ProgressMeter, counted from the journal: records
    and companies in their own unit, a rollback in rows undone."""

    def __init__(self, journal: Journal, on_progress: ProgressFn | None) -> None:
        self.journal = journal
        self.meter = ProgressMeter(on_progress)
        self._kind = RowKind.RECORD

    def phase(self, name: str, message: str | None = None) -> None:
        """Start a phase without a count of its own (connecting, reconciling, ...)."""
        self.meter.phase(name, message=message)

    def sending(self, kind: RowKind, unit: str, pacer: Pacer | None = None) -> None:
        """Start sending the rows of `kind` (phase `companies` or `records`); `pacer`: the
        target's request budget (rows a request)."""
        self._kind = kind
        counts = self.journal.counts(kind)
        self.meter.phase("companies" if kind is RowKind.COMPANY else "records", counts.total,
                         unit=unit, done=_settled(counts), pacer=pacer)
        self._update(counts)

    def batch(self) -> None:
        """A batch of the phase's rows landed: report the journal's counts."""
        self._update(self.journal.counts(self._kind))

    def rolling_back(self, pacer: Pacer | None = None) -> None:
        """Start undoing the run's written rows (`pacer`: the target's request budget)."""
        self.meter.phase("rollback", self._written(), unit="records", done=self._undone(),
                         pacer=pacer)

    def undone(self) -> None:
        """A rollback batch landed."""
        self.meter.update(self._undone())

    def finished(self, message: str | None) -> None:
        """The run ended: its record counts, as the last report."""
        counts = self.journal.counts(RowKind.RECORD)
        self.meter.phase("finished", counts.total, unit="records", done=_settled(counts),
                         message=message)
        self._update(counts)

    def _update(self, counts: RowCounts) -> None:
        self.meter.update(_settled(counts), created=counts.created, updated=counts.updated,
                          failed=counts.failed, skipped=counts.skipped,
                          pending=counts.pending + counts.in_flight)

    def _written(self) -> int:
        return sum(self.journal.counts(kind).done for kind in (RowKind.RECORD, RowKind.COMPANY))

    def _undone(self) -> int:
        return sum(self.journal.counts(kind).undone for kind in (RowKind.RECORD, RowKind.COMPANY))


def sustained_rate(connector: Connector, rows_per_request: int) -> float | None:
    """The rows per second a target's request budget sustains (None when it has none)."""
    rate = connector.rate
    if rate.requests <= 0 or rate.per_seconds <= 0:
        return None
    return rate.requests / rate.per_seconds * rows_per_request


def _settled(counts: RowCounts) -> int:
    """Rows no longer waiting: written, failed or skipped."""
    return counts.done + counts.failed + counts.skipped
