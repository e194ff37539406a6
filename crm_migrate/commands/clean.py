"""`crm-migrate clean FILE... --profile P [--region CC] --out OUT [--report R] [--target T --url URL]`."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from crm_migrate.actions import TARGETS
from crm_migrate.actions.progress import plural
from crm_migrate.commands import echo_note
from crm_migrate.commands.progress import ProgressPrinter
from crm_migrate.errors import CrmMigrateError
from crm_migrate.output import write_report, write_table

if TYPE_CHECKING:
    from crm_migrate.model import CleanResult

MATCH_TARGETS = tuple(t for t in TARGETS if t != "file")  # a file has no records to match


def summary_lines(result: CleanResult, out: str, report: str | None) -> list[str]:
    """A short human summary: rows in/out, invalid values, duplicate groups, top issues."""
    lines = [f"{result.rows_in:,} rows in, {result.rows_out:,} rows out ({result.object}) -> {out}"]
    if result.invalid:
        shown = ", ".join(f"{k} {v:,}" for k, v in sorted(result.invalid.items(), key=lambda kv: -kv[1]))
        lines.append(f"invalid values blanked: {shown}")
    if result.duplicate_groups:
        merged = sum(len(g) for g in result.duplicate_groups)
        lines.append(f"duplicates: {plural(len(result.duplicate_groups), 'group')} ({merged:,} rows "
                     f"merged into {len(result.duplicate_groups):,})")
    if result.near_matches:
        lines.append(f"near matches to review: {len(result.near_matches):,}")
    actions = Counter(r.action for r in result.records)
    if result.records and any(r.target_id for r in result.records):
        lines.append("against the target: " + ", ".join(f"{k} {v:,}" for k, v in sorted(actions.items())))
    if result.issues:
        kinds = Counter(_issue_kind(i.field, i.problem) for i in result.issues)
        lines.append(f"issues: {len(result.issues):,}" + (f" (details in {report})" if report else
                                                         " (use --report FILE for the details)"))
        for (field, problem), count in kinds.most_common(6):
            lines.append(f"  {count:>7,}  {field or '-'}: {problem}")
    else:
        lines.append("no issues")
    return lines


def _issue_kind(field: str | None, problem: str) -> tuple[str | None, str]:
    """Group problems that differ only in the value they quote."""
    text = problem.split("; kept the first")[0].split(": now ")[0].split(": cut to ")[0]
    text = text.split("approximate number: kept")[0] or "approximate number"
    if text.startswith("repaired a malformed address"):
        text = "repaired a malformed address"
    if "' is not an option of" in text or '" is not an option of' in text:
        text = "not an option of " + text.split(" is not an option of ", 1)[1].split(" (")[0]
    if text.startswith("duplicates disagree"):
        text = "duplicates disagree"
    return field, text


@click.command("clean")
@click.argument("files", nargs=-1, required=True)
@click.option("--profile", "profile_path", required=True, help="Mapping profile (YAML or JSON).")
@click.option("--region", default=None, help="Default country (ISO code) for phone numbers; "
              "overrides the profile's default_region.")
@click.option("--out", "out", required=True, help="Cleaned file to write (.csv or .xlsx).")
@click.option("--report", "report", default=None, help="JSON report to write (issues, duplicates...).")
@click.option("--target", type=click.Choice(MATCH_TARGETS), default=None,
              help="Look records up on this target: each row becomes create, update or skip.")
@click.option("--url", default=None, help="Base URL of the target (sandbox or a test server).")
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
def clean_cmd(files: tuple[str, ...], profile_path: str, region: str | None, out: str,
              report: str | None, target: str | None, url: str | None, quiet: bool) -> int:
    """Map, normalise, validate and deduplicate; write the cleaned rows and a report."""
    # deferred: cleaning pulls in pandas and the core, which `--help` does not need
    from crm_migrate.actions.cleaning import clean_files

    if Path(out).suffix.lower() not in (".csv", ".xlsx"):
        raise CrmMigrateError("--out must end in .csv or .xlsx", file=out)
    printer = ProgressPrinter(enabled=not quiet)
    try:
        cleaned = clean_files(list(files), profile_path, region=region, target=target, url=url,
                              on_note=echo_note, on_progress=printer)
    finally:
        printer.close()
    result = cleaned.result
    write_table(result.frame, out)
    if report:
        write_report(_report(result, files, profile_path), report)
    if not quiet:
        for line in summary_lines(result, out, report):
            click.echo(line)
    return 0


def _report(result: CleanResult, files: tuple[str, ...], profile_path: str) -> dict[str, Any]:
    data = result.report()
    data["files"] = list(files)
    data["profile"] = profile_path
    return data
