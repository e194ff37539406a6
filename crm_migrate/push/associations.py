"""Associate each written contact with the company row it names (v4 default, idempotent).

When the contact and the company both existed before the run, rollback cannot count on
archiving to take the association away, so the contacts' current company associations are
read first and what was found is journalled BEFORE any associate request goes out: a pair
already associated is `existed` (never sent, never undone); a pair that was not gets
assoc_undo = 1, so rollback removes it whether or not the run lived to journal its answer.
A resume never reads such a pair again (by then it may hold this run's association).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from crm_migrate.clean.matching import budget_pacer
from crm_migrate.connectors.base import BatchRejected, TransientError
from crm_migrate.progress import ProgressMeter
from crm_migrate.push.journal import AssocState, AssocUndo, Journal, RowState
from crm_migrate.push.retry import RetryPolicy
from crm_migrate.push.sender import StopRun, error_text, pause_point, unavailable

if TYPE_CHECKING:
    from crm_migrate.connectors.base import Connector

CHUNK = 100
READ_CHUNK = 1000
T = TypeVar("T")


class Pair(NamedTuple):
    """A contact row and the company it is to be associated with, by target ids."""

    seq: int
    contact: str
    company: str
    both_existed: bool
    undo: AssocUndo | None


async def with_retries(call: Callable[[], Awaitable[T]], policy: RetryPolicy) -> T:
    """Run an idempotent call, resending after transient failures until the policy gives up."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return await call()
        except TransientError as exc:
            if policy.exhausted(attempt):
                raise
            await asyncio.sleep(policy.delay(attempt, exc.retry_after))


async def associate_contacts(journal: Journal, connector: Connector,
                             meter: ProgressMeter | None = None) -> None:
    """Associate written (or already up-to-date) contacts with their companies, written or
    already up to date; mark each pair done, failed or existed (already associated).
    `meter` hears "reading associations" and "associations", in pairs, a request at a time."""
    meter = meter or ProgressMeter(None)
    meter.phase("associations", unit="pairs")
    candidates = journal.pending_associations()
    lost = [c.seq for c in candidates
            if c.company_state is RowState.FAILED or not c.company_id]
    if lost:
        journal.set_assoc([(s, AssocState.FAILED, None) for s in lost])
    policy = RetryPolicy()
    pairs = [Pair(c.seq, c.contact_id, c.company_id, c.both_existed, c.undo)
             for c in candidates if c.company_state is not RowState.FAILED and c.company_id]
    settled = await _read_existing(journal, connector, pairs, policy, meter)
    pairs = [p for p in pairs if p.seq not in settled]
    meter.phase("associations", len(pairs), unit="pairs", pacer=budget_pacer(connector, CHUNK))
    for number, start in enumerate(range(0, len(pairs), CHUNK), start=1):
        chunk = pairs[start : start + CHUNK]
        meter.update(start)
        try:
            results = await with_retries(partial(
                connector.associate, "contacts", "companies",
                [(p.contact, p.company) for p in chunk]), policy)
        except (BatchRejected, TransientError) as exc:
            _stop_if_unavailable(exc)
            journal.set_assoc([(p.seq, AssocState.FAILED, error_text(exc)) for p in chunk])
            continue
        pause_point("assoc-sent", number)
        by_index = {r.index: r for r in results}
        journal.set_assoc([
            (p.seq, AssocState.DONE if by_index.get(i) and by_index[i].ok else AssocState.FAILED,
             None)
            for i, p in enumerate(chunk)
        ])
    meter.update(len(pairs))


async def _read_existing(journal: Journal, connector: Connector, pairs: list[Pair],
                         policy: RetryPolicy, meter: ProgressMeter) -> set[int]:
    """Read the current company associations of contacts whose pair both existed before the
    run and was not read yet; journal the answer; return the rows it settled (no request)."""
    wanted = [p for p in pairs if p.both_existed and p.undo is None]
    if not connector.implements_read_associations or not wanted:
        return set()
    settled: set[int] = set()
    meter.phase("reading associations", len(wanted), unit="pairs",
                pacer=budget_pacer(connector, READ_CHUNK))
    for start in range(0, len(wanted), READ_CHUNK):
        meter.update(start)
        chunk = wanted[start : start + READ_CHUNK]
        contacts = sorted({p.contact for p in chunk})
        try:
            found = await with_retries(partial(connector.read_associations, "contacts", "companies", contacts), policy)
        except (BatchRejected, TransientError) as exc:
            _stop_if_unavailable(exc)
            message = f"could not read its company associations: {error_text(exc)}"
            journal.record_assoc_read([], [], [(p.seq, message) for p in chunk])
            settled.update(p.seq for p in chunk)
            continue
        present = [p.seq for p in chunk if p.company in found.get(p.contact, ())]
        absent = [p.seq for p in chunk if p.contact in found and p.company not in found[p.contact]]
        unread = [(p.seq, "the target did not say which companies the contact is associated "
                   "with") for p in chunk if p.contact not in found]
        journal.record_assoc_read(present, absent, unread)
        settled.update(present)
        settled.update(s for s, _ in unread)
    pause_point("assoc-read")
    return settled


def _stop_if_unavailable(exc: Exception) -> None:
    """The target out of reach after every retry: stop the run with the pairs still pending
    (a resume carries on; nothing about them is lost) rather than fail them."""
    if isinstance(exc, TransientError) and unavailable(exc):
        raise StopRun(f"the target did not answer while associating contacts with companies "
                      f"({error_text(exc)}); resume the run when it is reachable") from None
