"""Push, dry run, resume, status, rollback and the list of runs (the journalled push engine)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_migrate.actions.progress import ProgressFn, StopFn
from crm_migrate.push.runner import list_runs, push_status, resume_push, rollback_push, start_push
from crm_migrate.push.status import RunSummary

if TYPE_CHECKING:
    from crm_migrate.mapping.profile import Profile
    from crm_migrate.model import CleanResult

__all__ = ["RunSummary", "dry_run", "list_runs", "push", "resume", "rollback", "status", "status_with_message"]


def status_with_message(outcome: RunSummary) -> dict[str, Any]:
    """A run's status with its outcome's message (a dry run's or a stop's reason) folded in."""
    return {**outcome.status, "message": outcome.message or outcome.status.get("message")}


def push(paths: list[str], profile: Profile, journal_path: str | Path, *, target: str,
         url: str | None = None, token: str | None = None, profile_path: str | None = None,
         region: str | None = None, clean_result: CleanResult | None = None,
         batch_size: int | None = None, max_failure_rate: float = 0.02,
         concurrency: int | None = None, associate: bool = True,
         on_progress: ProgressFn | None = None, should_stop: StopFn | None = None) -> RunSummary:
    """Clean the files (unless `clean_result` is given), journal every record, push in batches."""
    return start_push(
        paths=paths, profile=profile, profile_path=profile_path, target=target.lower(), url=url,
        journal_path=journal_path, region=region, batch_size=batch_size, dry_run=False,
        clean_result=clean_result, on_progress=on_progress,
        should_stop=should_stop, token=token, max_failure_rate=max_failure_rate,
        concurrency=concurrency, associate=associate)


def dry_run(paths: list[str], profile: Profile, *, target: str, url: str | None = None,
            token: str | None = None, profile_path: str | None = None, region: str | None = None,
            clean_result: CleanResult | None = None, batch_size: int | None = None,
            associate: bool = True, on_progress: ProgressFn | None = None,
            should_stop: StopFn | None = None) -> RunSummary:
    """What a push would do (create, update, skip, fail), read from the target; writes nothing."""
    return start_push(
        paths=paths, profile=profile, profile_path=profile_path, target=target.lower(), url=url,
        journal_path="", region=region, batch_size=batch_size, dry_run=True,
        clean_result=clean_result, on_progress=on_progress,
        should_stop=should_stop, token=token, associate=associate)


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
