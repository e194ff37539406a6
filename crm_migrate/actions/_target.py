"""The one place the use-case layer opens and closes a target's connector (and an embedded sandbox).

Every call into `crm_migrate.connectors` from `crm_migrate.actions` goes through here, so the
open/close sequence can be swapped for `connectors.open_connector` in one place.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crm_migrate.clean.matching import run_async
from crm_migrate.connectors import get_connector
from crm_migrate.push.embedded import target_url

if TYPE_CHECKING:
    from crm_migrate.connectors.base import Connector

__all__ = ["Opened", "connected", "opened"]


@dataclass(frozen=True)
class Opened:
    """An open connector and whether it talks to a sandbox run in-process for this call."""

    connector: Connector
    embedded: bool


@asynccontextmanager
async def connected(target: str, url: str | None, token: str | None = None) -> AsyncIterator[Opened]:
    """Start the embedded sandbox when the target needs one, open the connector, close both."""
    with target_url(target, url, not url) as (live_url, embedded):
        connector = get_connector(target, url=live_url, token=token)
        try:
            yield Opened(connector, embedded)
        finally:
            await connector.aclose()


@contextmanager
def opened(target: str, url: str | None, token: str | None = None) -> Iterator[Opened]:
    """`connected` for synchronous callers: the connector lives on the core's shared event loop."""
    with target_url(target, url, not url) as (live_url, embedded):
        connector = get_connector(target, url=live_url, token=token)
        try:
            yield Opened(connector, embedded)
        finally:
            run_async(connector.aclose())
