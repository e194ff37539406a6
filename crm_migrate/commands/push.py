"""`push`, `resume`, `status`, `rollback`: the push engine from the command line.

Progress goes to stderr (commands.progress: a Rich bar on a terminal, plain lines otherwise); the
summary goes to stdout. Ctrl-C stops cleanly: in-flight batches finish, the run
is left interrupted and resumable, exit code 130. A dry run writes no journal.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from crm_migrate.actions import TARGETS
from crm_migrate.actions.progress import number, plural
from crm_migrate.commands.progress import ProgressPrinter
from crm_migrate.errors import CrmMigrateError

if TYPE_CHECKING:
    from crm_migrate.actions.runs import RunSummary


@contextmanager
def _stop_on_ctrl_c() -> Iterator[threading.Event]:
    """First Ctrl-C asks the run to stop safely; a second one aborts at once."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        click.echo("crm-migrate: stopping after the batches in flight (Ctrl-C again to abort)",
                   err=True)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def _print_summary(summary: RunSummary, journal: str | None) -> None:
    s = summary.status
    if s.get("state") == "dry_run":
        click.echo(f"dry run ({s['object']} -> {s['target']}): would create "
                   f"{number(s['would_create'])}, update {number(s['would_update'])}, skip "
                   f"{number(s['would_skip'])}, fail {number(s['would_fail'])}; companies to "
                   f"create {number(s['companies_to_create'])}, matched "
                   f"{number(s['companies_matched'])}. Nothing was written.")
        return
    click.echo(f"{_state_words(s['state'])}: {_counts_text(s)}")
    if summary.errors_file:
        click.echo(f"failed rows: {summary.errors_file} (and .xlsx)")
    if _news(summary.message, s["state"]):
        click.echo(f"crm-migrate: {summary.message}", err=True)
    if s["state"] == "interrupted" and journal:
        click.echo(f"resume with: crm-migrate resume {journal}", err=True)


def _stdin_is_terminal() -> bool:
    """Whether a person can answer a question on stdin."""
    return sys.stdin.isatty()


def _state_words(state: str) -> str:
    """A run state as words ("rolled back")."""
    return state.replace("_", " ")


def _news(message: str | None, state: str) -> bool:
    """Whether a run's message says more than its state line (not "rolled back" twice)."""
    return bool(message) and state != "completed" and message != _state_words(state)


def _counts_text(s: dict[str, Any]) -> str:
    """A run's counts in one line, thousands separated."""
    return (f"{number(s['done'])}/{number(s['total'])} done (created {number(s['created'])}, "
            f"updated {number(s['updated'])}), failed {number(s['failed'])}, skipped "
            f"{number(s['skipped'])}, pending {number(s['pending'])}")


def _finish(summary: RunSummary, journal: str | None, stop: threading.Event) -> int:
    _print_summary(summary, journal)
    if stop.is_set() and summary.status.get("state") == "interrupted":
        return 130
    return summary.exit_code


@click.command("push")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--profile", "profile_path", required=True, type=click.Path(dir_okay=False),
              help="Mapping profile (YAML/JSON).")
@click.option("--target", default="sandbox", show_default=True,
              type=click.Choice(TARGETS, case_sensitive=False))
@click.option("--url", default=None, help="Target base URL (sandbox: omit to run one embedded).")
@click.option("--region", default=None, help="Default region for phone numbers (CC).")
@click.option("--journal", "journal_path", required=True, type=click.Path(dir_okay=False),
              help="The run's journal file (created; must not exist).")
@click.option("--dry-run", is_flag=True, help="Classify against the target, write nothing.")
@click.option("--batch-size", type=click.IntRange(1, 1000), default=None)
@click.option("--max-failure-rate", type=click.FloatRange(0.0, 1.0), default=0.02,
              show_default=True, help="Stop when more than this share of the last 500 failed.")
@click.option("--concurrency", type=click.IntRange(1, 16), default=None,
              help="Requests in flight at once (default: the target's, 4 for HubSpot).")
@click.option("--no-associations", is_flag=True, help="Do not create/associate companies.")
@click.option("--no-before-images", is_flag=True,
              help="Keep no previous values of updated records: rollback then archives the "
                   "records the run created and leaves the updated ones as they are.")
def push_cmd(files: tuple[str, ...], profile_path: str, target: str, url: str | None,
             region: str | None, journal_path: str, dry_run: bool, batch_size: int | None,
             max_failure_rate: float, concurrency: int | None, no_associations: bool,
             no_before_images: bool) -> int:
    """Clean, then push in batches, recording every step in the journal."""
    # deferred: the push engine pulls in pandas, httpx and the core; `--help` needs none
    from crm_migrate.actions.files import check_input_files
    from crm_migrate.actions.profiles import load_profile
    from crm_migrate.actions.runs import dry_run as dry_run_action
    from crm_migrate.actions.runs import push

    check_input_files(list(files))  # a FIFO or device would block the input fingerprint

    profile = load_profile(profile_path)
    printer = ProgressPrinter()
    with _stop_on_ctrl_c() as stop:
        try:
            if dry_run:
                summary = dry_run_action(
                    list(files), profile, target=target, url=url, profile_path=profile_path,
                    region=region, batch_size=batch_size, associate=not no_associations,
                    on_progress=printer, should_stop=stop.is_set)
            else:
                summary = push(
                    list(files), profile, journal_path, target=target, url=url,
                    profile_path=profile_path, region=region, batch_size=batch_size,
                    max_failure_rate=max_failure_rate, concurrency=concurrency,
                    associate=not no_associations, before_images=not no_before_images,
                    on_progress=printer, should_stop=stop.is_set)
        finally:
            printer.close()
    return _finish(summary, None if dry_run else journal_path, stop)


@click.command("resume")
@click.argument("journal_path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Carry on although the inputs or profile changed.")
def resume_cmd(journal_path: str, force: bool) -> int:
    """Carry on an interrupted push; nothing is sent twice, nothing is lost."""
    from crm_migrate.actions.runs import resume  # deferred: the push engine is slow to import

    printer = ProgressPrinter()
    with _stop_on_ctrl_c() as stop:
        try:
            summary = resume(journal_path, force=force, on_progress=printer, should_stop=stop.is_set)
        finally:
            printer.close()
    return _finish(summary, journal_path, stop)


@click.command("status")
@click.argument("journal_path", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
def status_cmd(journal_path: str, as_json: bool) -> int:
    """Show the progress of a run."""
    from crm_migrate.actions.runs import status as run_status  # deferred: keeps `status` fast

    status = run_status(journal_path)
    if status.get("warning"):
        click.echo(f"crm-migrate: warning: {status['warning']}", err=True)
    if as_json:
        click.echo(json.dumps(status))
        return 0
    click.echo(f"run {status['run_id']} ({status['object']} -> {status['target']}): "
               f"{_state_words(status['state'])}")
    click.echo(f"  {_counts_text(status)}")
    if status.get("rolled_back"):
        click.echo(f"  undone by the rollback: {plural(status['rolled_back'], 'record')}")
    if status.get("purged"):
        click.echo(f"  purged: personal data removed on {status['purged_at']}")
    if _news(status.get("message"), status["state"]):
        click.echo(f"  {status['message']}")
    if status.get("errors_file"):
        click.echo(f"  failed rows: {status['errors_file']}")
    return 0


@click.command("rollback")
@click.argument("journal_path", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def rollback_cmd(journal_path: str, yes: bool) -> int:
    """Undo a run: archive what it created, restore what it updated."""
    from crm_migrate.actions.runs import rollback  # deferred: the push engine is slow to import
    from crm_migrate.actions.runs import status as run_status

    status = run_status(journal_path)
    if status.get("state") == "rolled_back":  # neither ask nor report an undo that happened before
        click.echo(f"already rolled back: {plural(status.get('rolled_back') or 0, 'record')} undone "
                   "earlier; nothing to do")
        return 0
    if not yes:
        if not _stdin_is_terminal():
            raise CrmMigrateError("rollback asks before undoing a run and stdin is not a "
                                  "terminal: add --yes to roll back without asking",
                                  file=journal_path)
        restore = (f"restore the {number(status['updated'])} it updated"
                   if status["before_images"] and not status["purged"] else
                   f"leave the {number(status['updated'])} it updated as they are (no "
                   "before-images: " + ("purged)" if status["purged"] else "--no-before-images)"))
        companies = (status.get("companies") or {}).get("created") or 0
        made = plural(status["created"], "record") + (
            f" and {plural(companies, 'company', 'companies')}" if companies else "")
        question = f"Archive the {made} this run created and {restore} in {status['target']}?"
        if not click.confirm(question, default=False):
            click.echo("nothing rolled back")
            return 1
    printer = ProgressPrinter()
    try:
        summary = rollback(journal_path, on_progress=printer)
    finally:
        printer.close()
    s = summary.status
    if summary.exit_code == 0:
        click.echo(f"rolled back: {plural(s['rolled_back'], 'record')} undone "
                   f"(archived {number(s['created'])} created, restored "
                   f"{number(s['updated'] - s['not_restorable'])} updated)")
        if summary.message and summary.message != "already rolled back":
            click.echo(f"crm-migrate: {summary.message}", err=True)
    else:
        click.echo(f"crm-migrate: rollback incomplete: {summary.message}", err=True)
    return summary.exit_code
