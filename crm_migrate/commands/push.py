"""`push`, `resume`, `status`, `rollback`: the push engine from the command line.

Progress goes to stderr (a Rich bar on a terminal, plain lines otherwise); the
summary goes to stdout. Ctrl-C stops cleanly: in-flight batches finish, the run
is left interrupted and resumable, exit code 130. A dry run writes no journal.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from crm_migrate.actions import TARGETS
from crm_migrate.errors import SourceError

if TYPE_CHECKING:
    from crm_migrate.actions.progress import Progress
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


class _Printer:
    """Progress on stderr: a Rich bar on a terminal, a plain line every few seconds otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self._bar: Any = None
        self._task: Any = None
        self._last = 0.0

    def __call__(self, p: Progress) -> None:
        if self.tty:
            self._rich(p)
            return
        now = time.monotonic()
        if p.phase != "finished" and now - self._last < 2.0:
            return
        self._last = now
        eta = f", eta {p.eta_s:.0f}s" if p.eta_s is not None else ""
        click.echo(f"[{p.phase}] {p.done + p.failed}/{p.total} (created {p.created}, updated "
                   f"{p.updated}, failed {p.failed}, pending {p.pending}) "
                   f"{p.records_per_s:.0f} rec/s{eta}", err=True)

    def _rich(self, p: Progress) -> None:
        # deferred: rich loads only for a live bar on a terminal
        from rich.console import Console
        from rich.progress import BarColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as Bar

        if self._bar is None:
            self._bar = Bar(TextColumn("{task.description}"), BarColumn(),
                            TextColumn("{task.completed}/{task.total}"), TimeRemainingColumn(),
                            transient=True, console=Console(stderr=True))
            self._bar.start()
            self._task = self._bar.add_task("push", total=max(1, p.total or 0))
        self._bar.update(self._task, completed=p.done + p.failed + p.skipped,
                         description=f"{p.phase} {p.records_per_s:.0f} rec/s")
        if p.phase == "finished":
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def _print_summary(summary: RunSummary, journal: str | None) -> None:
    s = summary.status
    if s.get("state") == "dry_run":
        click.echo(f"dry run ({s['object']} -> {s['target']}): would create "
                   f"{s['would_create']}, update {s['would_update']}, skip {s['would_skip']}, "
                   f"fail {s['would_fail']}; companies to create {s['companies_to_create']}, "
                   f"matched {s['companies_matched']}. Nothing was written.")
        return
    click.echo(f"{s['state']}: {s['done']}/{s['total']} done (created {s['created']}, updated "
               f"{s['updated']}), failed {s['failed']}, skipped {s['skipped']}, "
               f"pending {s['pending']}")
    if summary.errors_file:
        click.echo(f"failed rows: {summary.errors_file} (and .xlsx)")
    if summary.message and s["state"] != "completed":
        click.echo(f"crm-migrate: {summary.message}", err=True)
    if s["state"] == "interrupted" and journal:
        click.echo(f"resume with: crm-migrate resume {journal}", err=True)


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
def push_cmd(files: tuple[str, ...], profile_path: str, target: str, url: str | None,
             region: str | None, journal_path: str, dry_run: bool, batch_size: int | None,
             max_failure_rate: float, concurrency: int | None, no_associations: bool) -> int:
    """Clean, then push in batches, recording every step in the journal."""
    for path in files:
        if not os.path.isfile(path):
            raise SourceError("no such file", file=path)

    # deferred: the push engine pulls in pandas, httpx and the core; `--help` needs none
    from crm_migrate.actions.profiles import load_profile
    from crm_migrate.actions.runs import dry_run as dry_run_action
    from crm_migrate.actions.runs import push

    profile = load_profile(profile_path)
    printer = _Printer()
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
                    associate=not no_associations, on_progress=printer, should_stop=stop.is_set)
        finally:
            printer.close()
    return _finish(summary, None if dry_run else journal_path, stop)


@click.command("resume")
@click.argument("journal_path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Carry on although the inputs or profile changed.")
def resume_cmd(journal_path: str, force: bool) -> int:
    """Carry on an interrupted push; nothing is sent twice, nothing is lost."""
    from crm_migrate.actions.runs import resume  # deferred: the push engine is slow to import

    printer = _Printer()
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
               f"{status['state']}")
    click.echo(f"  {status['done']}/{status['total']} done (created {status['created']}, "
               f"updated {status['updated']}), failed {status['failed']}, skipped "
               f"{status['skipped']}, pending {status['pending']}")
    if status.get("rolled_back"):
        click.echo(f"  rolled back: {status['rolled_back']}")
    if status.get("message") and status["state"] != "completed":
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
    if not yes and sys.stdin.isatty():
        click.confirm(f"Archive the {status['created']} records this run created and restore "
                      f"the {status['updated']} it updated in {status['target']}?", abort=True)
    printer = _Printer()
    try:
        summary = rollback(journal_path, on_progress=printer)
    finally:
        printer.close()
    s = summary.status
    if summary.exit_code == 0:
        click.echo(f"rolled back: {s['rolled_back']} records undone "
                   f"(archived {s['created']} created, restored {s['updated']} updated)")
    else:
        click.echo(f"crm-migrate: rollback incomplete: {summary.message}", err=True)
    return summary.exit_code
