"""The targets, and the one place a connector (and the embedded sandbox) opens and closes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from importlib import import_module
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crm_migrate.connectors.base import Connector
from crm_migrate.errors import AuthError, TargetError
from crm_migrate.mapping.profile import TargetSettings
from crm_migrate.paths import ensure_dir, sandbox_db_path
from crm_migrate.sandbox import DEFAULT_TOKEN
from crm_migrate.sandbox.serve import SandboxServer
from crm_migrate.secrets import get_token

if TYPE_CHECKING:
    import httpx


TARGETS: tuple[str, ...] = ("sandbox", "hubspot", "salesforce", "pipedrive", "file")
SANDBOX_URL = "http://sandbox.local"  # the sandbox behind a given transport
# deferred: a connector module loads httpx (~0.1 s), so each is imported only when its target
# is opened, which keeps `crm-migrate --help` and the commands that never connect fast
_CLASSES = {
    "sandbox": "crm_migrate.connectors.hubspot:HubSpotConnector",
    "hubspot": "crm_migrate.connectors.hubspot:HubSpotConnector",
    "salesforce": "crm_migrate.connectors.salesforce:SalesforceConnector",
    "pipedrive": "crm_migrate.connectors.pipedrive:PipedriveConnector",
    "file": "crm_migrate.connectors.file:FileConnector",
}


def check_target(target: str | None) -> str:
    """The target's canonical name (trimmed, lower case); TargetError for an unknown one."""
    name = (target or "").strip().lower()
    if name not in TARGETS:
        raise TargetError(f"unknown target {target!r}: use one of {', '.join(TARGETS)}")
    return name


def check_url(target: str, url: str | None) -> str | None:
    """`url` when it can address `target` (http or https with a host and a valid port; a file
    target's url is a path and is not checked); TargetError (a usage error, exit 2) otherwise,
    so a typo is never taken for an outage."""
    if not url or check_target(target) == "file":
        return url
    text = url.strip()
    problem = None
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        parts, port, problem = None, None, str(exc)
    if parts is not None and problem is None:
        if parts.scheme not in ("http", "https"):
            problem = "it must start with http:// or https://"
        elif not parts.hostname:
            problem = "it names no host"
        elif any(c.isspace() for c in text):
            problem = "it contains spaces"
        elif port == 0:
            problem = "port 0 cannot be reached"
    if problem:
        raise TargetError(f"--url {url!r} is not a usable URL: {problem} "
                          "(e.g. http://127.0.0.1:8765)")
    return text


def runs_embedded(target: str, url: str | None, transport: object | None = None) -> bool:
    """Whether opening `target` starts an in-process sandbox (the sandbox without a URL)."""
    return check_target(target) == "sandbox" and not url and transport is None


def start_embedded_sandbox() -> SandboxServer:
    """A started SandboxServer on the default sandbox file (the caller stops it)."""
    db = sandbox_db_path()
    ensure_dir(db.parent, private=True)
    return SandboxServer(db).start()


@contextmanager
def embedded_sandbox() -> Iterator[SandboxServer]:
    """A SandboxServer on the default sandbox file for the life of the block."""
    server = start_embedded_sandbox()
    try:
        yield server
    finally:
        server.stop()


def resolve_token(target: str, token: str | None) -> str | None:
    """The token to open a checked target with: the given one, else the stored one (the
    sandbox's default when none is stored); AuthError for a CRM without any."""
    if target == "file":
        return token
    if target == "sandbox":
        return token if token is not None else get_token("sandbox") or DEFAULT_TOKEN
    token = token or get_token(target)
    if not token:
        raise AuthError(
            f"no credentials for {target}: run `crm-migrate auth set {target}` "
            "or set CRM_MIGRATE_TOKEN"
        )
    return token


def _build(
    name: str,
    url: str | None,
    token: str | None,
    transport: httpx.AsyncBaseTransport | None,
    options: dict[str, Any],
) -> Connector:
    """The connector for a checked target name at `url` (no embedded sandbox here)."""
    module_name, attr = _CLASSES[name].split(":")
    cls = getattr(import_module(module_name), attr)
    token = resolve_token(name, token)
    if name == "sandbox":
        url, options = url or SANDBOX_URL, {"target": "sandbox", **options}
    connector: Connector = cls(url=url, token=token, transport=transport, **options)
    return connector


def settings_options(target: str, settings: TargetSettings | None) -> dict[str, Any]:
    """The constructor options a profile's `target:` section gives `target`'s connector
    (Salesforce: api_version, bulk, bulk_threshold, field_map; Pipedrive: field_map)."""
    if settings is None:
        return {}
    options: dict[str, Any] = {}
    if target == "salesforce":
        if settings.api_version:
            options["api_version"] = settings.api_version
        if settings.bulk is not None:
            options["bulk"] = settings.bulk
        if settings.bulk_threshold is not None:
            options["bulk_threshold"] = settings.bulk_threshold
    if target == "salesforce" and settings.fields:
        options["field_map"] = {obj: dict(m) for obj, m in settings.fields.items()}
    if target == "pipedrive" and settings.fields:
        options["field_map"] = {
            obj: {k: v for k, v in m.items() if v} for obj, m in settings.fields.items()
        }
    return options


@asynccontextmanager
async def open_connector(
    target: str,
    *,
    url: str | None = None,
    token: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    settings: TargetSettings | None = None,
    **options: Any,
) -> AsyncIterator[Connector]:
    """A connector for `target` (one of TARGETS), closed on exit.

    `settings` (a profile's `target:` section) become constructor options for the targets
    that take them; explicit `options` win.

    The token defaults to the stored one (`crm-migrate auth set`, CRM_MIGRATE_TOKEN); the
    sandbox without a URL or transport runs embedded: an in-process SandboxServer on the
    default sandbox file, stopped on exit. `options` go to the connector's constructor.
    """
    name = check_target(target)
    url = check_url(name, url)
    options = {**settings_options(name, settings), **options}
    server = start_embedded_sandbox() if runs_embedded(name, url, transport) else None
    try:
        if server is not None:
            url, token = server.url, server.token
        connector = _build(name, url, token, transport, options)
        try:
            yield connector
        finally:
            await connector.aclose()
    finally:
        if server is not None:
            server.stop()
