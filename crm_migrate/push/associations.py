"""Associate each written contact with the company row it names (v4 default, idempotent)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from crm_migrate.connectors.base import BatchRejected, TransientError, WriteResult
from crm_migrate.push.retry import RetryPolicy
from crm_migrate.push.sender import error_text

if TYPE_CHECKING:
    from crm_migrate.connectors.base import Connector
    from crm_migrate.push.journal import Journal

CHUNK = 100


async def _associate(connector: Connector, pairs: list[tuple[str, str]],
                     policy: RetryPolicy) -> list[WriteResult]:
    attempt = 0
    while True:
        attempt += 1
        try:
            return await connector.associate("contacts", "companies", pairs)
        except TransientError as exc:  # associating is idempotent: resend
            if policy.exhausted(attempt):
                raise
            await asyncio.sleep(policy.delay(attempt, exc.retry_after))


async def associate_contacts(journal: Journal, connector: Connector) -> None:
    """Associate written (or already up-to-date) contacts with their companies, written or
    already up to date; mark each pair done or failed."""
    rows = journal.conn.execute(
        "SELECT r.seq, r.target_id, c.target_id, c.state FROM rows r JOIN rows c "
        "ON c.seq = r.company_seq WHERE r.kind = 'record' AND r.state IN ('done', 'skipped') "
        "AND r.target_id IS NOT NULL AND r.assoc = 'pending' "
        "AND c.state IN ('done', 'failed', 'skipped')").fetchall()
    lost = [(seq, "failed", "its company could not be written") for seq, _, company, st in rows
            if st == "failed" or not company]
    if lost:
        journal.set_assoc([(s, st, None) for s, st, _ in lost])
    policy = RetryPolicy()
    pairs = [(seq, contact, company) for seq, contact, company, st in rows
             if st != "failed" and company]
    for start in range(0, len(pairs), CHUNK):
        chunk = pairs[start : start + CHUNK]
        try:
            results = await _associate(connector, [(a, b) for _, a, b in chunk], policy)
        except (BatchRejected, TransientError) as exc:
            journal.set_assoc([(seq, "failed", error_text(exc)) for seq, _, _ in chunk])
            continue
        by_index = {r.index: r for r in results}
        journal.set_assoc([
            (seq, "done" if by_index.get(i) and by_index[i].ok else "failed", None)
            for i, (seq, _, _) in enumerate(chunk)
        ])

