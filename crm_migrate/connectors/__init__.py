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


def get_connector(
    target: str,
    *,
    url: str | None = None,
    token: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Connector:
    """A connector for `target` (sandbox|hubspot|salesforce|pipedrive|file)."""
    name = (target or "").strip().lower()
    if name not in TARGETS:
        raise TargetError(f"unknown target {target!r}: use one of {', '.join(TARGETS)}")
    if name in ("sandbox", "hubspot"):
        from crm_migrate.connectors.hubspot import HubSpotConnector

        if name == "sandbox":
            from crm_migrate.sandbox import DEFAULT_TOKEN

            if token is None:
                token = _token_for("sandbox") or DEFAULT_TOKEN
            if not url:
                raise TargetError("the sandbox target needs --url (or run it embedded)")
            return HubSpotConnector(url=url, token=token, transport=transport, target="sandbox")
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
