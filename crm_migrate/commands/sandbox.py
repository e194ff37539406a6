"""`crm-migrate sandbox`: run the local HubSpot-compatible CRM until Ctrl-C or SIGTERM, as a plain
or customized portal; or (`--clone hubspot`) copy a real portal's setup into a new sandbox db."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Any

import click

from crm_migrate.actions import SANDBOX_TOKEN
from crm_migrate.errors import CrmMigrateError
from crm_migrate.paths import ensure_dir

DEFAULT_PORT = 8765


@click.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port (0 picks a free one).",
)
@click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite file (default: the sandbox db in the user data dir; a --portal other than "
    "plain: its own file beside it).",
)
@click.option("--token", default=SANDBOX_TOKEN, show_default=True, help="Bearer token to accept.")
@click.option(
    "--rate-limit",
    type=click.IntRange(1, None),
    default=None,
    help="Requests per rolling 10 s window (default: unlimited).",
)
@click.option(
    "--fail-rate",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Probability of an injected 500/502/503 per request.",
)
@click.option(
    "--latency-ms",
    type=click.IntRange(0, None),
    default=0,
    show_default=True,
    help="Delay added to every answer.",
)
@click.option("--seed", type=int, default=None, help="Seed of the fault injector.")
@click.option(
    "--search-lag-ms",
    type=click.IntRange(0, None),
    default=0,
    show_default=True,
    help="Search sees a new record only this long after its creation (as HubSpot's index).",
)
@click.option(
    "--portal",
    "portal",
    default=None,
    metavar="customized|plain|FILE.yaml",
    help="Play a customized portal (built-in 'customized', or a portal YAML file); 'plain' "
    "goes back to the uncustomized one. Kept in the db: a restart without --portal keeps it. "
    "Without --db a portal other than plain gets its own db beside the default one "
    "(sandbox-customized.sqlite3), so the default db stays plain.",
)
@click.option(
    "--token-scopes",
    "token_scopes",
    multiple=True,
    metavar="TOKEN=SCOPE[,SCOPE...]",
    help="Also accept TOKEN, holding only these scopes (403 MISSING_SCOPES otherwise); "
    "repeatable. --token holds every scope.",
)
@click.option(
    "--clone",
    "clone",
    type=click.Choice(["hubspot"]),
    default=None,
    help="Copy a HubSpot portal's properties, pipelines and owners into a new --db, then exit "
    "(read-only on the portal; token from the keyring or CRM_MIGRATE_TOKEN).",
)
@click.option("--url", default=None, help="With --clone: the portal's API base URL.")
@click.option(
    "--with-records",
    "with_records",
    type=click.IntRange(0, None),
    default=0,
    show_default=True,
    help="With --clone: also copy the keys and names of this many records per object.",
)
def sandbox_cmd(
    host: str,
    port: int,
    db: Path | None,
    token: str,
    rate_limit: int | None,
    fail_rate: float,
    latency_ms: int,
    seed: int | None,
    search_lag_ms: int,
    portal: str | None,
    token_scopes: tuple[str, ...],
    clone: str | None,
    url: str | None,
    with_records: int,
) -> int:
    """Run the local HubSpot-compatible sandbox CRM."""
    # deferred: the sandbox pulls in uvicorn and starlette, which `--help` does not need
    from crm_migrate.actions.sandbox import (
        PortalError,
        clone_portal,
        load_portal,
        parse_token_scopes,
        portal_db_path,
        start_sandbox,
    )

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")

    if clone is not None:
        if db is None:
            raise CrmMigrateError("--clone needs --db FILE: the new sandbox database to write")
        if portal is not None:
            raise CrmMigrateError("--clone and --portal do not go together: the clone is the portal")
        summary = clone_portal(db, target=clone, url=url, with_records=with_records)
        click.echo(summary.text())
        click.echo(f"Rehearse against it: crm-migrate sandbox --db {db}")
        return 0
    if url is not None or with_records:
        raise CrmMigrateError("--url and --with-records go with --clone")
    scopes = parse_token_scopes(token_scopes)
    chosen = load_portal(portal) if portal is not None else None  # PortalError: one line, exit 2

    db_path = db if db is not None else portal_db_path(chosen)
    if db_path.parent and not db_path.parent.exists():
        ensure_dir(db_path.parent)
    try:
        server = start_sandbox(db_path, host=host, port=port, token=token, rate_limit=rate_limit,
                               fail_rate=fail_rate, latency_ms=latency_ms, seed=seed,
                               search_lag_ms=search_lag_ms, portal=chosen, token_scopes=scopes)
    except PortalError:
        raise
    except OSError as exc:
        raise CrmMigrateError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
            "choose another port with --port (0 picks a free one)"
        ) from None
    except Exception as exc:  # a broken db file, for instance
        raise CrmMigrateError(f"cannot start the sandbox: {exc}", file=str(db_path)) from None
    click.echo(f"Sandbox CRM listening on {server.url} (token: {server.token})")
    click.echo(f"Database: {db_path}")
    click.echo(f"Portal: {server.portal_name}")
    click.echo("Press Ctrl-C to stop.")
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.stop()
    click.echo("Sandbox CRM stopped.")
    return 0
