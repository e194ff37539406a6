"""Undo a run: remove the associations it added between records that both existed before it,
archive what it created (with their associations), restore the before-image of what it
updated. Each step is journalled as it lands, so an interrupted rollback can be run again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING

from crm_migrate.connectors.base import BatchRejected, WriteResult
from crm_migrate.push.associations import with_retries
from crm_migrate.push.journal import AddedAssociation, Journal, JournalRow, RowKind
from crm_migrate.push.retry import RetryPolicy
from crm_migrate.push.sender import error_text

if TYPE_CHECKING:
    from crm_migrate.connectors.base import Connector

CHUNK = 100
ONE_WAY = "lifecyclestage"  # a property the target only moves forwards unless cleared first
ONE_WAY_TARGETS = ("hubspot", "sandbox")


async def _with_retries(call: Callable[[], Awaitable[list[WriteResult]]],
                        policy: RetryPolicy) -> list[WriteResult]:
    # archive and update by id are idempotent: just resend
    return await with_retries(call, policy)


class UndoWork:
    """A rollback's writes done and left, for its progress ETA: archiving a record, restoring
    one and removing an association are one write each, restoring one whose one-way field is
    cleared first two. Its records are what it shows, but they do not cost the same: counted
    in records, a stretch of two-write restores would make the archives after it look twice
    as long as they are."""

    def __init__(self) -> None:
        self.done = 0
        self.left = 0

    def __call__(self) -> tuple[float, float]:
        return float(self.done), float(self.left)

    def did(self, writes: int) -> None:
        self.done += writes
        self.left = max(0, self.left - writes)


def _clears_first(connector: Connector, before: dict[str, str] | None) -> bool:
    """Whether restoring this before-image clears its one-way field first (a second write)."""
    return bool((before or {}).get(ONE_WAY)) and connector.target in ONE_WAY_TARGETS


async def undo(journal: Journal, connector: Connector, object_name: str,
               on_batch: Callable[[], None] | None = None,
               work: UndoWork | None = None) -> list[str]:
    """Undo associations, records then companies; return the errors met (empty when all
    undone). `work` learns the writes this takes and counts them as they land."""
    policy = RetryPolicy()
    work = work or UndoWork()
    kinds = ((RowKind.RECORD, object_name), (RowKind.COMPANY, "companies"))
    pairs = journal.associations_to_remove()
    created = {kind: journal.to_archive(kind) for kind, _ in kinds}
    updated = {kind: journal.to_restore(kind) for kind, _ in kinds}
    work.left = len(pairs) + sum(len(rows) for rows in created.values()) + sum(
        len(rows) + sum(_clears_first(connector, r.before) for r in rows)
        for rows in updated.values())
    errors = await _dissociate(journal, connector, pairs, policy, on_batch, work)
    for kind, obj in kinds:
        rows = created[kind]
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            ids = [r.target_id for r in chunk if r.target_id]  # every written row has one
            await _with_retries(partial(connector.archive, obj, ids), policy)
            journal.mark_undone([r.seq for r in chunk])
            work.did(len(chunk))
            if on_batch:
                on_batch()
        rows = updated[kind]
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            errors += await _restore(journal, connector, obj, chunk, policy)
            work.did(len(chunk) + sum(_clears_first(connector, r.before) for r in chunk))
            if on_batch:
                on_batch()
    return errors


async def _dissociate(journal: Journal, connector: Connector, pairs: list[AddedAssociation],
                      policy: RetryPolicy, on_batch: Callable[[], None] | None,
                      work: UndoWork) -> list[str]:
    """Remove the contact-company associations this run added between records that both
    existed before it (assoc_undo = 1: the pre-run read found them not associated)."""
    if not pairs:
        return []
    if not connector.implements_dissociate:
        return [f"{pairs[0].source}: {connector.target} cannot remove the associations this run "
                f"added ({len(pairs)})"]
    errors: list[str] = []
    for start in range(0, len(pairs), CHUNK):
        chunk = pairs[start : start + CHUNK]
        ids = [(p.contact_id, p.company_id) for p in chunk]
        try:
            await with_retries(partial(connector.dissociate, "contacts", "companies", ids), policy)
        except BatchRejected as exc:
            errors += [f"{p.source}: its company association: {error_text(exc)}" for p in chunk]
            continue
        finally:
            work.did(len(chunk))
        journal.mark_assoc_removed([p.seq for p in chunk])
        if on_batch:
            on_batch()
    return errors


async def _restore(journal: Journal, connector: Connector, obj: str,
                   rows: list[JournalRow], policy: RetryPolicy) -> list[str]:
    items = [(r.remote_id, dict(r.before or {})) for r in rows]
    backwards = [(rid, {ONE_WAY: ""}) for rid, before in items if _clears_first(connector, before)]
    try:
        if backwards:
            # HubSpot refuses moving a lifecycle stage backwards unless it is cleared first:
            # clear it, then the restore below sets the earlier stage (two updates)
            await _with_retries(lambda: connector.update(obj, backwards), policy)
        results = await _with_retries(lambda: connector.update(obj, items), policy)
    except BatchRejected as exc:
        if len(rows) == 1:
            return [f"{rows[0].source}: {error_text(exc)}"]
        middle = len(rows) // 2
        return (await _restore(journal, connector, obj, rows[:middle], policy)
                + await _restore(journal, connector, obj, rows[middle:], policy))
    ok = [rows[r.index].seq for r in results if r.ok]
    journal.mark_undone(ok)
    return [f"{rows[r.index].source}: {r.error}" for r in results if not r.ok]
