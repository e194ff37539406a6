"""Connectors: one Connector base, one module per target; `open_connector` opens one."""

from __future__ import annotations

from crm_migrate.connectors.registry import (
    TARGETS,
    check_target,
    check_url,
    open_connector,
    resolve_token,
    runs_embedded,
)

__all__ = ["TARGETS", "check_target", "check_url", "open_connector", "resolve_token",
           "runs_embedded"]
