"""Undo a run: remove the associations it added between records that both existed before it,
archive what it created (with their associations), restore the before-image of what it
updated. Each step is journalled as it lands, so an interrupted rollback can be run again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from crm_migrate.connectors.base import BatchRejected, WriteResult
from crm_migrate.push.associations import with_retries
from crm_migrate.push.retry import RetryPolicy
from crm_migrate.push.sender import error_text

if TYPE_CHECKING:
    from crm_migrate.connectors.base import Connector
    from crm_migrate.push.journal import Journal

CHUNK = 100


async def _with_retries(call: Callable[[], Awaitable[list[WriteResult]]],
                        policy: RetryPolicy) -> list[WriteResult]:
    # archive and update by id are idempotent: just resend
    return await with_retries(call, policy)


async def undo(journal: Journal, connector: Connector, object_name: str,
               on_batch: Callable[[], None] | None = None) -> list[str]:
    """Undo associations, records then companies; return the errors met (empty when all
    undone)."""
    policy = RetryPolicy()
    errors = await _dissociate(journal, connector, policy, on_batch)
    for kind, obj in (("record", object_name), ("company", "companies")):
        created = journal.rows("kind = ? AND state = 'done' AND undone = 0 AND created = 1",
                               (kind,))
        for start in range(0, len(created), CHUNK):
            chunk = created[start : start + CHUNK]
            ids = [r["target_id"] for r in chunk]
            await _with_retries(partial(connector.archive, obj, ids), policy)
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


async def _dissociate(journal: Journal, connector: Connector, policy: RetryPolicy,
                      on_batch: Callable[[], None] | None) -> list[str]:
    """Remove the contact-company associations this run added between records that both
    existed before it (assoc_undo = 1: the pre-run read found them not associated)."""
    rows = journal.conn.execute(
        "SELECT r.seq, r.source, r.target_id, c.target_id FROM rows r JOIN rows c "
        "ON c.seq = r.company_seq WHERE r.kind = 'record' AND r.assoc_undo = 1 "
        "AND r.target_id IS NOT NULL AND c.target_id IS NOT NULL ORDER BY r.seq").fetchall()
    if not rows:
        return []
    if not connector.implements_dissociate:
        return [f"{rows[0][1]}: {connector.target} cannot remove the associations this run "
                f"added ({len(rows)})"]
    errors: list[str] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        pairs = [(contact, company) for _, _, contact, company in chunk]
        try:
            await with_retries(partial(connector.dissociate, "contacts", "companies", pairs), policy)
        except BatchRejected as exc:
            errors += [f"{source}: its company association: {error_text(exc)}"
                       for _, source, _, _ in chunk]
            continue
        journal.mark_assoc_removed([seq for seq, _, _, _ in chunk])
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
