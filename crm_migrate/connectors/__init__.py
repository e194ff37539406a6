"""Connectors: one small interface, one module per target; `get_connector` builds one."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from crm_migrate.errors import AuthError, TargetError

if TYPE_CHECKING:
    import httpx

    from crm_migrate.connectors.base import Connector

TARGETS = ("sandbox", "hubspot", "salesforce", "pipedrive", "file")
_CLASSES = {
    "salesforce": "crm_migrate.connectors.salesforce:SalesforceConnector",
    "pipedrive": "crm_migrate.connectors.pipedrive:PipedriveConnector",
    "file": "crm_migrate.connectors.file:FileConnector",
}


def _token_for(target: str) -> str | None:
    from crm_migrate.secrets import get_token

    return get_token(target)


def _embedded_sandbox() -> Connector:
    """A sandbox connector with its own in-process SandboxServer on the default sandbox file;
    the server stops when the connector is closed."""
    from crm_migrate.connectors.hubspot import HubSpotConnector
    from crm_migrate.paths import ensure_dir, sandbox_db_path
    from crm_migrate.sandbox.serve import SandboxServer

    db = sandbox_db_path()
    ensure_dir(db.parent, private=True)
    server = SandboxServer(db).start()
    connector = HubSpotConnector(url=server.url, token=server.token, target="sandbox")
    connector.owned_server = server
    return connector


def get_connector(
    target: str,
    *,
    url: str | None = None,
    token: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Connector:
    """A connector for `target` (sandbox|hubspot|salesforce|pipedrive|file).

    `sandbox` without a URL runs an embedded sandbox for the life of the connector.
    """
    name = (target or "").strip().lower()
    if name not in TARGETS:
        raise TargetError(f"unknown target {target!r}: use one of {', '.join(TARGETS)}")
    if name in ("sandbox", "hubspot"):
        from crm_migrate.connectors.hubspot import HubSpotConnector

        if name == "sandbox":
            from crm_migrate.sandbox import DEFAULT_TOKEN

            if not url and transport is None:
                return _embedded_sandbox()
            if token is None:
                token = _token_for("sandbox") or DEFAULT_TOKEN
            return HubSpotConnector(url=url or "http://sandbox.local", token=token,
                                    transport=transport, target="sandbox")
        token = token or _token_for("hubspot")
        if not token:
            raise AuthError(
                "no credentials for hubspot: run `crm-migrate auth set hubspot` "
                "or set CRM_MIGRATE_TOKEN"
            )
        return HubSpotConnector(url=url or "https://api.hubapi.com", token=token,
                                transport=transport, target="hubspot")
    module_name, attr = _CLASSES[name].split(":")
    cls = getattr(import_module(module_name), attr)
    if name != "file":
        token = token or _token_for(name)
        if not token:
            raise AuthError(
                f"no credentials for {name}: run `crm-migrate auth set {name}` "
                "or set CRM_MIGRATE_TOKEN"
            )
    connector: Connector = cls(url=url, token=token, transport=transport)
    return connector


__all__ = ["TARGETS", "get_connector"]
