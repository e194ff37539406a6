"""Send journal rows in batches: in-flight state first, retries with backoff, reconcile after a
possibly-committed failure, bisect a batch rejected as a whole, feed the circuit breaker."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_migrate.connectors.base import BatchRejected, TransientError, WriteResult
from crm_migrate.errors import AuthError, TargetError
from crm_migrate.identity import RUN_PROPERTY, key_field
from crm_migrate.push.breaker import CircuitBreaker
from crm_migrate.push.classify import decide
from crm_migrate.push.journal import (
    CREATE,
    UPDATE,
    Classification,
    Journal,
    JournalRow,
    RowKind,
    RowState,
    StopReason,
    Verb,
)
from crm_migrate.push.retry import RetryPolicy
from crm_migrate.secrets import redact

if TYPE_CHECKING:
    from crm_migrate.connectors.base import Connector, RemoteRecord

PAUSE_ENV = "CRM_MIGRATE_TEST_PAUSE_AT"
PAUSE_FILE_ENV = "CRM_MIGRATE_TEST_PAUSE_FILE"
CHUNK_ROWS = 20_000
# how a row classified as new is written to a target that creates exclusively (followed by
# ":<the unique property it carries>")
CREATE_KEYED = "create-keyed"


class StopRun(Exception):
    """The run must stop now (credentials refused, daily limit, circuit breaker)."""


def unavailable(exc: TransientError) -> bool:
    """A failure that says the target is out of reach (network, timeout, 429, 502/503/504)
    rather than that these records upset it (a 500 that persists may be data-triggered)."""
    return exc.status is None or exc.status in (429, 502, 503, 504)


def error_text(exc: BaseException) -> str:
    """A one-line redacted description."""
    return redact(" ".join(str(exc).split())) or type(exc).__name__


def pause_point(name: str, number: int | None = None) -> None:
    """Test hook, inert unless CRM_MIGRATE_TEST_PAUSE_AT names this point: touch the pause
    file, then sleep (blocking everything) so a test can kill -9 the process right here."""
    wanted = os.environ.get(PAUSE_ENV)
    if not wanted:
        return
    here = name if number is None else f"{name}:{number}"
    if wanted != here:
        return
    marker = os.environ.get(PAUSE_FILE_ENV)
    if marker:
        Path(marker).write_text(here)
    time.sleep(3600)


class Sender:
    """Writes one kind of row (records, or companies for associations) to one object."""

    def __init__(
        self,
        journal: Journal,
        connector: Connector,
        object_name: str,
        *,
        batch_size: int,
        concurrency: int,
        breaker: CircuitBreaker,
        policy: RetryPolicy | None = None,
        should_stop: Callable[[], bool] | None = None,
        on_batch: Callable[[], None] | None = None,
    ) -> None:
        self.journal = journal
        self.connector = connector
        self.object_name = object_name
        self.batch_size = max(1, min(batch_size, connector.max_batch))
        self.concurrency = max(1, concurrency)
        self.breaker = breaker
        self.policy = policy or RetryPolicy()
        self.should_stop = should_stop or (lambda: False)
        self.on_batch = on_batch or (lambda: None)
        self.stop_message: str | None = None
        self.stop_reason: StopReason | None = None
        self.auth_error: AuthError | None = None  # credentials refused mid-run: re-raised
        self._batch_no = 0
        # a target that refuses a create whose key exists: rows classified new are created
        # (never upserted), marked with the run id so a lost answer can be told apart
        self.exclusive = connector.implements_ensure_run_property
        meta = journal.meta()
        self.run_id = meta.run_id
        if meta.created_at and not connector.written_since:
            connector.written_since = meta.created_at  # key lookups see what the run wrote
        self._checked: set[int] = set()  # rows read by key after a rejected exclusive create

    def write_as(self, row: JournalRow) -> str:
        """How a row is written: update by target id (it exists), an exclusive create keyed by
        its unique property (new, on a target that refuses a taken key), else its op."""
        if row.existed and row.target_id:
            return str(UPDATE)
        op = row.op or CREATE
        if (self.exclusive and row.existed is False and op.verb is Verb.UPSERT
                and op.id_property and row.write_key):
            return f"{CREATE_KEYED}:{op.id_property}"
        return str(op)

    def creates_keyed(self, row: JournalRow) -> bool:
        """Whether the row is written by an exclusive create (see write_as)."""
        return self.write_as(row).startswith(CREATE_KEYED)

    def _next_batch_id(self) -> int:
        self._last_batch = max(getattr(self, "_last_batch", 0),
                               self.journal.last_batch()) + 1
        return self._last_batch

    def stopping(self) -> bool:
        return self.stop_message is not None or self.should_stop()

    # --- batching ---

    def batches(self, rows: list[JournalRow]) -> list[list[JournalRow]]:
        """Rows grouped by operation, at most batch_size, no key twice in a batch."""
        out: list[list[JournalRow]] = []
        groups: dict[str, list[JournalRow]] = {}
        for row in rows:
            groups.setdefault(self.write_as(row), []).append(row)
        for rows in groups.values():
            current: list[JournalRow] = []
            keys: set[str] = set()
            deferred: list[JournalRow] = []
            queue = rows
            while queue:
                for row in queue:
                    # an update is addressed by target id: two rows that matched one existing
                    # record (e.g. a company found by domain and by name) must not share a batch
                    if self.write_as(row) == str(UPDATE) and row.target_id:
                        key = f"id:{row.target_id}"
                    else:
                        key = (row.write_key or str(row.seq)).lower()
                    if key in keys:
                        deferred.append(row)
                        continue
                    current.append(row)
                    keys.add(key)
                    if len(current) >= self.batch_size:
                        out.append(current)
                        current, keys = [], set()
                if current:
                    out.append(current)
                current, keys = [], set()
                queue, deferred = deferred, []
        return out

    async def run(self, kind: RowKind) -> None:
        """Send every pending row of `kind` (read from the journal a chunk at a time, so memory
        stays flat on big runs); return early when stopping."""
        last_seq = 0
        while not self.stopping():
            rows = self.journal.rows(kind, RowState.PENDING, after=last_seq, limit=CHUNK_ROWS)
            if not rows:
                return
            last_seq = rows[-1].seq
            pending = self.batches(rows)
            pending.reverse()
            await asyncio.gather(*(self._worker(pending) for _ in range(self.concurrency)))
            if self.auth_error is not None:
                raise self.auth_error

    async def _worker(self, pending: list[list[JournalRow]]) -> None:
        while pending and not self.stopping():
            batch = pending.pop()
            try:
                await self.send(batch)
            except StopRun as exc:
                self._stop(str(exc), StopReason.TARGET)
            except AuthError as exc:  # the run stops as refused (exit 2), after the others
                self.auth_error = self.auth_error or exc
                self._stop(error_text(exc), StopReason.AUTH)
            except TargetError as exc:  # e.g. reads failing while reconciling
                self._stop(error_text(exc), StopReason.TARGET)  # rows stay in flight: resume
            self.on_batch()

    # --- one batch ---

    async def send(self, rows: list[JournalRow]) -> None:
        """Send one batch to a final answer for each row (or back to pending when stopping)."""
        self._batch_no += 1
        number = self._batch_no
        pause_point("before-batch", number)
        self.journal.mark_in_flight([r.seq for r in rows], self._next_batch_id())
        pause_point("in-flight", number)
        await self._deliver(rows, number)
        pause_point("after-batch", number)

    async def _deliver(self, rows: list[JournalRow], number: int) -> None:
        attempt = 0
        while rows:
            attempt += 1
            try:
                results = await self._write(rows)
            except BatchRejected as exc:
                await self._bisect(rows, exc, number)
                return
            except TransientError as exc:
                if exc.maybe_committed:
                    rows = await self.reconcile(rows)
                    if not rows:
                        return
                    ways = {self.write_as(r) for r in rows}
                    if len(ways) > 1:  # rows it adopted are updates now: one batch per way
                        for way in sorted(ways):
                            await self._deliver([r for r in rows if self.write_as(r) == way],
                                                number)
                        return
                if self.policy.exhausted(attempt):
                    if unavailable(exc):  # the target's fault, not the rows': keep them
                        self.journal.mark_pending([r.seq for r in rows])
                        raise StopRun(
                            f"the target did not answer after {attempt} attempts "
                            f"({error_text(exc)}); nothing is lost: the rows not yet written "
                            "stay pending, resume the run when the target is reachable") from None
                    self._fail([(r.seq, error_text(exc)) for r in rows])
                    return
                if self.stopping():
                    self.journal.mark_pending([r.seq for r in rows])
                    return
                await asyncio.sleep(self.policy.delay(attempt, exc.retry_after))
                continue
            except AuthError:  # 401/403 (a missing scope, a refused refresh): nothing was written
                self.journal.mark_pending([r.seq for r in rows])
                raise
            except TargetError as exc:
                self.journal.mark_pending([r.seq for r in rows])
                raise StopRun(error_text(exc)) from None
            pause_point("mid-batch", number)
            rows, taken = self._record(rows, results, final=self.policy.exhausted(attempt))
            if taken:  # created meanwhile by another writer: update it instead
                await self._deliver(await self._adopt(taken), number)
            if rows:
                await asyncio.sleep(self.policy.delay(attempt))

    async def _bisect(self, rows: list[JournalRow], exc: BatchRejected, number: int) -> None:
        if self.stopping():
            self.journal.mark_pending([r.seq for r in rows])
            return
        if len(rows) == 1 and exc.status == 409 and self.creates_keyed(rows[0]):
            await self._deliver(await self._adopt(rows), number)
            return
        if (self.creates_keyed(rows[0]) and exc.status in (400, 409)
                and not all(r.seq in self._checked for r in rows)):
            # a taken unique key may come back as 409 CONFLICT or as a 400 naming the property:
            # read the keys (batch read by the unique property, which is consistent, unlike
            # search) once, settle the rows whose record exists, send the others on
            self._checked.update(r.seq for r in rows)
            rest = await self.reconcile(rows)
            if len(rest) < len(rows):
                for way in sorted({self.write_as(r) for r in rest}):
                    await self._deliver([r for r in rest if self.write_as(r) == way], number)
                return
        if len(rows) == 1:
            self._fail([(rows[0].seq, error_text(exc))])
            return
        named = [rows[i] for i in exc.positions if 0 <= i < len(rows)]
        if named and len(named) < len(rows):
            self._fail([(r.seq, error_text(exc)) for r in named])
            rest = [r for r in rows if r not in named]
            await self._deliver(rest, number)
            return
        middle = len(rows) // 2
        await self._deliver(rows[:middle], number)
        await self._deliver(rows[middle:], number)

    async def _write(self, rows: list[JournalRow]) -> list[WriteResult]:
        op = rows[0].op or CREATE
        obj = self.object_name
        how = self.write_as(rows[0])
        if how == str(UPDATE):
            return await self.connector.update(obj, [(r.remote_id, r.payload) for r in rows])
        if how.startswith(CREATE_KEYED) and op.id_property:
            return await self.connector.create(obj, [
                {**r.payload, op.id_property: r.write_key or "", RUN_PROPERTY: self.run_id}
                for r in rows])
        if op.verb is Verb.UPSERT and op.id_property:
            id_property = op.id_property
            # an upsert always has its key (the plan and remap_id_property give it one)
            records = [{**r.payload, id_property: r.write_key or ""} for r in rows]
            return await self.connector.upsert(obj, id_property, records)
        if op == UPDATE:
            return await self.connector.update(obj, [(r.remote_id, r.payload) for r in rows])
        return await self.connector.create(obj, [dict(r.payload) for r in rows])

    def _record(
        self, rows: list[JournalRow], results: list[WriteResult], *, final: bool
    ) -> tuple[list[JournalRow], list[JournalRow]]:
        """Journal the answer; return the rows worth sending again, and the rows whose
        exclusive create found their key taken."""
        done: list[tuple[int, str | None, bool]] = []
        failed: list[tuple[int, str]] = []
        again: list[JournalRow] = []
        taken: list[JournalRow] = []
        by_index = {r.index: r for r in results}
        for i, row in enumerate(rows):
            result = by_index.get(i)
            if result is not None and result.conflict and self.creates_keyed(row):
                taken.append(row)
            elif result is not None and result.ok:
                created = not row.existed if row.existed is not None else bool(result.created)
                done.append((row.seq, result.id, created))
            elif result is not None and result.retryable and not final:
                again.append(row)
            else:
                failed.append((row.seq, (result.error if result else None) or "no answer"))
        if done:
            self.journal.mark_done(done)
            for _ in done:
                self.breaker.record(None)
        if failed:
            self._fail(failed)
        return again, taken

    async def _adopt(self, rows: list[JournalRow]) -> list[JournalRow]:
        """Rows classified new whose record exists now (another writer, or an overlapping run,
        created it): read it, journal its before-image, and return the rows to send as updates
        of it (rows it already matches are skipped; rows not found go back to pending)."""
        found = await self._read_keys(rows)
        adopted: list[Classification] = []
        updates: list[JournalRow] = []
        ours: list[tuple[int, str | None, bool]] = []
        for row in rows:
            remote = found.get(row.seq)
            if remote is None:
                continue
            if self.exclusive and remote.properties.get(RUN_PROPERTY) == self.run_id:
                # this run created it (an earlier attempt whose answer never came back):
                # created by us, never an update of "their" record
                ours.append((row.seq, remote.id, True))
                continue
            verdict = decide(row, remote)
            adopted.append(verdict)
            if not verdict.skip:
                updates.append(dataclasses.replace(row, existed=True, target_id=remote.id,
                                                   before=verdict.before))
        if adopted:
            self.journal.classify(adopted)
        if ours:
            self.journal.mark_done(ours)
            for _ in ours:
                self.breaker.record(None)
        lost = [r.seq for r in rows if r.seq not in found]
        if lost:
            self.journal.mark_pending(lost)
        return updates

    def _key_of(self, row: JournalRow) -> tuple[str, str] | None:
        """(property, value) a row's record is found by on the target, None when it has none."""
        natural = key_field(self.object_name)
        if row.op is not None and row.op.id_property and row.write_key:
            return row.op.id_property, row.write_key
        if row.op == CREATE and natural and row.key:  # a create that may have landed
            return f"={natural}", row.key
        return None

    async def _read_keys(self, rows: list[JournalRow]) -> dict[int, RemoteRecord]:
        """The target's record of each row (by its key), with the fields it writes and the
        run marker (on a target that creates exclusively); rows without a key or not found are
        absent."""
        groups: dict[str, list[tuple[JournalRow, str]]] = {}
        for row in rows:
            found_by = self._key_of(row)
            if found_by is not None:
                groups.setdefault(found_by[0], []).append((row, found_by[1]))
        out: dict[int, RemoteRecord] = {}
        for group_key, group in groups.items():
            id_property = group_key.lstrip("=")
            keys = [key for _, key in group]
            # the before-image fields and the run marker, on a target that has the marker
            fields = sorted({RUN_PROPERTY, *(f for row, _ in group for f in row.payload)}
                            ) if self.exclusive else None
            found: dict[str, Any] = {}
            for start in range(0, len(keys), 100):
                found.update(await self.connector.lookup(
                    self.object_name, id_property, keys[start : start + 100], fields))
            fold = id_property in ("email", "domain")
            found = {(k.lower() if fold else k): v for k, v in found.items()}
            for row, key in group:
                remote = found.get(key.lower() if fold else key)
                if remote is not None:
                    out[row.seq] = remote
        return out

    def _fail(self, failed: list[tuple[int, str]]) -> None:
        self.journal.mark_failed(failed)
        for _, message in failed:
            if self.breaker.record(message) and self.stop_message is None:
                self._stop(self.breaker.message(), StopReason.BREAKER)

    def _stop(self, message: str, reason: StopReason) -> None:
        if self.stop_message is None:
            self.stop_message, self.stop_reason = message, reason

    # --- reconcile ---

    async def reconcile(self, rows: list[JournalRow]) -> list[JournalRow]:
        """Read the target by key for rows whose write may have landed; mark those found done
        (created by us when they did not exist before, and, on a target that creates
        exclusively, carry this run's marker); return the rows still to send (a record another
        writer created meanwhile becomes an update of it, its before-image journalled)."""
        to_send = [r for r in rows if r.existed or self._key_of(r) is None]  # updates: resend
        keyed = [r for r in rows if not r.existed and self._key_of(r) is not None]
        found = await self._read_keys(keyed) if keyed else {}
        done: list[tuple[int, str | None, bool]] = []
        taken: list[JournalRow] = []
        for row in keyed:
            remote = found.get(row.seq)
            if remote is None or row.existed is None:
                to_send.append(row)
            elif not self.exclusive or remote.properties.get(RUN_PROPERTY) == self.run_id:
                done.append((row.seq, remote.id, True))
            else:
                taken.append(row)
        if done:
            self.journal.mark_done(done)
            for _ in done:
                self.breaker.record(None)
        if taken:
            to_send += await self._adopt(taken)
        return to_send
