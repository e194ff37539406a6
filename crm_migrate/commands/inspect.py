"""`crm-migrate inspect FILE [--sheet NAME] [--json]`: what was detected, and a profile per column."""

from __future__ import annotations

import json
from typing import Any

import click


def _print_rich(report: dict[str, Any]) -> None:
    """A readable summary and column table on stdout."""
    # deferred: rich loads only for the table (`--json` and `--help` do without it)
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    facts = [
        ("file", report["path"]),
        ("format", report["format"]),
        ("encoding", report["encoding"]),
        ("delimiter", repr(report["delimiter"]) if report["delimiter"] is not None else None),
        ("sheet", report["sheet"]),
        ("sheets", ", ".join(report["sheets"]) if report["sheets"] else None),
        ("header row", report["header_row"]),
        ("rows", report["rows"]),
    ]
    for key, value in facts:
        if value is not None:
            console.print(f"[bold]{key:>10}[/bold]  {value}", highlight=False, markup=True)
    table = Table(show_lines=False, header_style="bold")
    table.add_column("column", overflow="fold", min_width=14)
    table.add_column("filled", justify="right")
    table.add_column("unique", justify="right")
    table.add_column("sample", overflow="ellipsis", max_width=40)
    table.add_column("suggested field", overflow="fold", min_width=18)
    table.add_column("personal data", overflow="fold")
    for col in report["columns"]:
        if col.get("split_into"):
            suggested = "split: " + ", ".join(col["split_into"])
        elif col["suggested_field"]:
            suggested = col["suggested_field"]
        else:
            suggested = "-"
        if col["confidence"] is not None and suggested != "-":
            suggested += f" ({col['confidence']:.2f})"
        sample = " | ".join(s if len(s) <= 24 else s[:23] + "…" for s in col["sample"][:3])
        personal = col.get("personal_data") or ""
        if personal:
            personal += f" ({col['personal_kind'].replace('_', ' ')})"
        table.add_row(Text(col["name"]), str(col["non_empty"]), str(col["unique"]), Text(sample),
                      Text(suggested), Text(personal, style="bold red" if
                                            col.get("personal_data") == "sensitive" else ""))
    console.print(table)
    if report["issues"]:
        console.print(f"[bold yellow]{len(report['issues'])} issue(s):[/bold yellow]")
        for issue in report["issues"]:
            where = f"row {issue['row']}: " if issue["row"] is not None else ""
            column = f"column {issue['column']!r}: " if issue["column"] else ""
            console.print(f"  {where}{column}{issue['problem']}", highlight=False, markup=False)


@click.command(name="inspect")
@click.argument("file", type=click.Path(dir_okay=True, path_type=str))
@click.option("--sheet", default=None, help="Sheet to read (workbooks); default: the most table-like.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def inspect_cmd(file: str, sheet: str | None, as_json: bool) -> int:
    """Detect format, encoding, delimiter, sheet and header row; profile columns."""
    # deferred: reading a file pulls in pandas and the readers, which `--help` does not need
    from crm_migrate.actions.files import inspect_file

    report = inspect_file(file, sheet=sheet)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
    else:
        _print_rich(report)
    return 0
