"""`runs` (the audit trail of every run) and `purge` (a run's personal data out)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from crm_migrate.errors import CrmMigrateError, JournalError


def _run_line(run: dict[str, Any]) -> str:
    """One run on one line: when, state, what went where, who, counts, the journal."""
    state = str(run.get("state"))
    if run.get("purged"):
        state += ", purged"
    account = f" ({run['account']})" if run.get("account") else ""
    return (f"{run.get('started_at') or '-'}  {state:<22} {run.get('object')} -> "
            f"{run.get('target')}{account}  by {run.get('os_user') or '?'}  "
            f"{run.get('done', 0)}/{run.get('total', 0)} done (created {run.get('created', 0)}, "
            f"updated {run.get('updated', 0)}), failed {run.get('failed', 0)}  "
            f"{run.get('journal')}")


@click.command("runs")
@click.option("--json", "as_json", is_flag=True, help="One JSON array on stdout.")
@click.option("--export", "export_path", type=click.Path(dir_okay=False), default=None,
              help="Write the list as CSV (one row per run) to this file.")
def runs_cmd(as_json: bool, export_path: str | None) -> int:
    """List every run on this machine: when, who, target and account, object, profile hash,
    inputs with SHA-256, counts, state."""
    from crm_migrate.actions.runs import export_runs, list_runs  # deferred: keeps --help fast

    if export_path:
        count = export_runs(export_path)
        click.echo(f"{count:,} run{'' if count == 1 else 's'} written to {export_path}", err=as_json)
    runs = list_runs()
    if as_json:
        click.echo(json.dumps(runs))
    elif not export_path:
        for run in runs:
            click.echo(_run_line(run))
        if not runs:
            click.echo("no runs yet")
    return 0


def _confirm(question: str, yes: bool) -> None:
    """Ask on a terminal; refuse without --yes when nobody can answer."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise CrmMigrateError("purge needs confirmation: run it on a terminal or add --yes")
    click.confirm(question, abort=True)


def _purged_line(outcome: Any) -> str:
    parts = [f"purged {outcome.journal}"]
    if outcome.rewritten:
        parts.append(f"error files rewritten: {len(outcome.rewritten)}")
    if outcome.removed:
        parts.append(f"files removed: {', '.join(outcome.removed)}")
    if outcome.lost_restores:
        parts.append(f"rollback can no longer restore the {outcome.lost_restores} records "
                     "the run updated")
    return "; ".join(parts)


@click.command("purge")
@click.argument("journal_path", required=False, type=click.Path(dir_okay=False))
@click.option("--older-than", "age", default=None,
              help="Purge every known run finished longer ago than this (30d, 12h, 2w).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def purge_cmd(journal_path: str | None, age: str | None, yes: bool) -> int:
    """Remove personal data from a run's journal, error files and outputs; counts, ids and
    hashes stay."""
    # deferred: the push engine is slow to import
    from crm_migrate.actions.runs import purge, purge_candidates, status

    if bool(journal_path) == bool(age):
        raise CrmMigrateError("give a JOURNAL or --older-than AGE (one of them)")
    if journal_path:
        run = status(journal_path)
        if run["state"] == "running":
            raise JournalError("the run is in progress; purge it once it has stopped",
                               file=journal_path)
        _confirm(f"Remove the personal data of run {run['run_id']} ({run['total']} records, "
                 f"{run['state']})? Resume will no longer be possible, and rollback will only "
                 "archive what the run created.", yes)
        click.echo(_purged_line(purge(journal_path)))
        return 0
    assert age is not None
    candidates = purge_candidates(age)
    if not candidates:
        click.echo(f"no run older than {age} left to purge")
        return 0
    _confirm(f"Remove the personal data of {len(candidates)} runs older than {age}?", yes)
    skipped = 0
    for run in candidates:
        try:
            click.echo(_purged_line(purge(run["journal"])))
        except CrmMigrateError as exc:
            skipped += 1
            click.echo(f"crm-migrate: skipped: {exc.one_line()}", err=True)
    return 1 if skipped else 0
