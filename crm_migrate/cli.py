"""Command-line entry point: a click group whose commands live in crm_migrate.commands.*.

Commands are imported lazily so `--help` and `status` start fast. Every
CrmMigrateError becomes one line on stderr and exit code 2; nothing prints a
traceback at the user.
"""

from __future__ import annotations

import os
import shlex
import sys
from importlib import import_module
from typing import Any

import click

from crm_migrate import __version__
from crm_migrate.errors import CrmMigrateError
from crm_migrate.secrets import redact

# command name -> "module:attribute" (a click.Command)
COMMANDS: dict[str, str] = {
    "tui": "crm_migrate.commands.tui:tui",
    "demo": "crm_migrate.commands.tui:demo",
    "inspect": "crm_migrate.commands.inspect:inspect_cmd",
    "plan": "crm_migrate.commands.plan:plan_cmd",
    "clean": "crm_migrate.commands.clean:clean_cmd",
    "push": "crm_migrate.commands.push:push_cmd",
    "resume": "crm_migrate.commands.push:resume_cmd",
    "status": "crm_migrate.commands.push:status_cmd",
    "rollback": "crm_migrate.commands.push:rollback_cmd",
    "runs": "crm_migrate.commands.audit:runs_cmd",
    "purge": "crm_migrate.commands.audit:purge_cmd",
    "sandbox": "crm_migrate.commands.sandbox:sandbox_cmd",
    "auth": "crm_migrate.commands.auth:auth_group",
}

HELP_SUMMARIES: dict[str, str] = {
    "tui": "Open the interactive wizard, files preloaded if given.",
    "demo": "Open the wizard on the sample data against an embedded sandbox CRM.",
    "inspect": "Detect a file's format, encoding, delimiter, sheet and header row; profile columns.",
    "plan": "Write a mapping profile from the suggested column mappings.",
    "clean": "Map, normalise, validate and deduplicate; write cleaned rows and a report.",
    "push": "Clean, then push in batches to a CRM, recording every step in a journal.",
    "resume": "Carry on an interrupted push; nothing is sent twice, nothing is lost.",
    "status": "Show the progress of a run.",
    "rollback": "Undo a run: archive what it created, restore what it updated.",
    "runs": "List every run on this machine (the audit trail); --export writes a CSV.",
    "purge": "Remove a run's personal data from its journal, error files and outputs.",
    "sandbox": "Run the local HubSpot-compatible sandbox CRM.",
    "auth": "Store, show or delete a target's credentials in the OS keyring.",
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        module = import_module(module_name)
        command: click.Command = getattr(module, attr)
        return command

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None,
                                                                             list[str]]:
        name = args[0] if args else ""
        if name and name not in COMMANDS and ("." in name or "/" in name or os.sep in name):
            # `crm-migrate contacts.csv`: a file where a command goes; say which commands take files
            quoted = shlex.quote(name)
            raise click.UsageError(f"No such command '{name}'. To open it in the wizard: crm-migrate tui "
                                   f"{quoted}; to look at it: crm-migrate inspect {quoted}")
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, HELP_SUMMARIES.get(name, "")) for name in COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, invoke_without_command=True)
@click.version_option(__version__, prog_name="crm-migrate")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Move customer records out of spreadsheets and legacy exports into a CRM.

    With no command, crm-migrate opens the interactive wizard (as the tui command does).
    """
    if ctx.invoked_subcommand is None:
        command = cli.get_command(ctx, "tui")
        assert command is not None
        ctx.invoke(command)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; map errors to exit codes in one place."""
    code = run(argv)
    sys.exit(code)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (0 ok, 1 some rows failed, 2 usage/input error)."""
    try:
        result: Any = cli.main(args=argv, prog_name="crm-migrate", standalone_mode=False)
    except CrmMigrateError as exc:
        _err(f"crm-migrate: {exc.one_line()}")
        return exc.exit_code
    except click.exceptions.Abort:
        _err("crm-migrate: aborted")
        return 130
    except click.ClickException as exc:
        _err(f"crm-migrate: {' '.join(exc.format_message().split())}")
        return 2
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except KeyboardInterrupt:
        _err("crm-migrate: interrupted")
        return 130
    except BrokenPipeError:
        return 0
    if isinstance(result, int):
        return result
    return 0


def _err(text: str) -> None:
    click.echo(redact(text), err=True)  # no token ever reaches the terminal
