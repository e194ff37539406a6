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

Every SQL statement on the journal lives in this module: the rest of the push reads typed
rows (`JournalRow`), the run's metadata (`RunMeta`) and writes through named methods. The
stored text is what earlier versions wrote, so their journals still resume, report and roll
back.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Any, TypeVar

from crm_migrate.errors import JournalError
from crm_migrate.push.journal_disk import (
    EMPTY_JOURNAL,
    check_writable,
    connect_read_only,
    fsync_file,
    link_into_place,
    os_reason,
    refuse_existing,
    sqlite_reason,
    wal_damage,
)
from crm_migrate.schema import OWNER_FIELD

try:
    import fcntl
except ImportError:  # no flock (Windows): a check of the owner's pid is the fallback
    fcntl = None  # type: ignore[assignment]

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

E = TypeVar("E", bound=StrEnum)
D = TypeVar("D")

# columns added after the first release: created on new journals, added to older ones on open
# (payload_sha256: the hash of a payload the journal no longer needs to keep)
ADDED_COLUMNS = (("assoc_undo", "INTEGER"), ("payload_sha256", "TEXT"))

ROW_COLUMNS = ("seq", "kind", "source", "members", "key", "write_key", "op", "payload", "state",
               "batch", "existed", "target_id", "created", "before", "error", "attempts",
               "company_seq", "assoc", "undone")


# --- what the journal stores, typed ---


class RowKind(StrEnum):
    """A company a contacts run finds or creates first, or a record of the run's object."""

    COMPANY = "company"
    RECORD = "record"


class RowState(StrEnum):
    """Where a row is on its way to the target."""

    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class AssocState(StrEnum):
    """A contact's association with its company row."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    EXISTED = "existed"


class AssocUndo(IntEnum):
    """Rollback's duty for an association between two records that existed before the run."""

    TO_REMOVE = 1
    REMOVED = 2


class RunState(StrEnum):
    """A run's state (`dry_run` only ever appears in a dry run's status, never stored)."""

    RUNNING = "running"
    INTERRUPTED = "interrupted"
    COMPLETED = "completed"
    ROLLED_BACK = "rolled_back"
    DRY_RUN = "dry_run"


class StopReason(StrEnum):
    """Why a run stopped before its end."""

    USER = "user"
    TARGET = "target"
    BREAKER = "breaker"
    AUTH = "auth"


class Verb(StrEnum):
    """What a write does."""

    CREATE = "create"
    UPDATE = "update"
    UPSERT = "upsert"


@dataclass(frozen=True, slots=True)
class Op:
    """A row's write: create, update by target id, or upsert keyed by `id_property` (stored as
    `create`, `update`, `upsert:<property>`)."""

    verb: Verb
    id_property: str | None = None

    @classmethod
    def upsert(cls, id_property: str) -> Op:
        """An upsert keyed by `id_property`."""
        return cls(Verb.UPSERT, id_property)

    @classmethod
    def parse(cls, text: str) -> Op:
        """The op a journal stores as `text`."""
        op = _OPS.get(text)
        if op is None:
            verb, _, id_property = text.partition(":")
            if verb == Verb.UPSERT and id_property:
                op = cls.upsert(id_property)
            elif verb in (Verb.CREATE, Verb.UPDATE) and not id_property:
                op = cls(Verb(verb))
            else:
                raise JournalError(f"unknown operation {text!r} in the journal")
            _OPS[text] = op
        return op

    def __str__(self) -> str:
        return f"{self.verb}:{self.id_property}" if self.verb is Verb.UPSERT else str(self.verb)


CREATE = Op(Verb.CREATE)
UPDATE = Op(Verb.UPDATE)
UPSERT_EMAIL = Op.upsert("email")
_OPS: dict[str, Op] = {}  # stored text -> Op, filled as rows are read


@dataclass(slots=True)
class JournalRow:
    """One record to write (a row of the `rows` table). `members_json` is the stored JSON list
    of every `file:row` merged into the record (decoded on demand by `members`)."""

    seq: int
    source: str
    payload: dict[str, str]
    kind: RowKind = RowKind.RECORD
    members_json: str = "[]"
    key: str | None = None
    write_key: str | None = None
    op: Op | None = None
    state: RowState = RowState.PENDING
    batch: int | None = None
    existed: bool | None = None
    target_id: str | None = None
    created: bool = False
    before: dict[str, str] | None = None
    error: str | None = None
    attempts: int = 0
    company_seq: int | None = None
    assoc: AssocState | None = None
    undone: bool = False
    assoc_undo: AssocUndo | None = None

    @property
    def remote_id(self) -> str:
        """The record's id on the target (a row classified as existing, or written, has one)."""
        if self.target_id is None:
            raise JournalError(f"row {self.seq} ({self.source}) has no id on the target")
        return self.target_id

    @property
    def members(self) -> list[str]:
        """Every `file:row` merged into this record."""
        members: list[str] = json.loads(self.members_json)
        return members


@dataclass(frozen=True, slots=True)
class InputFile:
    """An input file of the run and its sha256 when the run began (or last resumed --force)."""

    path: str
    sha256: str


# the error of a row failed before sending: the target would refuse a value of it
NOT_SENT = "not sent: "

# meta keys that differ from RunMeta's attribute names
_META_KEYS = {"object_name": "object"}
# meta keys a run writes as it goes, not when the journal is created
_LATER_KEYS = ("finished_at", "stop_reason", "owner_pid", "owner_host", "last_batch", "account",
               "written_files", "purged_at", "purge_lost", "purged_files")


@dataclass
class RunMeta:
    """The run's metadata (the `meta` table). Every field has a default, so a journal written
    with fewer keys still reads."""

    run_id: str = ""
    target: str = ""
    url: str | None = None
    embedded: bool = False
    object_name: str = ""
    profile: dict[str, Any] = field(default_factory=dict)
    profile_path: str | None = None
    profile_hash: str | None = None
    inputs: list[InputFile] = field(default_factory=list)
    inputs_paths: list[str] = field(default_factory=list)
    region: str | None = None
    batch_size: int | None = None
    concurrency: int | None = None
    max_failure_rate: float | None = None
    created_at: str | None = None
    state: RunState = RunState.INTERRUPTED
    dry_run: bool = False
    message: str | None = None
    finished_at: str | None = None
    stop_reason: StopReason | None = None
    owner_pid: int | None = None
    owner_host: str | None = None
    last_batch: int = 0
    os_user: str | None = None
    account: str | None = None  # the target account (portal / org id), never a credential
    before_images: bool = True  # False: rollback archives created records only
    written_files: list[str] = field(default_factory=list)  # files the run wrote (purge's)
    purged_at: str | None = None
    purge_lost: dict[str, int] = field(default_factory=dict)  # what rollback can no longer undo
    purged_files: dict[str, str] = field(default_factory=dict)  # removed file -> its sha256
    # the target's schema the run was checked against (ObjectSchema.to_dict() plus read_at):
    # read once when the run starts, so a resume re-cleans against it without reading again
    schema: dict[str, Any] | None = None

    def stored(self) -> dict[str, Any]:
        """The meta keys and values a new journal stores (the ones written later left out)."""
        out: dict[str, Any] = {}
        for item in fields(self):
            if item.name in _LATER_KEYS:
                continue
            value = getattr(self, item.name)
            if item.name == "schema" and value is None:
                continue  # a run started without reading one (e.g. a test's meta)
            if item.name == "inputs":
                value = [{"path": i.path, "sha256": i.sha256} for i in value]
            out[_META_KEYS.get(item.name, item.name)] = value
        return out

    @classmethod
    def from_stored(cls, values: dict[str, Any]) -> RunMeta:
        """The metadata from decoded meta keys (unknown keys ignored, missing ones defaulted)."""
        meta = cls()
        for item in fields(cls):
            key = _META_KEYS.get(item.name, item.name)
            if values.get(key) is not None:
                setattr(meta, item.name, values[key])
        meta.inputs = [InputFile(str(i["path"]), str(i["sha256"]))
                       for i in values.get("inputs") or []]
        meta.state = _enum(RunState, values.get("state"), RunState.INTERRUPTED)
        meta.stop_reason = _enum(StopReason, values.get("stop_reason"), None)
        meta.last_batch = int(meta.last_batch or 0)
        return meta


@dataclass(frozen=True, slots=True)
class RowCounts:
    """Rows of one kind per state, plus how the done ones landed."""

    pending: int = 0
    in_flight: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    created: int = 0
    updated: int = 0
    undone: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.in_flight + self.done + self.failed + self.skipped


@dataclass(frozen=True, slots=True)
class Classification:
    """What a row's first read of the target found: whether the record exists (its id and a
    before-image of the fields we write), and whether that turns the write into an update
    (`op`) or makes it unneeded (`skip`: the target holds every value already)."""

    seq: int
    existed: bool
    target_id: str | None = None
    before: dict[str, str] | None = None
    op: Op | None = None
    skip: bool = False
    refused: str | None = None  # not to be sent, and why (the row fails before sending)


@dataclass(frozen=True, slots=True)
class PendingAssociation:
    """A written contact whose association with its company row is pending."""

    seq: int
    contact_id: str
    company_id: str | None
    company_state: RowState
    both_existed: bool
    undo: AssocUndo | None


@dataclass(frozen=True, slots=True)
class AddedAssociation:
    """A contact-company association the run added between records that both existed."""

    seq: int
    source: str
    contact_id: str
    company_id: str


def _enum(kind: type[E], value: Any, default: D) -> E | D:
    """`value` as a member of `kind`, or `default` when it is none of them."""
    try:
        return kind(value)
    except ValueError:
        return default


def _sha256_text(text: str | None) -> str | None:
    """The hex SHA-256 of a stored text (the `sha256()` SQL function of a journal)."""
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.create_function("sha256", 1, _sha256_text, deterministic=True)
    return conn


# a settled row keeps a hash of its payload, not the payload: resume and rollback need neither
# (a pending or failed row keeps it: it is still to send)
_DROP_PAYLOAD = "payload_sha256 = COALESCE(payload_sha256, sha256(payload)), payload = '{}'"
def _write_new(scratch: Path, meta: RunMeta, rows: Iterable[JournalRow]) -> None:
    """Write a complete journal at `scratch` (rollback-journal mode, so it is one file)."""
    conn = sqlite3.connect(str(scratch), isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("BEGIN IMMEDIATE")
        for statement in SCHEMA.strip().split(";"):
            if statement.strip():
                conn.execute(statement)
        _add_columns(conn)
        conn.executemany("INSERT INTO meta VALUES (?, ?)",
                         [(k, json.dumps(v)) for k, v in meta.stored().items()])
        conn.executemany(
            "INSERT INTO rows (seq, kind, source, members, key, write_key, op, payload, "
            "company_seq, assoc, state, error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            ((r.seq, r.kind.value, r.source, r.members_json, r.key, r.write_key,
              str(r.op) if r.op else None, json.dumps(r.payload), r.company_seq,
              r.assoc.value if r.assoc else None, r.state.value, r.error) for r in rows))
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode=WAL")  # stored in the file: every later open is WAL
    finally:
        conn.close()
    fd = os.open(scratch, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _quick_check(conn: sqlite3.Connection) -> str | None:
    """What PRAGMA quick_check finds wrong (first finding), None when the journal is sound."""
    try:
        found = [r[0] for r in conn.execute("PRAGMA quick_check(3)")]
    except sqlite3.DatabaseError as exc:
        return f"the journal is damaged ({exc})"
    if found == ["ok"]:
        return None
    return f"the journal is damaged ({found[0] if found else 'quick_check failed'})"


def _what_it_still_says(conn: sqlite3.Connection) -> str:
    """A clause naming what a damaged journal still says about its run."""
    try:
        meta = {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM meta")}
    except (sqlite3.DatabaseError, ValueError):
        return "its run cannot be read either"
    said = f"it still names run {meta.get('run_id')} ({meta.get('object')} -> {meta.get('target')})"
    try:
        n = conn.execute("SELECT COUNT(*) FROM rows WHERE state = 'done'").fetchone()[0]
    except sqlite3.DatabaseError:
        return f"{said}, but its rows cannot be counted"
    return f"{said} with {n} rows done as far as it can tell"


def _add_columns(conn: sqlite3.Connection) -> None:
    """Add ADDED_COLUMNS the rows table lacks (a journal written by an older version)."""
    have = _columns(conn)
    for name, kind in ADDED_COLUMNS:
        if name not in have:
            conn.execute(f"ALTER TABLE rows ADD COLUMN {name} {kind}")


def _columns(conn: sqlite3.Connection) -> set[str]:
    return {row[1] for row in conn.execute("PRAGMA table_info(rows)")}


# --- purge: personal data out, counts, ids and hashes kept ---

PURGED = "[purged]"
_EMAILS = re.compile(r"[^\s@<>(),;:'\"\[\]]+@[^\s@<>(),;:'\"\[\]]+")
_DIGIT_RUNS = re.compile(r"\+?\d[\d\s().\-/]{5,}\d")
_HASHED = "sha256:"


def redact(text: str, values: Iterable[str]) -> str:
    """`text` with every one of `values` (case-insensitive), e-mail address and phone-like digit
    run replaced by "[purged]"."""
    for value in sorted({v.strip() for v in values if len(v.strip()) >= 2}, key=len, reverse=True):
        text = re.sub(re.escape(value), PURGED, text, flags=re.IGNORECASE)
    return _DIGIT_RUNS.sub(PURGED, _EMAILS.sub(PURGED, text))


def _row_values(payload: str | None, before: str | None, *keys: str | None) -> list[str]:
    """The personal values a row holds: its payload's, its before-image's and its keys."""
    out = [k for k in keys if k and not k.startswith(_HASHED)]
    for text in (payload, before):
        decoded = json.loads(text) if text else {}
        out += [str(v) for v in decoded.values() if v is not None] if isinstance(decoded, dict) else []
    return out


def _hashed(column: str) -> str:
    return (f"{column} = CASE WHEN {column} IS NULL OR {column} LIKE '{_HASHED}%' THEN {column} "
            f"ELSE '{_HASHED}' || sha256({column}) END")


def _scrub(conn: sqlite3.Connection, purged_at: str, extra: dict[str, Any]) -> None:
    """Purge a journal's personal data in one transaction: payloads and keys become hashes,
    before-images go, error texts lose the row's values, the cached schema's owners keep only
    their ids (no e-mail, no name); counts, states and ids stay."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        texts = list(conn.execute("SELECT seq, payload, before, key, write_key, error FROM rows "
                                  "WHERE error IS NOT NULL"))
        every: set[str] = set()
        fixed: list[tuple[str, int]] = []
        for seq, payload, before, key, write_key, error in texts:
            held = _row_values(payload, before, key, write_key)
            every.update(held)
            fixed.append((redact(error, held), seq))
        conn.executemany("UPDATE rows SET error = ? WHERE seq = ?", fixed)
        conn.execute(f"UPDATE rows SET payload_sha256 = COALESCE(payload_sha256, CASE WHEN "
                     f"payload <> '{{}}' THEN sha256(payload) END), payload = '{{}}', "
                     f"before = NULL, {_hashed('key')}, {_hashed('write_key')}")
        message = conn.execute("SELECT value FROM meta WHERE key = 'message'").fetchone()
        stored: dict[str, Any] = {"purged_at": purged_at, **extra}
        schema = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        cached = json.loads(schema[0]) if schema else None
        if isinstance(cached, dict) and cached.get("owners"):
            # the target's owners are people too: only their ids stay (what rows were sent with),
            # in the owner list and as the owner field's option labels
            cached["owners"] = [{"id": o.get("id"), "archived": bool(o.get("archived"))}
                                for o in cached["owners"] if isinstance(o, dict)]
            for spec in cached.get("fields") or ():
                if isinstance(spec, dict) and spec.get("name") == OWNER_FIELD:
                    for key in ("options", "hidden_options"):
                        if spec.get(key):
                            spec[key] = [[o[0], o[0]] for o in spec[key]]
            stored["schema"] = cached
        if message and json.loads(message[0]):
            stored["message"] = redact(str(json.loads(message[0])), every)
        conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                         [(k, json.dumps(v)) for k, v in stored.items()])
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# the rows of a kind not yet classified against the target (`existed` unknown), still to send
_UNCLASSIFIED = "kind = ? AND state = 'pending' AND existed IS NULL"


class Journal:
    """A run's journal file."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._lock_fd: int | None = None
        self.warning: str | None = None  # what is damaged, when opened for reading anyway
        self._has_assoc_undo = "assoc_undo" in _columns(conn)
        self._select = (f"SELECT {', '.join(ROW_COLUMNS)}, "
                        f"{'assoc_undo' if self._has_assoc_undo else 'NULL'} FROM rows")

    # --- open / create ---

    @classmethod
    def create(cls, path: str | Path, meta: RunMeta, rows: Iterable[JournalRow]) -> Journal:
        """A new journal (owner-only from the start) holding `meta` and `rows`, written whole
        under a temporary name in the same folder and linked into place, so a kill leaves either
        no journal or a complete one (never an empty file)."""
        target = Path(path)
        refuse_existing(target)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, scratch_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".new",
                                                dir=target.parent)
        except OSError as exc:
            raise JournalError(f"cannot create the journal: {os_reason(exc)}",
                               file=str(target)) from None
        os.close(fd)  # mkstemp: O_EXCL, mode 0600
        scratch = Path(scratch_name)
        try:
            _write_new(scratch, meta, rows)
            link_into_place(scratch, target)
        except sqlite3.Error as exc:
            raise JournalError(f"cannot create the journal: {sqlite_reason(exc)}",
                               file=str(target)) from None
        except OSError as exc:
            raise JournalError(f"cannot create the journal: {os_reason(exc)}",
                               file=str(target)) from None
        finally:
            scratch.unlink(missing_ok=True)
        return cls(target, _connect(target))

    @classmethod
    def open(cls, path: str | Path, *, for_writing: bool = True) -> Journal:
        """An existing journal; JournalError (one line) when missing, empty, not a journal,
        damaged, or (`for_writing`) in a folder it cannot write. Read-only use (`status`) opens
        a damaged journal when its run can still be read, with `warning` saying what is wrong."""
        target = Path(path)
        if not target.is_file():
            raise JournalError("no such journal", file=str(target))
        if target.stat().st_size == 0:
            raise JournalError(EMPTY_JOURNAL, file=str(target))
        if for_writing:
            check_writable(target)
        wal_problem = wal_damage(target)
        try:
            # a damaged WAL is read without replaying it, which would destroy the evidence
            conn = connect_read_only(target) if wal_problem and not for_writing \
                else _connect(target)
        except sqlite3.OperationalError as exc:
            if for_writing:
                raise JournalError(f"cannot open the journal: {sqlite_reason(exc)}",
                                   file=str(target)) from None
            conn = connect_read_only(target)  # e.g. a read-only folder: no -wal/-shm possible
        except sqlite3.DatabaseError as exc:  # not SQLite at all ("file is not a database")
            raise JournalError(f"not a crm-migrate journal ({exc})", file=str(target)) from None
        damage: str | None = None
        try:
            conn.execute("SELECT value FROM meta WHERE key = 'run_id'").fetchone()
            conn.execute("SELECT seq FROM rows LIMIT 1").fetchone()
        except sqlite3.DatabaseError as exc:
            if "malformed" not in str(exc):
                conn.close()
                raise JournalError(f"not a crm-migrate journal ({exc})",
                                   file=str(target)) from None
            damage = f"the journal is damaged ({exc})"
        damage = damage or _quick_check(conn) or wal_problem
        if damage:
            still = _what_it_still_says(conn)
            if for_writing:
                conn.close()
                raise JournalError(f"{damage}; {still}; resume and rollback refuse it: restore "
                                   "the journal from a backup (or move its -wal and -shm files "
                                   "aside to carry on from what it holds)", file=str(target))
            try:
                journal = cls(target, conn)
            except sqlite3.DatabaseError:
                conn.close()
                raise JournalError(f"{damage}; {still}", file=str(target)) from None
            journal.warning = f"{damage}; {still}"
            return journal
        try:
            _add_columns(conn)
        except sqlite3.OperationalError:  # read-only: status still works without them
            pass
        return cls(target, conn)

    def close(self) -> None:
        """Release the lock and the connection."""
        self.release()
        self._conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT (durable on return). A write the disk or the folder
        refuses (full, read-only, I/O error) rolls back and raises JournalError: the journal
        stays as it was before the transaction, so the run resumes once the cause is fixed."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if self._conn.in_transaction:
                try:
                    self._conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            raise JournalError(
                f"cannot write the journal: {sqlite_reason(exc)}; nothing is lost: "
                f"fix that, then `crm-migrate resume {self.path}`", file=str(self.path)) from None

    # --- the run's metadata ---

    def meta(self) -> RunMeta:
        """The run's metadata, decoded."""
        return RunMeta.from_stored(
            {k: json.loads(v) for k, v in self._conn.execute("SELECT key, value FROM meta")})

    def _get(self, key: str) -> Any:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def _set_meta(self, **values: Any) -> None:
        with self._transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                             [(k, json.dumps(v)) for k, v in values.items()])

    def last_batch(self) -> int:
        """The last batch id handed out (batch ids grow across the run and its resumes)."""
        return int(self._get("last_batch") or 0)

    def begin_run(self) -> None:
        """The run (or a resume of it) starts driving: running, no outcome yet."""
        self._set_meta(state=RunState.RUNNING.value, message=None, finished_at=None,
                       stop_reason=None)

    def end_run(self, state: RunState, message: str | None, stop_reason: StopReason | None,
                finished_at: str | None) -> None:
        """How the drive ended (completed or interrupted), and why it stopped."""
        self._set_meta(state=state.value, message=message, finished_at=finished_at,
                       stop_reason=stop_reason.value if stop_reason else None)

    def set_message(self, message: str | None) -> None:
        """The run's message (e.g. what a rollback could not restore)."""
        self._set_meta(message=message)

    def mark_rolled_back(self, finished_at: str, message: str | None = None) -> None:
        """Rollback undid everything it could (`message`: what it could not, and why)."""
        self._set_meta(state=RunState.ROLLED_BACK.value, message=message or "rolled back",
                       finished_at=finished_at)

    def set_account(self, account: str | None) -> None:
        """The target account the run writes to (never a credential)."""
        self._set_meta(account=account)

    def record_written_files(self, paths: list[str]) -> None:
        """Add files the run wrote on this machine (purge clears them of personal data)."""
        have = list(self._get("written_files") or [])
        new = [str(Path(p).resolve()) for p in paths]
        if all(p in have for p in new):
            return
        self._set_meta(written_files=have + [p for p in new if p not in have])

    def record_inputs(self, inputs: list[InputFile], profile_hash: str,
                      profile: dict[str, Any]) -> None:
        """The inputs and profile a forced resume re-cleaned, as they are now."""
        self._set_meta(inputs=[{"path": i.path, "sha256": i.sha256} for i in inputs],
                       profile_hash=profile_hash, profile=profile)

    # --- reading rows ---

    def _rows(self, where: str, params: tuple[Any, ...] = (), limit: int | None = None
              ) -> list[JournalRow]:
        sql = f"{self._select} WHERE {where} ORDER BY seq"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_decode(r) for r in self._conn.execute(sql, params)]

    def _count(self, where: str, params: tuple[Any, ...] = ()) -> int:
        return int(self._conn.execute(f"SELECT COUNT(*) FROM rows WHERE {where}",
                                      params).fetchone()[0])

    def row(self, seq: int) -> JournalRow | None:
        """One row by its seq."""
        found = self._rows("seq = ?", (seq,))
        return found[0] if found else None

    def rows(self, kind: RowKind, *states: RowState, after: int = 0, limit: int | None = None
             ) -> list[JournalRow]:
        """Rows of `kind` in any of `states` (every state when none given) with a seq above
        `after`, in seq order, at most `limit`."""
        where = "kind = ? AND seq > ?"
        if states:
            where += f" AND state IN ({', '.join('?' * len(states))})"
        return self._rows(where, (kind.value, after, *(s.value for s in states)), limit)

    def has_rows(self, kind: RowKind) -> bool:
        """Whether the journal holds any row of `kind`."""
        return bool(self._conn.execute("SELECT 1 FROM rows WHERE kind = ? LIMIT 1",
                                       (kind.value,)).fetchone())

    def count(self, kind: RowKind, state: RowState | None = None, *,
              existed: bool | None = None) -> int:
        """Rows of `kind`, in `state` when given, classified as existing (or not) when given."""
        where = "kind = ?"
        params: tuple[Any, ...] = (kind.value,)
        if state is not None:
            where, params = f"{where} AND state = ?", (*params, state.value)
        if existed is not None:
            where, params = f"{where} AND existed = ?", (*params, int(existed))
        return self._count(where, params)

    def counts(self, kind: RowKind = RowKind.RECORD) -> RowCounts:
        """Rows per state (plus created/updated/undone of done rows) for one kind."""
        by_state = dict(self._conn.execute(
            "SELECT state, COUNT(*) FROM rows WHERE kind = ? GROUP BY state", (kind.value,)))
        created, updated, undone = self._conn.execute(
            "SELECT COALESCE(SUM(created), 0), COALESCE(SUM(1 - created), 0), "
            "COALESCE(SUM(undone), 0) FROM rows WHERE kind = ? AND state = 'done'", (kind.value,)
        ).fetchone()
        return RowCounts(
            pending=by_state.get(RowState.PENDING.value, 0),
            in_flight=by_state.get(RowState.IN_FLIGHT.value, 0),
            done=by_state.get(RowState.DONE.value, 0),
            failed=by_state.get(RowState.FAILED.value, 0),
            skipped=by_state.get(RowState.SKIPPED.value, 0),
            created=created, updated=updated, undone=undone)

    def unfinished(self) -> int:
        """Rows still to send or settle, and associations still to make for written rows."""
        return self._count("state IN ('pending', 'in_flight') "
                           "OR (assoc = 'pending' AND state = 'done')")

    # --- sending ---

    def mark_in_flight(self, seqs: list[int], batch: int) -> None:
        """Record that these rows are about to be sent in `batch` (committed before sending)."""
        with self._transaction() as conn:
            conn.executemany(
                "UPDATE rows SET state = 'in_flight', batch = ?, attempts = attempts + 1 "
                "WHERE seq = ?", [(batch, s) for s in seqs])
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('last_batch', ?)", (str(batch),))

    def mark_done(self, items: list[tuple[int, str | None, bool]]) -> None:
        """(seq, target id, created) for rows the target confirmed. Their payloads give way to
        hashes, and a record the run created keeps no before-image (rollback archives it)."""
        with self._transaction() as conn:
            conn.executemany(
                "UPDATE rows SET state = 'done', target_id = COALESCE(?, target_id), "
                f"created = ?, error = NULL, {_DROP_PAYLOAD}, "
                "before = CASE WHEN ? THEN NULL ELSE before END WHERE seq = ?",
                [(tid, 1 if created else 0, 1 if created else 0, s) for s, tid, created in items])

    def mark_failed(self, items: list[tuple[int, str]]) -> None:
        """(seq, message) for rows the target refused."""
        with self._transaction() as conn:
            conn.executemany("UPDATE rows SET state = 'failed', error = ? WHERE seq = ?",
                             [(err, s) for s, err in items])

    def mark_pending(self, seqs: list[int], error: str | None = None) -> None:
        """Put rows back to pending (to be sent again)."""
        with self._transaction() as conn:
            conn.executemany("UPDATE rows SET state = 'pending', error = ? WHERE seq = ?",
                             [(error, s) for s in seqs])

    def retry_failed(self, kind: RowKind) -> None:
        """Put the failed rows of `kind` back to pending with their attempts forgotten (a
        resume after a fix starts them afresh); rows failed before sending (NOT_SENT: the
        target would refuse their values) stay failed."""
        with self._transaction() as conn:
            conn.execute("UPDATE rows SET state = 'pending', error = NULL, attempts = 0 "
                         "WHERE kind = ? AND state = 'failed' AND "
                         "(error IS NULL OR substr(error, 1, ?) != ?)",
                         (kind.value, len(NOT_SENT), NOT_SENT))

    def set_schema(self, schema: dict[str, Any]) -> None:
        """The target schema the run is checked against (see RunMeta.schema)."""
        self._set_meta(schema=schema)

    def refresh_payloads(self, items: list[tuple[int, dict[str, str]]]) -> None:
        """(seq, payload) for rows re-cleaned from changed inputs: new values, pending again."""
        with self._transaction() as conn:
            conn.executemany("UPDATE rows SET payload = ?, state = 'pending' WHERE seq = ?",
                             [(json.dumps(payload), s) for s, payload in items])

    # --- fitting the planned writes to the target ---

    def pending_upserts(self, kind: RowKind, only: Op | None = None) -> list[JournalRow]:
        """Pending upserts of `kind` (only those planned as `only` when given)."""
        if only is not None:
            return self._rows("kind = ? AND state = 'pending' AND op = ?",
                              (kind.value, str(only)))
        return self._rows("kind = ? AND state = 'pending' AND op LIKE 'upsert:%'", (kind.value,))

    def set_ops(self, items: list[tuple[int, Op, str | None]]) -> None:
        """(seq, op, write key): how rows are written now that the target's keys are known."""
        with self._transaction() as conn:
            conn.executemany("UPDATE rows SET op = ?, write_key = ? WHERE seq = ?",
                             [(str(op), key, s) for s, op, key in items])

    def has_pending_op(self, kind: RowKind, op: Op) -> bool:
        """Whether a pending row of `kind` is to be written with `op`."""
        return bool(self._conn.execute(
            "SELECT 1 FROM rows WHERE kind = ? AND state = 'pending' AND op = ? LIMIT 1",
            (kind.value, str(op))).fetchone())

    def replace_pending_op(self, kind: RowKind, old: Op, new: Op) -> None:
        """Write the pending rows of `kind` planned as `old` with `new` instead."""
        with self._transaction() as conn:
            conn.execute("UPDATE rows SET op = ? WHERE kind = ? AND state = 'pending' AND op = ?",
                         (str(new), kind.value, str(old)))

    # --- classifying against the target ---

    @staticmethod
    def _unclassified(kind: RowKind, op: Op | None) -> tuple[str, tuple[Any, ...]]:
        if op is None:
            return _UNCLASSIFIED, (kind.value,)
        return f"{_UNCLASSIFIED} AND op = ?", (kind.value, str(op))

    def count_unclassified(self, kind: RowKind, op: Op | None = None, *,
                           keyed: bool = False) -> int:
        """Pending rows of `kind` not yet classified (only those written with `op` when given;
        only those with a natural key when `keyed`)."""
        where, params = self._unclassified(kind, op)
        return self._count(f"{where} AND key IS NOT NULL" if keyed else where, params)

    def unclassified_fields(self, kind: RowKind, op: Op | None = None) -> list[str]:
        """Every field the unclassified rows write (what a before-image must hold)."""
        where, params = self._unclassified(kind, op)
        return [r[0] for r in self._conn.execute(
            f"SELECT DISTINCT j.key FROM rows, json_each(rows.payload) AS j WHERE {where}",
            params)]

    def unclassified(self, kind: RowKind, op: Op | None = None, *, after: int = 0,
                     limit: int | None = None) -> list[JournalRow]:
        """Unclassified rows of `kind` with a seq above `after`, in seq order."""
        where, params = self._unclassified(kind, op)
        return self._rows(f"{where} AND seq > ?", (*params, after), limit)

    def unclassify_pending(self, kind: RowKind) -> int:
        """Forget what an earlier drive's read found for pending rows of `kind` that this run
        has not written to an existing record (classified new, or never sent), so they are
        classified again against the target as it is now; return how many."""
        with self._transaction() as conn:
            return conn.execute(
                "UPDATE rows SET existed = NULL, target_id = NULL, before = NULL "
                "WHERE kind = ? AND state = 'pending' AND existed IS NOT NULL "
                "AND COALESCE(op, '') != 'update' AND (existed = 0 OR attempts = 0)",
                (kind.value,)).rowcount

    def mark_unclassified_new(self, kind: RowKind) -> None:
        """Every unclassified row of `kind` is a record the target does not hold."""
        where, params = self._unclassified(kind, None)
        with self._transaction() as conn:
            conn.execute(f"UPDATE rows SET existed = 0 WHERE {where}", params)

    def classify(self, items: list[Classification]) -> None:
        """What each row's first read of the target decided, in one transaction. A before-image
        is kept only for a record the run will update, and only when the run keeps them; a
        skipped row (the target holds its values already) keeps a hash of its payload."""
        keep_before = self._get("before_images") is not False
        with self._transaction() as conn:
            conn.executemany(
                "UPDATE rows SET existed = ?, target_id = ?, before = ? WHERE seq = ?",
                [(int(c.existed), c.target_id,
                  json.dumps(c.before) if c.before is not None and keep_before and not c.skip
                  else None, c.seq)
                 for c in items])
            conn.executemany("UPDATE rows SET op = ? WHERE seq = ?",
                             [(str(c.op), c.seq) for c in items if c.op and not c.skip])
            conn.executemany(f"UPDATE rows SET state = 'skipped', {_DROP_PAYLOAD} WHERE seq = ?",
                             [(c.seq,) for c in items if c.skip])
            conn.executemany("UPDATE rows SET state = 'failed', error = ? WHERE seq = ?",
                             [(NOT_SENT + c.refused, c.seq) for c in items if c.refused])

    # --- associations ---

    def pending_associations(self) -> list[PendingAssociation]:
        """Written (or already up-to-date) contacts whose association is pending and whose
        company row is settled."""
        undo = "r.assoc_undo" if self._has_assoc_undo else "NULL"
        return [
            PendingAssociation(seq, contact, company, RowState(state), bool(both),
                               AssocUndo(undo) if undo else None)
            for seq, contact, company, state, both, undo in self._conn.execute(
                "SELECT r.seq, r.target_id, c.target_id, c.state, "
                f"COALESCE(r.existed, 0) = 1 AND COALESCE(c.existed, 0) = 1, {undo} "
                "FROM rows r JOIN rows c ON c.seq = r.company_seq WHERE r.kind = 'record' "
                "AND r.state IN ('done', 'skipped') AND r.target_id IS NOT NULL "
                "AND r.assoc = 'pending' AND c.state IN ('done', 'failed', 'skipped')")
        ]

    def set_assoc(self, items: list[tuple[int, AssocState, str | None]]) -> None:
        """(seq, assoc state, error) for contact-company associations."""
        with self._transaction() as conn:
            conn.executemany("UPDATE rows SET assoc = ?, error = COALESCE(?, error) "
                             "WHERE seq = ?", [(st.value, err, s) for s, st, err in items])

    def record_assoc_read(self, present: list[int], absent: list[int],
                          unread: list[tuple[int, str]]) -> None:
        """What a read of the target found for pairs whose records both existed before the
        run, in one transaction, before any of them is associated: `present` rows are
        `existed`; `absent` rows are the run's to undo (assoc_undo = 1); `unread` fail."""
        with self._transaction() as conn:
            conn.executemany("UPDATE rows SET assoc = 'existed' WHERE seq = ?",
                             [(s,) for s in present])
            conn.executemany("UPDATE rows SET assoc_undo = 1 WHERE seq = ?",
                             [(s,) for s in absent])
            conn.executemany("UPDATE rows SET assoc = 'failed', error = ? WHERE seq = ?",
                             [(err, s) for s, err in unread])

    def association_counts(self) -> dict[str, int]:
        """Contact-company pairs of written rows by association state."""
        return {str(state): int(n) for state, n in self._conn.execute(
            "SELECT assoc, COUNT(*) FROM rows WHERE assoc IS NOT NULL "
            "AND state IN ('done', 'skipped') GROUP BY assoc")}

    def associations_removed(self) -> int:
        """Pairs a rollback dissociated (both records existed before the run)."""
        if not self._has_assoc_undo:  # an older journal opened read-only lacks the column
            return 0
        return self._count("assoc_undo = 2")

    # --- rollback ---

    def to_archive(self, kind: RowKind) -> list[JournalRow]:
        """Rows of `kind` this run created and rollback has not archived yet."""
        return self._rows("kind = ? AND state = 'done' AND undone = 0 AND created = 1",
                          (kind.value,))

    def count_unrestorable(self) -> int:
        """Records (and companies) this run updated that rollback has not restored and cannot:
        the journal holds no before-image of them (purged, or never kept)."""
        return self._count("state = 'done' AND undone = 0 AND created = 0 AND before IS NULL "
                           "AND existed = 1")

    def to_restore(self, kind: RowKind) -> list[JournalRow]:
        """Rows of `kind` this run updated whose before-image rollback has not restored yet."""
        return self._rows("kind = ? AND state = 'done' AND undone = 0 AND created = 0 "
                          "AND before IS NOT NULL", (kind.value,))

    def associations_to_remove(self) -> list[AddedAssociation]:
        """The associations rollback must remove (assoc_undo = 1: the pre-run read found the
        two existing records not associated), in seq order."""
        if not self._has_assoc_undo:
            return []
        return [AddedAssociation(*r) for r in self._conn.execute(
            "SELECT r.seq, r.source, r.target_id, c.target_id FROM rows r JOIN rows c "
            "ON c.seq = r.company_seq WHERE r.kind = 'record' AND r.assoc_undo = 1 "
            "AND r.target_id IS NOT NULL AND c.target_id IS NOT NULL ORDER BY r.seq")]

    def mark_assoc_removed(self, seqs: list[int]) -> None:
        """Rows whose association rollback has removed (assoc_undo = 2)."""
        with self._transaction() as conn:
            conn.executemany("UPDATE rows SET assoc_undo = 2 WHERE seq = ?", [(s,) for s in seqs])

    def mark_undone(self, seqs: list[int]) -> None:
        """Rows whose write rollback has undone."""
        with self._transaction() as conn:
            conn.executemany("UPDATE rows SET undone = 1 WHERE seq = ?", [(s,) for s in seqs])

    # --- purge ---

    def restorable(self) -> int:
        """Updated records whose before-image rollback still needs (a purge drops them)."""
        return self._count("state = 'done' AND undone = 0 AND created = 0 AND before IS NOT NULL")

    def purge(self, purged_at: str, extra: dict[str, Any]) -> None:
        """Replace the journal, atomically, by a copy without personal data (see `_scrub`):
        the copy is scrubbed and vacuumed beside it (no freed page keeps old bytes), then renamed
        over it. The caller holds the run lock; `extra` goes into the meta (e.g. purge_lost)."""
        temp = self.path.with_name(f".{self.path.name}.purge")
        temp.unlink(missing_ok=True)
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try:
            self._conn.execute("VACUUM INTO ?", (str(temp),))
            os.chmod(temp, 0o600)
            copy = sqlite3.connect(str(temp), isolation_level=None)
            try:
                copy.create_function("sha256", 1, _sha256_text, deterministic=True)
                copy.execute("PRAGMA journal_mode=DELETE")
                copy.execute("PRAGMA secure_delete=ON")
                _scrub(copy, purged_at, extra)
                copy.execute("VACUUM")
                copy.execute("PRAGMA journal_mode=WAL")
            finally:
                copy.close()
            fsync_file(temp)
            self._conn.close()
            os.replace(temp, self.path)
        except (OSError, sqlite3.Error) as exc:
            raise JournalError(f"cannot purge the journal: {exc}", file=str(self.path)) from None
        finally:
            temp.unlink(missing_ok=True)
        for stale in ("-wal", "-shm"):  # the replaced file's, if any reader left them
            Path(str(self.path) + stale).unlink(missing_ok=True)
        fsync_file(self.path.parent)
        self._conn = _connect(self.path)

    # --- the run lock ---

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def acquire(self) -> None:
        """Hold the run lock for this process's lifetime (JournalError if another holds it)."""
        if self._lock_fd is not None:
            return
        for _ in range(3):
            fd = os.open(self.lock_path, os.O_CREAT | os.O_RDWR, 0o600)
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                elif self._owner_alive():
                    raise OSError
            except OSError:
                os.close(fd)
                raise JournalError(self._busy_message(), file=str(self.path)) from None
            if self._is_lock_file(fd):
                break
            os.close(fd)  # its holder removed the file as we locked it: lock the new one
        else:
            raise JournalError(self._busy_message(), file=str(self.path))
        self._lock_fd = fd
        self._set_meta(owner_pid=os.getpid(), owner_host=socket.gethostname())

    def _owner_alive(self) -> bool:
        return _pid_alive(self._get("owner_pid"), self._get("owner_host"))

    def _busy_message(self) -> str:
        return f"the run is in progress in another process (pid {self._get('owner_pid')})"

    @property
    def holds_lock(self) -> bool:
        """Whether this object holds the run lock."""
        return self._lock_fd is not None

    def _is_lock_file(self, fd: int) -> bool:
        """Whether `fd` is still the file at lock_path (a releasing holder removes it)."""
        try:
            return os.fstat(fd).st_ino == os.stat(self.lock_path).st_ino
        except FileNotFoundError:
            return False

    def release(self) -> None:
        """Let go of the run lock and remove its file (removed while held: no one else can be
        holding it, and one who opened it meanwhile sees it is gone)."""
        if self._lock_fd is not None:
            if self._is_lock_file(self._lock_fd):
                self.lock_path.unlink(missing_ok=True)
            os.close(self._lock_fd)
            self._lock_fd = None

    def held_elsewhere(self) -> bool:
        """Whether a live process other than this one holds the run lock."""
        if self._lock_fd is not None:
            return False
        if not self.lock_path.exists():
            return False
        if fcntl is None:
            return self._owner_alive()
        fd = os.open(self.lock_path, os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
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


_KINDS = {k.value: k for k in RowKind}
_STATES = {s.value: s for s in RowState}
_ASSOCS = {a.value: a for a in AssocState}


def _decode(r: tuple[Any, ...]) -> JournalRow:
    """A stored row, typed: `payload` and `before` decoded, `members` left as its JSON text."""
    (seq, kind, source, members, key, write_key, op, payload, state, batch, existed, target_id,
     created, before, error, attempts, company_seq, assoc, undone, assoc_undo) = r
    return JournalRow(
        seq=seq, source=source, payload=json.loads(payload), kind=_KINDS[kind],
        members_json=members, key=key, write_key=write_key,
        op=Op.parse(op) if op else None, state=_STATES[state], batch=batch,
        existed=None if existed is None else bool(existed), target_id=target_id,
        created=bool(created), before=json.loads(before) if before else None, error=error,
        attempts=attempts, company_seq=company_seq, assoc=_ASSOCS[assoc] if assoc else None,
        undone=bool(undone), assoc_undo=AssocUndo(assoc_undo) if assoc_undo else None)
