"""One module per CLI command family; each parses options, calls crm_migrate.actions, prints, returns an exit code."""

from __future__ import annotations

import click


def echo_note(text: str) -> None:
    """A note on stderr that does not stop the command (e.g. a live schema that was not read)."""
    click.echo(f"crm-migrate: note: {text}", err=True)
