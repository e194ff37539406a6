"""`crm-migrate clean FILE... --profile P [--region CC] --out OUT [--report R] [--target T --url URL]`."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from crm_migrate.connectors.base import Connector
    from crm_migrate.model import CleanResult

TARGETS = ("sandbox", "hubspot", "salesforce", "pipedrive")


def _check_region(region: str | None) -> str | None:
    if region is None:
        return None
    import phonenumbers

    from crm_migrate.errors import CrmMigrateError

    if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise CrmMigrateError(f"--region {region!r} is not a country code (e.g. US, DE, GB)")
    return region.upper()


def make_connector(target: str, url: str | None) -> Connector:
    """The target's connector (crm_migrate.connectors.get_connector)."""
    from crm_migrate.errors import CrmMigrateError

    try:
        from crm_migrate.connectors import get_connector  # type: ignore[attr-defined]
    except ImportError:
        raise CrmMigrateError(f"matching against {target} is not available in this build") from None
    connector: Connector = get_connector(target, url=url)
    return connector


def summary_lines(result: CleanResult, out: str, report: str | None) -> list[str]:
    """A short human summary: rows in/out, invalid values, duplicate groups, top issues."""
    lines = [f"{result.rows_in} rows in, {result.rows_out} rows out ({result.object}) -> {out}"]
    if result.invalid:
        shown = ", ".join(f"{k} {v}" for k, v in sorted(result.invalid.items(), key=lambda kv: -kv[1]))
        lines.append(f"invalid values blanked: {shown}")
    if result.duplicate_groups:
        merged = sum(len(g) for g in result.duplicate_groups)
        lines.append(f"duplicates: {len(result.duplicate_groups)} groups ({merged} rows merged into "
                     f"{len(result.duplicate_groups)})")
    if result.near_matches:
        lines.append(f"near matches to review: {len(result.near_matches)}")
    actions = Counter(r.action for r in result.records)
    if result.records and any(r.target_id for r in result.records):
        lines.append("against the target: " + ", ".join(f"{k} {v}" for k, v in sorted(actions.items())))
    if result.issues:
        kinds = Counter(_issue_kind(i.field, i.problem) for i in result.issues)
        lines.append(f"issues: {len(result.issues)}" + (f" (details in {report})" if report else
                                                         " (use --report FILE for the details)"))
        for (field, problem), count in kinds.most_common(6):
            lines.append(f"  {count:>6}  {field or '-'}: {problem}")
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
@click.option("--target", type=click.Choice(TARGETS), default=None,
              help="Look records up on this target: each row becomes create, update or skip.")
@click.option("--url", default=None, help="Base URL of the target (sandbox or a test server).")
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
def clean_cmd(files: tuple[str, ...], profile_path: str, region: str | None, out: str,
              report: str | None, target: str | None, url: str | None, quiet: bool) -> int:
    """Map, normalise, validate and deduplicate; write the cleaned rows and a report."""
    from pathlib import Path

    from crm_migrate.errors import CrmMigrateError
    from crm_migrate.mapping.profile import load_profile
    from crm_migrate.mapping.validate import validate_profile
    from crm_migrate.output import write_report, write_table
    from crm_migrate.schema import builtin_schema
    from crm_migrate.sources import load_many

    if Path(out).suffix.lower() not in (".csv", ".xlsx"):
        raise CrmMigrateError("--out must end in .csv or .xlsx", file=out)
    region = _check_region(region)
    profile = load_profile(profile_path)
    tables = load_many(list(files), profile.sources)
    schema = builtin_schema(profile.object)
    connector = None
    if target or url:
        from crm_migrate.commands.plan import live_schema

        schema = live_schema(target or "sandbox", profile.object, url, required=True) or schema
        connector = make_connector(target or "sandbox", url)
    validate_profile(profile, schema, column_sets=[t.columns for t in tables], file=profile_path)
    try:
        from crm_migrate.clean.pipeline import clean_tables

        result = clean_tables(tables, profile, region=region or profile.default_region,
                              schema=schema, connector=connector)
    finally:
        if connector is not None:
            from crm_migrate.clean.matching import run_async

            run_async(connector.aclose())
    _add_source_issues(result, tables)
    write_table(result.frame, out)
    if report:
        write_report(_report(result, files, profile_path), report)
    if not quiet:
        for line in summary_lines(result, out, report):
            click.echo(line)
    return 0


def _add_source_issues(result: CleanResult, tables: list[Any]) -> None:
    from crm_migrate.model import CleanIssue

    multi = len(tables) > 1
    found = []
    for table in tables:
        for issue in table.issues:
            row = issue.row if issue.row is None or not multi else f"{table.label}:{issue.row}"
            found.append(CleanIssue(row, issue.column, None, issue.value,
                                    f"{table.label}: {issue.problem}" if multi else issue.problem))
    result.issues[:0] = found


def _report(result: CleanResult, files: tuple[str, ...], profile_path: str) -> dict[str, Any]:
    data = result.report()
    data["files"] = list(files)
    data["profile"] = profile_path
    return data
