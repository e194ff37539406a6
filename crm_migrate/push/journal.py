"""The journal: one SQLite file per run (WAL, synchronous=FULL, mode 0600).

Contract. `meta` holds the run (run_id, target, url, embedded, object, profile
JSON, input paths + sha256, profile hash, batch size, created_at, owner pid and
host, state, message). `rows` holds one entry per record to write, in order:

- kind: `company` (a company a contacts run finds or creates first, for
  associations) or `record` (a row of the run's own object).
- state: pending -> in_flight (batch id written and committed BEFORE the batch is
  sent) -> done | failed | skipped; after rollback, `undone` = 1.
- existed/target_id/before: how the record was classified against the target
  before its first write (existed 1 = an update, `before` = the previous values
  of the fields we write, so rollback can restore them; existed 0 = we create it).
- created: 1 when this run created the record (rollback archives it).
- assoc: pending|done|failed for a contact's association with its company row; `existed`
  when both records existed before the run and were already associated (never sent, never
  undone). `done` counts only the pairs this run added.
- assoc_undo: 1 when both records existed before the run and a read of the target, journalled
  before any associate request went out, found them not associated: whatever association
  the pair now has is this run's, so rollback removes it; 2 once rollback has. NULL: rollback
  leaves the pair alone (one of the records is archived by rollback anyway, or the pair was
  already associated).

Run states: running (a live process holds `<journal>.lock`), interrupted,
completed, rolled_back. A `running` journal whose lock is free reads interrupted.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crm_migrate.errors import JournalError

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rows (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL DEFAULT 'record',
    source TEXT NOT NULL,
    members TEXT NOT NULL DEFAULT '[]',
    key TEXT,
    write_key TEXT,
    op TEXT,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    batch INTEGER,
    existed INTEGER,
    target_id TEXT,
    created INTEGER NOT NULL DEFAULT 0,
    before TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    company_seq INTEGER,
    assoc TEXT,
    undone INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS rows_state ON rows (kind, state);
"""

# columns added after the first release: created on new journals, added to older ones on open
ADDED_COLUMNS = (("assoc_undo", "INTEGER"),)

ROW_COLUMNS = ("seq", "kind", "source", "members", "key", "write_key", "op", "payload", "state",
               "batch", "existed", "target_id", "created", "before", "error", "attempts",
               "company_seq", "assoc", "undone")


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def _add_columns(conn: sqlite3.Connection) -> None:
    """Add ADDED_COLUMNS the rows table lacks (a journal written by an older version)."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(rows)")}
    for name, kind in ADDED_COLUMNS:
        if name not in have:
            conn.execute(f"ALTER TABLE rows ADD COLUMN {name} {kind}")


class Journal:
    """A run's journal file."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self._lock_fd: int | None = None

    # --- open / create ---

    @classmethod
    def create(cls, path: str | Path, meta: dict[str, Any], rows: Iterable[dict[str, Any]]
               ) -> Journal:
        """A new journal (owner-only from the start) holding `meta` and every row pending."""
        target = Path(path)
        if target.exists():
            raise JournalError(
                "a journal already exists here; `crm-migrate resume` it or choose another path",
                file=str(target),
            )
        if not target.parent.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except OSError as exc:
            raise JournalError(f"cannot create the journal: {exc.strerror}",
                               file=str(target)) from None
        os.close(fd)
        os.chmod(target, 0o600)
        conn = _connect(target)
        journal = cls(target, conn)
        with journal.transaction():
            for statement in SCHEMA.strip().split(";"):
                if statement.strip():
                    conn.execute(statement)
            _add_columns(conn)
            for key, value in meta.items():
                conn.execute("INSERT INTO meta VALUES (?, ?)", (key, json.dumps(value)))
            journal._insert(rows)
        return journal

    @classmethod
    def open(cls, path: str | Path) -> Journal:
        """An existing journal; JournalError when missing or not a journal."""
        target = Path(path)
        if not target.is_file():
            raise JournalError("no such journal", file=str(target))
        try:
            conn = _connect(target)
            conn.execute("SELECT value FROM meta WHERE key = 'run_id'").fetchone()
            conn.execute("SELECT seq FROM rows LIMIT 1").fetchone()
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"not a crm-migrate journal ({exc})", file=str(target)) from None
        try:
            _add_columns(conn)
        except sqlite3.OperationalError:  # read-only: status still works without them
            pass
        return cls(target, conn)

    def close(self) -> None:
        """Release the lock and the connection."""
        self.release()
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT (durable on return)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _insert(self, rows: Iterable[dict[str, Any]]) -> None:
        sql = ("INSERT INTO rows (seq, kind, source, members, key, write_key, op, payload, "
               "company_seq, assoc, state, error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
        self.conn.executemany(sql, (
            (r["seq"], r.get("kind", "record"), r["source"], json.dumps(r.get("members") or []),
             r.get("key"), r.get("write_key"), r.get("op"), json.dumps(r["payload"]),
             r.get("company_seq"), r.get("assoc"), r.get("state", "pending"), r.get("error"))
            for r in rows
        ))

    # --- meta ---

    def meta(self) -> dict[str, Any]:
        """Every meta key, decoded."""
        return {k: json.loads(v) for k, v in self.conn.execute("SELECT key, value FROM meta")}

    def get(self, key: str, default: Any = None) -> Any:
        """One meta value."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_meta(self, **values: Any) -> None:
        """Set meta values (committed)."""
        with self.transaction() as conn:
            for key, value in values.items():
                conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    # --- rows ---

    def rows(self, where: str = "1", params: tuple[Any, ...] = (), limit: int | None = None
             ) -> list[dict[str, Any]]:
        """Rows matching a SQL condition, in seq order, decoded."""
        sql = f"SELECT {', '.join(ROW_COLUMNS)} FROM rows WHERE {where} ORDER BY seq"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_decode(r) for r in self.conn.execute(sql, params)]

    def counts(self, kind: str = "record") -> dict[str, int]:
        """Rows per state (plus created/updated of done rows) for one kind."""
        out = {"pending": 0, "in_flight": 0, "done": 0, "failed": 0, "skipped": 0}
        for state, n in self.conn.execute(
            "SELECT state, COUNT(*) FROM rows WHERE kind = ? GROUP BY state", (kind,)
        ):
            out[state] = n
        created, updated, undone = self.conn.execute(
            "SELECT COALESCE(SUM(created), 0), COALESCE(SUM(1 - created), 0), "
            "COALESCE(SUM(undone), 0) FROM rows WHERE kind = ? AND state = 'done'", (kind,)
        ).fetchone()
        out.update(created=created, updated=updated, undone=undone)
        out["total"] = sum(out[s] for s in ("pending", "in_flight", "done", "failed", "skipped"))
        return out

    def next_batch_id(self) -> int:
        """A fresh batch id (monotonic across the run and its resumes)."""
        value = int(self.get("last_batch", 0)) + 1
        self.set_meta(last_batch=value)
        return value

    def mark_in_flight(self, seqs: list[int], batch: int) -> None:
        """Record that these rows are about to be sent in `batch` (committed before sending)."""
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE rows SET state = 'in_flight', batch = ?, attempts = attempts + 1 "
                "WHERE seq = ?", [(batch, s) for s in seqs])
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('last_batch', ?)", (str(batch),))

    def mark_done(self, items: list[tuple[int, str | None, bool]]) -> None:
        """(seq, target id, created) for rows the target confirmed."""
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE rows SET state = 'done', target_id = COALESCE(?, target_id), "
                "created = ?, error = NULL WHERE seq = ?",
                [(tid, 1 if created else 0, s) for s, tid, created in items])

    def mark_failed(self, items: list[tuple[int, str]]) -> None:
        """(seq, message) for rows the target refused."""
        with self.transaction() as conn:
            conn.executemany("UPDATE rows SET state = 'failed', error = ? WHERE seq = ?",
                             [(err, s) for s, err in items])

    def mark_pending(self, seqs: list[int], error: str | None = None) -> None:
        """Put rows back to pending (to be sent again)."""
        with self.transaction() as conn:
            conn.executemany("UPDATE rows SET state = 'pending', error = ? WHERE seq = ?",
                             [(error, s) for s in seqs])

    def reset_attempts(self, seqs: list[int]) -> None:
        """Forget earlier attempts (a resume after a fix starts them afresh)."""
        with self.transaction() as conn:
            conn.executemany("UPDATE rows SET attempts = 0 WHERE seq = ?", [(s,) for s in seqs])

    def classify(self, items: list[tuple[int, bool, str | None, dict[str, str] | None]]) -> None:
        """(seq, existed, target id, before-image) decided before a row's first write."""
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE rows SET existed = ?, target_id = ?, before = ? WHERE seq = ?",
                [(1 if existed else 0, tid, json.dumps(before) if before is not None else None, s)
                 for s, existed, tid, before in items])

    def set_assoc(self, items: list[tuple[int, str, str | None]]) -> None:
        """(seq, assoc state, error) for contact-company associations."""
        with self.transaction() as conn:
            conn.executemany("UPDATE rows SET assoc = ?, error = COALESCE(?, error) "
                             "WHERE seq = ?", [(st, err, s) for s, st, err in items])

    def record_assoc_read(self, present: list[int], absent: list[int],
                          unread: list[tuple[int, str]]) -> None:
        """What a read of the target found for pairs whose records both existed before the
        run, in one transaction, before any of them is associated: `present` rows are
        `existed`; `absent` rows are the run's to undo (assoc_undo = 1); `unread` fail."""
        with self.transaction() as conn:
            conn.executemany("UPDATE rows SET assoc = 'existed' WHERE seq = ?",
                             [(s,) for s in present])
            conn.executemany("UPDATE rows SET assoc_undo = 1 WHERE seq = ?",
                             [(s,) for s in absent])
            conn.executemany("UPDATE rows SET assoc = 'failed', error = ? WHERE seq = ?",
                             [(err, s) for s, err in unread])

    def mark_assoc_removed(self, seqs: list[int]) -> None:
        """Rows whose association rollback has removed (assoc_undo = 2)."""
        with self.transaction() as conn:
            conn.executemany("UPDATE rows SET assoc_undo = 2 WHERE seq = ?", [(s,) for s in seqs])

    def mark_undone(self, seqs: list[int]) -> None:
        """Rows whose write rollback has undone."""
        with self.transaction() as conn:
            conn.executemany("UPDATE rows SET undone = 1 WHERE seq = ?", [(s,) for s in seqs])

    # --- the run lock ---

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def acquire(self) -> None:
        """Hold the run lock for this process's lifetime (JournalError if another holds it)."""
        if self._lock_fd is not None:
            return
        fd = os.open(self.lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # no flock (Windows): the pid check below is the fallback
            if _pid_alive(self.get("owner_pid"), self.get("owner_host")):
                os.close(fd)
                raise JournalError(self._busy_message(), file=str(self.path)) from None
        except OSError:
            os.close(fd)
            raise JournalError(self._busy_message(), file=str(self.path)) from None
        self._lock_fd = fd
        self.set_meta(owner_pid=os.getpid(), owner_host=socket.gethostname())

    def _busy_message(self) -> str:
        return f"the run is in progress in another process (pid {self.get('owner_pid')})"

    @property
    def holds_lock(self) -> bool:
        """Whether this object holds the run lock."""
        return self._lock_fd is not None

    def release(self) -> None:
        """Let go of the run lock."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def held_elsewhere(self) -> bool:
        """Whether a live process other than this one holds the run lock."""
        if self._lock_fd is not None:
            return False
        if not self.lock_path.exists():
            return False
        fd = os.open(self.lock_path, os.O_RDONLY)
        try:
            import fcntl

            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        except ImportError:
            return _pid_alive(self.get("owner_pid"), self.get("owner_host"))
        finally:
            os.close(fd)


def _pid_alive(pid: Any, host: Any) -> bool:
    if not isinstance(pid, int) or host != socket.gethostname() or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _decode(row: tuple[Any, ...]) -> dict[str, Any]:
    """A row as a dict; `payload` and `before` decoded, `members` left as its JSON text."""
    out = dict(zip(ROW_COLUMNS, row, strict=True))
    out["payload"] = json.loads(out["payload"])
    out["before"] = json.loads(out["before"]) if out["before"] else None
    return out
