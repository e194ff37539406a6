"""Test a target's connection and credentials, reading the object's live schema on the way."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from crm_migrate.actions._target import connected
from crm_migrate.schema import ObjectSchema

__all__ = ["ConnectionCheck", "check_connection"]


@dataclass(frozen=True)
class ConnectionCheck:
    """A connection that answered: a one-line text, the live schema (None for a file target)."""

    text: str
    schema: ObjectSchema | None = None


def check_connection(target: str, url: str | None, token: str | None, object_name: str,
                     schema: ObjectSchema) -> ConnectionCheck:
    """Call the connector's check() and read the object's live schema (`schema` is the one it replaces).

    Raises whatever the connector raises (the caller shows it as one line).
    """

    async def probe() -> ConnectionCheck:
        async with connected(target, url, token) as link:
            await link.connector.check()
            if target == "file":
                live = None
                count = ""
            else:
                live = await link.connector.read_live_schema(object_name)
                count = f"; {len(live.fields)} {object_name} fields"
                if live.pipelines and object_name == "deals":
                    count += f", {len(live.pipelines)} pipelines"
                if live.owners:
                    count += f", {len(live.owners)} owners"
            text = f"Connected to {target}{count}."
            if live is not None and live.notes:
                text += " " + "; ".join(live.notes) + "."
            if link.embedded:
                text += " (the built-in sandbox, run in-process)"
            return ConnectionCheck(text, live)

    return asyncio.run(probe())
