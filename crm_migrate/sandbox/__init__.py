"""The sandbox CRM: a local HubSpot-CRM-v3-compatible HTTP server on SQLite."""

from __future__ import annotations

DEFAULT_TOKEN = "sandbox-token"

__all__ = ["DEFAULT_TOKEN"]
