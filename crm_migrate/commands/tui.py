"""`crm-migrate tui [FILE...]` and `crm-migrate demo`: open the Textual wizard."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from crm_migrate.errors import CrmMigrateError

if TYPE_CHECKING:
    from crm_migrate.tui.app import CrmMigrateApp

DEMO_OBJECT = "contacts"
DATA_SUFFIXES = ("csv", "tsv", "txt", "xlsx", "xls", "ods", "vcf", "json", "ndjson")


@click.command("tui")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
def tui(files: tuple[str, ...]) -> int:
    """Open the interactive wizard, files preloaded if given."""
    # deferred: textual is slow to import, which `--help` does not need
    from crm_migrate.actions.files import check_input_files
    from crm_migrate.tui.app import CrmMigrateApp
    from crm_migrate.tui.state import WizardState

    check_input_files(list(files))
    state = WizardState()
    state.add_paths(list(files))
    CrmMigrateApp(state).run()
    return 0


def demo_files(folder: Path) -> tuple[list[str], list[str]]:
    """Every sample file, and the ones preselected for the demo (the contact files)."""
    files = sorted(str(p) for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower().lstrip(".") in DATA_SUFFIXES)
    skip = ("compan", "deal", "account", "organi")
    chosen = [f for f in files if not any(word in Path(f).name.lower() for word in skip)]
    return files, chosen


@click.command("demo")
def demo() -> int:
    """Open the wizard on the sample data against an embedded sandbox CRM."""
    app = demo_app()
    try:
        app.run()
    finally:
        app.sandbox.stop()
    return 0


def demo_app(folder: Path | None = None) -> CrmMigrateApp:
    """The demo wizard: every sample file listed, the contact files chosen, a sandbox started."""
    # deferred: textual and the sandbox are slow to import, which `--help` does not need
    from crm_migrate.actions.sandbox import start_demo_sandbox
    from crm_migrate.tui.app import CrmMigrateApp, sample_data_dir
    from crm_migrate.tui.state import WizardState

    folder = folder or sample_data_dir()
    if not folder.is_dir():
        raise CrmMigrateError("the sample_data folder is missing (run the demo from a source checkout)",
                              file=str(folder))
    files, chosen = demo_files(folder)
    if not files:
        raise CrmMigrateError("the sample_data folder has no data files", file=str(folder))
    server = start_demo_sandbox()  # stopped by `demo` when the app exits
    state = WizardState(object_name=DEMO_OBJECT, object_chosen=True, target="sandbox",
                        url=server.url, token=server.token, demo=True)
    state.add_paths(files, select=False)
    state.add_paths(chosen)
    return CrmMigrateApp(state, sandbox=server)
