"""Run the local sandbox CRM in this process (the `sandbox` command, the demo), and clone a real
portal's setup into a new sandbox database (`sandbox --clone hubspot`)."""

from __future__ import annotations

import asyncio
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_migrate.actions._target import connected
from crm_migrate.errors import CrmMigrateError, TargetError
from crm_migrate.identity import ID_PROPERTY
from crm_migrate.paths import ensure_dir, sandbox_db_path
from crm_migrate.sandbox import DEFAULT_TOKEN
from crm_migrate.sandbox.portal import Portal, PortalError, load_portal, parse_token_scopes
from crm_migrate.sandbox.serve import SandboxServer
from crm_migrate.sandbox.store import Store, Writer
from crm_migrate.schema import OBJECTS

__all__ = [
    "DEFAULT_TOKEN",
    "CloneSummary",
    "PortalError",
    "SandboxServer",
    "clone_portal",
    "load_portal",
    "parse_token_scopes",
    "portal_db_path",
    "start_demo_sandbox",
    "start_sandbox",
]

# what a clone copies of each existing record: its keys and names, for matching rehearsals
CLONED_RECORD_PROPERTIES = {
    "contacts": ["email", "firstname", "lastname", ID_PROPERTY],
    "companies": ["domain", "name", ID_PROPERTY],
    "deals": ["dealname", "pipeline", "dealstage", ID_PROPERTY],
}


def portal_db_path(portal: Portal | None) -> Path:
    """The sandbox database when no --db is given: the default one (which pushes to the embedded
    sandbox use) for the plain portal or no --portal, and a file of its own beside it for any
    other portal (`sandbox-customized.sqlite3`, `sandbox-<name>.sqlite3` for a portal file), so
    choosing a portal never turns the default database into a customized one behind the user's
    back."""
    default = sandbox_db_path()
    if portal is None or portal.name == "plain":
        return default
    slug = re.sub(r"[^a-z0-9_-]+", "-", portal.name.casefold()).strip("-") or "portal"
    return default.with_name(f"sandbox-{slug}{default.suffix}")


def start_sandbox(db_path: str | Path, *, host: str = "127.0.0.1", port: int = 0,
                  token: str = DEFAULT_TOKEN, rate_limit: int | None = None, fail_rate: float = 0.0,
                  latency_ms: int = 0, seed: int | None = None,
                  search_lag_ms: int = 0, portal: Portal | str | Path | None = None,
                  token_scopes: dict[str, list[str]] | None = None) -> SandboxServer:
    """Start a sandbox CRM on a SQLite file, serving in a thread; the caller stops it.

    `portal` (a Portal, "plain", "customized" or a YAML file) replaces the file's portal;
    None keeps it. PortalError (one line, exit 2) for a portal file that cannot be used.
    """
    if portal is not None and not isinstance(portal, Portal):
        portal = load_portal(portal)
    server = SandboxServer(db_path, host=host, port=port, token=token, rate_limit=rate_limit,
                           fail_rate=fail_rate, latency_ms=latency_ms, seed=seed,
                           search_lag_ms=search_lag_ms, portal=portal, token_scopes=token_scopes)
    server.start()
    return server


def start_demo_sandbox() -> SandboxServer:
    """The sandbox on the default database (the one embedded pushes and resumes use), any free port."""
    db = sandbox_db_path()
    ensure_dir(db.parent, private=True)
    return start_sandbox(db)


@dataclass(frozen=True)
class CloneSummary:
    """What a clone copied into the new sandbox database."""

    db_path: Path
    properties: dict[str, int]
    pipelines: int
    stages: int
    owners: int
    records: dict[str, int] = field(default_factory=dict)

    def text(self) -> str:
        props = ", ".join(f"{n} {obj}" for obj, n in self.properties.items())
        line = (f"Cloned into {self.db_path}: properties {props}; {self.pipelines} deal "
                f"pipelines ({self.stages} stages); {self.owners} owners")
        if self.records:
            line += "; records " + ", ".join(f"{n} {obj}" for obj, n in self.records.items())
        return line + "."


def clone_portal(db_path: str | Path, *, target: str = "hubspot", url: str | None = None,
                 token: str | None = None, with_records: int = 0) -> CloneSummary:
    """Copy a HubSpot portal's properties (with options), deal pipelines and owners, and
    optionally the keys and names of its first `with_records` records of each object, into a
    new sandbox database at db_path. Only reads the source; the token comes from the keyring
    or CRM_MIGRATE_TOKEN as for a push. Refuses a db_path that exists; leaves no file when
    the copy fails."""
    db = Path(db_path)
    if db.exists():
        raise CrmMigrateError("already exists; a clone goes into a new database file "
                              "(delete it or choose another --db)", file=str(db))
    if target not in ("hubspot", "sandbox"):
        raise TargetError(f"--clone {target}: only a HubSpot portal can be cloned (hubspot)")
    if with_records < 0:
        raise CrmMigrateError("--with-records must be 0 or more")
    portal, records = asyncio.run(_read_source(target, url, token, with_records))
    if db.parent and not db.parent.exists():
        ensure_dir(db.parent)
    try:
        store = Store(db, portal)
        try:
            for obj, rows in records.items():
                if rows:
                    store.write(functools.partial(_insert, obj, rows))
        finally:
            store.close()
    except BaseException:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        raise
    deals = portal.pipelines.get("deals") or []
    return CloneSummary(
        db_path=db,
        properties={obj: len(portal.properties.get(obj) or []) for obj in OBJECTS},
        pipelines=len(deals),
        stages=sum(len(p.get("stages") or []) for p in deals),
        owners=len(portal.owners),
        records={obj: len(rows) for obj, rows in records.items()} if with_records else {},
    )


def _insert(obj: str, rows: list[dict[str, str]], writer: Writer) -> None:
    writer.insert_many(obj, rows)


async def _read_source(target: str, url: str | None, token: str | None,
                       with_records: int) -> tuple[Portal, dict[str, list[dict[str, str]]]]:
    # deferred: the HubSpot connector module loads httpx; only a clone needs these reads
    from crm_migrate.connectors.hubspot import HubSpotConnector
    from crm_migrate.connectors.hubspot_portal import read_owners, read_pipelines, read_records

    async with connected(target, url, token) as link:
        connector = link.connector
        if not isinstance(connector, HubSpotConnector):  # pragma: no cover - targets checked
            raise TargetError(f"{target} is not a HubSpot portal")
        properties: dict[str, list[dict[str, Any]]] = {}
        for obj in OBJECTS:
            properties[obj] = await connector.read_schema(obj)
        pipelines = await read_pipelines(connector, "deals")
        owners = await read_owners(connector) + await read_owners(connector, archived=True)
        records: dict[str, list[dict[str, str]]] = {}
        if with_records:
            for obj in OBJECTS:
                names = {p.get("name") for p in properties[obj]}
                wanted = [p for p in CLONED_RECORD_PROPERTIES[obj] if p in names]
                records[obj] = await read_records(connector, obj, wanted, with_records)
    source = url or target
    portal = Portal(name=f"clone of {source}", properties=properties,
                    pipelines={"deals": pipelines} if pipelines else {}, owners=owners)
    return portal, records
