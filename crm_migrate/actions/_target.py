"""How the use-case layer holds a target's connector open: async, or from a worker thread."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crm_migrate.clean.matching import run_async
from crm_migrate.connectors import check_target, open_connector, runs_embedded

if TYPE_CHECKING:
    from crm_migrate.connectors.base import Connector
    from crm_migrate.mapping.profile import TargetSettings

__all__ = ["Opened", "connected", "opened"]


@dataclass(frozen=True)
class Opened:
    """An open connector and whether it talks to a sandbox run in-process for this call."""

    connector: Connector
    embedded: bool


@asynccontextmanager
async def connected(target: str, url: str | None, token: str | None = None,
                    settings: TargetSettings | None = None) -> AsyncIterator[Opened]:
    """`connectors.open_connector`, with whether it started an embedded sandbox; `settings`:
    the profile's `target:` section."""
    embedded = runs_embedded(check_target(target), url)
    async with open_connector(target, url=url, token=token, settings=settings) as connector:
        yield Opened(connector, embedded)


@contextmanager
def opened(target: str, url: str | None, token: str | None = None,
           settings: TargetSettings | None = None) -> Iterator[Opened]:
    """`connected` for synchronous callers: the connector lives on the core's shared event loop
    (where matching runs its requests), entered and left there."""
    manager = connected(target, url, token, settings)
    link = run_async(manager.__aenter__())
    try:
        yield link
    except BaseException as exc:
        if not run_async(manager.__aexit__(type(exc), exc, exc.__traceback__)):
            raise
    else:
        run_async(manager.__aexit__(None, None, None))
