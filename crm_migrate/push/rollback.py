"""Undo a run: archive what it created, restore the before-image of what it updated."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from crm_migrate.connectors.base import BatchRejected, TransientError, WriteResult
from crm_migrate.push.retry import RetryPolicy
from crm_migrate.push.sender import error_text

if TYPE_CHECKING:
    from crm_migrate.connectors.base import Connector
    from crm_migrate.push.journal import Journal

CHUNK = 100


async def _with_retries(call: Callable[[], Awaitable[list[WriteResult]]],
                        policy: RetryPolicy) -> list[WriteResult]:
    attempt = 0
    while True:
        attempt += 1
        try:
            return await call()
        except TransientError as exc:  # archive and update by id are idempotent: just resend
            if policy.exhausted(attempt):
                raise
            await asyncio.sleep(policy.delay(attempt, exc.retry_after))


async def undo(journal: Journal, connector: Connector, object_name: str,
               on_batch: Callable[[], None] | None = None) -> list[str]:
    """Undo records then companies; return the errors met (empty when all undone)."""
    errors: list[str] = []
    policy = RetryPolicy()
    for kind, obj in (("record", object_name), ("company", "companies")):
        created = journal.rows("kind = ? AND state = 'done' AND undone = 0 AND created = 1",
                               (kind,))
        for start in range(0, len(created), CHUNK):
            chunk = created[start : start + CHUNK]
            ids = [r["target_id"] for r in chunk]
            await _with_retries(lambda ids=ids, obj=obj: connector.archive(obj, ids), policy)
            journal.mark_undone([r["seq"] for r in chunk])
            if on_batch:
                on_batch()
        updated = journal.rows("kind = ? AND state = 'done' AND undone = 0 AND created = 0 "
                               "AND before IS NOT NULL", (kind,))
        for start in range(0, len(updated), CHUNK):
            chunk = updated[start : start + CHUNK]
            errors += await _restore(journal, connector, obj, chunk, policy)
            if on_batch:
                on_batch()
    return errors


async def _restore(journal: Journal, connector: Connector, obj: str,
                   rows: list[dict[str, Any]], policy: RetryPolicy) -> list[str]:
    items = [(r["target_id"], {k: v for k, v in r["before"].items()}) for r in rows]
    try:
        results = await _with_retries(lambda: connector.update(obj, items), policy)
    except BatchRejected as exc:
        if len(rows) == 1:
            return [f"{rows[0]['source']}: {error_text(exc)}"]
        middle = len(rows) // 2
        return (await _restore(journal, connector, obj, rows[:middle], policy)
                + await _restore(journal, connector, obj, rows[middle:], policy))
    ok = [rows[r.index]["seq"] for r in results if r.ok]
    journal.mark_undone(ok)
    return [f"{rows[r.index]['source']}: {r.error}" for r in results if not r.ok]
