"""Push, dry run, resume, status, rollback and the list of runs (the journalled push engine)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_migrate.actions.progress import ProgressFn, StopFn
from crm_migrate.errors import CrmMigrateError
from crm_migrate.output import write_table
from crm_migrate.push.purge import PurgeOutcome, older_than, parse_age, purge_run
from crm_migrate.push.runner import list_runs, push_status, resume_push, rollback_push, start_push
from crm_migrate.push.status import RunSummary

if TYPE_CHECKING:
    from crm_migrate.mapping.profile import Profile
    from crm_migrate.model import CleanResult
    from crm_migrate.schema import ObjectSchema

__all__ = ["PurgeOutcome", "RunSummary", "dry_run", "export_runs", "list_runs", "purge",
           "purge_candidates", "push", "resume", "rollback", "status", "status_with_message"]

# the columns of `runs --export`, in order
EXPORT_COLUMNS = ("run_id", "started_at", "finished_at", "os_user", "target", "url", "account",
                  "object", "profile_hash", "inputs", "total", "created", "updated", "failed",
                  "skipped", "pending", "rolled_back", "state", "purged_at", "journal")


def status_with_message(outcome: RunSummary) -> dict[str, Any]:
    """A run's status with its outcome's message (a dry run's or a stop's reason) folded in."""
    return {**outcome.status, "message": outcome.message or outcome.status.get("message")}


def push(paths: list[str], profile: Profile, journal_path: str | Path, *, target: str,
         url: str | None = None, token: str | None = None, profile_path: str | None = None,
         region: str | None = None, clean_result: CleanResult | None = None,
         batch_size: int | None = None, max_failure_rate: float = 0.02,
         concurrency: int | None = None, associate: bool = True, before_images: bool = True,
         on_progress: ProgressFn | None = None, should_stop: StopFn | None = None,
         schema: ObjectSchema | None = None) -> RunSummary:
    """Clean the files (unless `clean_result` is given), journal every record, push in batches
    (without `before_images`, rollback archives created records only). `schema`: the target's
    live schema already read (the wizard's), else the push reads it once."""
    return start_push(
        paths=paths, profile=profile, profile_path=profile_path, target=target.lower(), url=url,
        journal_path=journal_path, region=region, batch_size=batch_size, dry_run=False,
        clean_result=clean_result, on_progress=on_progress,
        should_stop=should_stop, token=token, max_failure_rate=max_failure_rate,
        concurrency=concurrency, associate=associate, before_images=before_images, schema=schema)


def dry_run(paths: list[str], profile: Profile, *, target: str, url: str | None = None,
            token: str | None = None, profile_path: str | None = None, region: str | None = None,
            clean_result: CleanResult | None = None, batch_size: int | None = None,
            associate: bool = True, on_progress: ProgressFn | None = None,
            should_stop: StopFn | None = None, schema: ObjectSchema | None = None) -> RunSummary:
    """What a push would do (create, update, skip, fail: the rows with a value the target's
    schema refuses), read from the target; writes nothing."""
    return start_push(
        paths=paths, profile=profile, profile_path=profile_path, target=target.lower(), url=url,
        journal_path="", region=region, batch_size=batch_size, dry_run=True,
        clean_result=clean_result, on_progress=on_progress,
        should_stop=should_stop, token=token, associate=associate, schema=schema)


def resume(journal_path: str | Path, *, force: bool = False, token: str | None = None,
           on_progress: ProgressFn | None = None, should_stop: StopFn | None = None) -> RunSummary:
    """Carry on an interrupted run; InputsChanged when a file or the profile changed (unless `force`)."""
    return resume_push(journal_path, force=force, token=token,
                       on_progress=on_progress, should_stop=should_stop)


def status(journal_path: str | Path) -> dict[str, Any]:
    """The run's status: the CONTRACT `status --json` object."""
    return push_status(journal_path)


def rollback(journal_path: str | Path, *, token: str | None = None,
             on_progress: ProgressFn | None = None) -> RunSummary:
    """Archive what the run created and restore what it updated."""
    return rollback_push(journal_path, token=token, on_progress=on_progress)


def purge(journal_path: str | Path) -> PurgeOutcome:
    """Remove a run's personal data from its journal, error files and outputs (counts, ids
    and hashes stay); JournalError for a run in progress, a missing or foreign file, a
    read-only folder."""
    return purge_run(journal_path)


def purge_candidates(age: str) -> list[dict[str, Any]]:
    """The known runs not yet purged that finished (or started) longer than `age` ago
    ("30d", "12h", "2w") and are not running."""
    limit = parse_age(age)
    return [run for run in list_runs() if not run.get("purged") and run.get("state") != "running"
            and older_than(run.get("finished_at"), run.get("started_at"), limit)]


def export_runs(path: str | Path) -> int:
    """Write the list of runs as CSV (formula-safe, one row per run); return how many."""
    import pandas as pd  # deferred: pandas is slow to import and only the export needs it

    if not str(path).lower().endswith(".csv"):
        raise CrmMigrateError("the audit export is a .csv file", file=str(path))
    runs = list_runs()
    rows = [{name: _cell(run, name) for name in EXPORT_COLUMNS} for run in runs]
    write_table(pd.DataFrame(rows, columns=list(EXPORT_COLUMNS)), path)
    return len(rows)


def _cell(run: dict[str, Any], name: str) -> str:
    """One export cell: input files as `path sha256` pairs joined by "; "."""
    value = run.get(name)
    if name == "inputs":
        return "; ".join(f"{i['path']} {i['sha256']}" for i in value or [])
    return "" if value is None else str(value)
