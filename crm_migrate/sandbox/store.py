"""SQLite storage of the sandbox: records, unique-value index, associations, custom properties.

One connection per thread (WAL lets readers run beside the writer); every write
runs in one `BEGIN IMMEDIATE` transaction under a process-wide lock, so unique
checks and inserts are atomic and concurrent writers never lose anything.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from crm_migrate.sandbox.portal import Portal
from crm_migrate.sandbox.properties import builtin_properties
from crm_migrate.sandbox.shapes import now_ms
from crm_migrate.schema import OBJECTS

T = TypeVar("T")
FIRST_ID = 1001

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY,
    object TEXT NOT NULL,
    props TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0,
    archived_ms INTEGER
);
CREATE INDEX IF NOT EXISTS records_by_object ON records (object, archived, id);
CREATE TABLE IF NOT EXISTS uniques (
    object TEXT NOT NULL,
    prop TEXT NOT NULL,
    value TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    PRIMARY KEY (object, prop, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS uniques_by_record ON uniques (record_id);
CREATE INDEX IF NOT EXISTS uniques_folded ON uniques (object, prop, lower(value));
CREATE TABLE IF NOT EXISTS associations (
    from_id INTEGER NOT NULL,
    to_id INTEGER NOT NULL,
    from_object TEXT NOT NULL,
    to_object TEXT NOT NULL,
    type_id INTEGER NOT NULL,
    category TEXT NOT NULL,
    PRIMARY KEY (from_id, to_id, type_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS custom_properties (
    object TEXT NOT NULL,
    name TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (object, name)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS portal (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
"""


@dataclass
class Record:
    """One stored record; `props` holds only the written (non-system) properties."""

    id: int
    object: str
    props: dict[str, str]
    created_ms: int
    updated_ms: int
    archived: bool = False
    archived_ms: int | None = None


@dataclass
class Association:
    """One directed association edge."""

    from_id: int
    to_id: int
    from_object: str
    to_object: str
    type_id: int
    category: str = "HUBSPOT_DEFINED"


@dataclass
class _Cache:
    properties: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)


def _row_to_record(row: tuple[Any, ...]) -> Record:
    return Record(
        id=row[0],
        object=row[1],
        props=json.loads(row[2]),
        created_ms=row[3],
        updated_ms=row[4],
        archived=bool(row[5]),
        archived_ms=row[6],
    )


_COLUMNS = "id, object, props, created_ms, updated_ms, archived, archived_ms"


def _in_chunks(values: list[Any], size: int = 500) -> Iterator[tuple[list[Any], str]]:
    """Values in chunks small enough for one SQL `IN (...)`, with that chunk's placeholders."""
    for start in range(0, len(values), size):
        chunk = values[start : start + size]
        yield chunk, ",".join("?" * len(chunk))


class Reader:
    """Read queries over one connection (used by both readers and the write transaction)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def get(self, obj: str, record_id: int, *, archived: bool = False) -> Record | None:
        """A record of this object by id (archived ones only when asked)."""
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM records WHERE id = ? AND object = ? AND archived = ?",
            (record_id, obj, int(archived)),
        ).fetchone()
        return _row_to_record(row) if row else None

    def get_many(self, obj: str, ids: Iterable[int]) -> dict[int, Record]:
        """Live records of this object among the ids, by id."""
        wanted = list(dict.fromkeys(ids))
        found: dict[int, Record] = {}
        for chunk, marks in _in_chunks(wanted):
            rows = self.conn.execute(
                f"SELECT {_COLUMNS} FROM records WHERE object = ? AND archived = 0 "
                f"AND id IN ({marks})",
                (obj, *chunk),
            ).fetchall()
            for row in rows:
                found[row[0]] = _row_to_record(row)
        return found

    def find_unique(self, obj: str, prop: str, values: Iterable[str]) -> dict[str, int]:
        """Live record ids holding these values of a unique property, by value."""
        wanted = list(dict.fromkeys(values))
        found: dict[str, int] = {}
        for chunk, marks in _in_chunks(wanted):
            rows = self.conn.execute(
                f"SELECT value, record_id FROM uniques WHERE object = ? AND prop = ? "
                f"AND value IN ({marks})",
                (obj, prop, *chunk),
            ).fetchall()
            found.update({value: record_id for value, record_id in rows})
        return found

    def find_unique_folded(self, obj: str, prop: str, values: Iterable[str]) -> list[int]:
        """Live record ids whose value of a unique property equals one of values, ignoring case."""
        wanted = list(dict.fromkeys(v.lower() for v in values))
        found: list[int] = []
        for chunk, marks in _in_chunks(wanted):
            rows = self.conn.execute(
                f"SELECT record_id FROM uniques WHERE object = ? AND prop = ? "
                f"AND lower(value) IN ({marks})",
                (obj, prop, *chunk),
            ).fetchall()
            found.extend(row[0] for row in rows)
        return found

    def page(self, obj: str, after_id: int, limit: int, *, archived: bool = False) -> list[Record]:
        """Up to `limit` records with id > after_id, oldest first."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM records WHERE object = ? AND archived = ? AND id > ? "
            "ORDER BY id LIMIT ?",
            (obj, int(archived), after_id, limit),
        ).fetchall()
        return [_row_to_record(row) for row in rows]

    def scan(self, obj: str) -> Iterator[Record]:
        """Every live record of the object, oldest first."""
        cursor = self.conn.execute(
            f"SELECT {_COLUMNS} FROM records WHERE object = ? AND archived = 0 ORDER BY id",
            (obj,),
        )
        for row in cursor:
            yield _row_to_record(row)

    def associations(self, from_id: int, to_object: str) -> list[Association]:
        """Edges from a record to records of another object."""
        rows = self.conn.execute(
            "SELECT a.from_id, a.to_id, a.from_object, a.to_object, a.type_id, a.category "
            "FROM associations a JOIN records r ON r.id = a.to_id AND r.archived = 0 "
            "WHERE a.from_id = ? AND a.to_object = ? ORDER BY a.to_id, a.type_id",
            (from_id, to_object),
        ).fetchall()
        return [Association(*row) for row in rows]

    def associations_of(
        self, from_ids: Iterable[int], to_object: str
    ) -> dict[int, list[Association]]:
        """Edges from each of these records to live records of another object, by from id."""
        wanted = list(dict.fromkeys(from_ids))
        found: dict[int, list[Association]] = {}
        for chunk, marks in _in_chunks(wanted):
            rows = self.conn.execute(
                "SELECT a.from_id, a.to_id, a.from_object, a.to_object, a.type_id, a.category "
                "FROM associations a JOIN records r ON r.id = a.to_id AND r.archived = 0 "
                f"WHERE a.from_id IN ({marks}) AND a.to_object = ? "
                "ORDER BY a.from_id, a.to_id, a.type_id",
                (*chunk, to_object),
            ).fetchall()
            for row in rows:
                found.setdefault(row[0], []).append(Association(*row))
        return found

    def counts(self) -> dict[str, int]:
        """Live records per object."""
        counts = dict.fromkeys(OBJECTS, 0)
        for obj, n in self.conn.execute(
            "SELECT object, COUNT(*) FROM records WHERE archived = 0 GROUP BY object"
        ):
            counts[obj] = n
        return counts


class Writer(Reader):
    """The operations available inside one write transaction."""

    def __init__(self, conn: sqlite3.Connection, unique_props: Callable[[str], list[str]]) -> None:
        super().__init__(conn)
        self._unique_props = unique_props
        self.when_ms = now_ms()

    def _next_ids(self, n: int) -> list[int]:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'next_id'").fetchone()
        first = int(row[0]) if row else FIRST_ID
        self.conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('next_id', ?)", (str(first + n),)
        )
        return list(range(first, first + n))

    def insert_many(self, obj: str, props_list: list[dict[str, str]]) -> list[Record]:
        """Create records (props already validated and unique-checked)."""
        ids = self._next_ids(len(props_list))
        when = self.when_ms
        records = [
            Record(id=i, object=obj, props=props, created_ms=when, updated_ms=when)
            for i, props in zip(ids, props_list, strict=True)
        ]
        self.conn.executemany(
            "INSERT INTO records (id, object, props, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?)",
            [(r.id, obj, json.dumps(r.props), when, when) for r in records],
        )
        self._index_uniques(obj, records)
        return records

    def update_many(self, obj: str, changes: list[tuple[Record, dict[str, str]]]) -> list[Record]:
        """Merge new values into records ("" removes a value); returns the updated records."""
        when = self.when_ms
        updated: list[Record] = []
        for record, new_values in changes:
            props = dict(record.props)
            for name, value in new_values.items():
                if value == "":
                    props.pop(name, None)
                else:
                    props[name] = value
            updated.append(
                Record(
                    id=record.id,
                    object=obj,
                    props=props,
                    created_ms=record.created_ms,
                    updated_ms=when,
                )
            )
        self.conn.executemany(
            "UPDATE records SET props = ?, updated_ms = ? WHERE id = ?",
            [(json.dumps(r.props), when, r.id) for r in updated],
        )
        self.conn.executemany("DELETE FROM uniques WHERE record_id = ?", [(r.id,) for r in updated])
        self._index_uniques(obj, updated)
        return updated

    def archive_many(self, obj: str, ids: list[int]) -> int:
        """Archive live records of this object; returns how many were archived."""
        rows = [(self.when_ms, i, obj) for i in dict.fromkeys(ids)]
        before = self.conn.total_changes
        self.conn.executemany(
            "UPDATE records SET archived = 1, archived_ms = ? WHERE id = ? AND object = ? "
            "AND archived = 0",
            rows,
        )
        archived = self.conn.total_changes - before
        self.conn.executemany("DELETE FROM uniques WHERE record_id = ?", [(r[1],) for r in rows])
        return archived

    def associate(self, edges: list[Association]) -> None:
        """Add association edges (idempotent)."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO associations "
            "(from_id, to_id, from_object, to_object, type_id, category) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (e.from_id, e.to_id, e.from_object, e.to_object, e.type_id, e.category)
                for e in edges
            ],
        )

    def dissociate(self, from_object: str, to_object: str, pairs: list[tuple[int, int]]) -> int:
        """Remove every edge (any type, both directions) between each pair; returns how many."""
        before = self.conn.total_changes
        self.conn.executemany(
            "DELETE FROM associations WHERE from_id = ? AND to_id = ? AND from_object = ? "
            "AND to_object = ?",
            [(a, b, from_object, to_object) for a, b in pairs]
            + [(b, a, to_object, from_object) for a, b in pairs],
        )
        return self.conn.total_changes - before

    def _index_uniques(self, obj: str, records: list[Record]) -> None:
        rows = []
        for prop in self._unique_props(obj):
            for record in records:
                value = record.props.get(prop)
                if value:
                    rows.append((obj, prop, _unique_key(prop, value), record.id))
        if rows:
            self.conn.executemany(
                "INSERT INTO uniques (object, prop, value, record_id) VALUES (?, ?, ?, ?)", rows
            )


def _unique_key(prop: str, value: str) -> str:
    return value.lower() if prop == "email" else value


unique_key = _unique_key


class Store:
    """The sandbox database file."""

    def __init__(self, path: str | Path, portal: Portal | None = None) -> None:
        self.path = Path(path)
        self.portal = Portal()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._cache = _Cache()
        self._closed = False
        conn = self._conn()
        conn.executescript(_SCHEMA)
        if portal is not None:
            self.set_portal(portal)
        else:
            row = conn.execute("SELECT json FROM portal WHERE id = 1").fetchone()
            if row:
                self.portal = Portal.from_json(row[0])
        self._load_properties()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        if self._closed:
            raise RuntimeError("the sandbox store is closed")
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        self._local.conn = conn
        with self._connections_lock:
            self._connections.append(conn)
        return conn

    def reader(self) -> Reader:
        """Read queries on this thread's connection."""
        return Reader(self._conn())

    def write(self, fn: Callable[[Writer], T]) -> T:
        """Run fn in one exclusive transaction; commit if it returns, roll back if it raises."""
        conn = self._conn()
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(Writer(conn, self.unique_properties))
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

    # properties

    def set_portal(self, portal: Portal) -> None:
        """Store the portal definition (replacing the one the file held) and serve it."""

        def put(tx: Writer) -> None:
            if portal.is_plain:
                tx.conn.execute("DELETE FROM portal")
            else:
                tx.conn.execute("INSERT OR REPLACE INTO portal (id, json) VALUES (1, ?)",
                                (portal.to_json(),))

        self.write(put)
        self.portal = portal
        self._load_properties()

    def required(self, obj: str) -> list[str]:
        """Properties this portal requires on a new record of obj (beyond HubSpot's own)."""
        return list(self.portal.required.get(obj) or [])

    def _load_properties(self) -> None:
        props = {obj: builtin_properties(obj) for obj in OBJECTS}
        for obj, definitions in self.portal.properties.items():
            if obj in props:
                for definition in definitions:
                    props[obj][definition["name"]] = definition
        for obj, _name, text in self._conn().execute(
            "SELECT object, name, json FROM custom_properties ORDER BY rowid"
        ):
            if obj in props:
                definition = json.loads(text)
                props[obj][definition["name"]] = definition
        self._cache.properties = props

    def properties(self, obj: str) -> dict[str, dict[str, Any]]:
        """Every property definition of an object, by name."""
        return self._cache.properties[obj]

    def unique_properties(self, obj: str) -> list[str]:
        """Names of properties whose values must be unique (email, hasUniqueValue customs)."""
        return [
            name
            for name, prop in self._cache.properties[obj].items()
            if prop.get("hasUniqueValue") and name != "hs_object_id"
        ]

    def add_property(self, obj: str, definition: dict[str, Any]) -> bool:
        """Store a custom property; False if one of that name exists already."""

        def insert(tx: Writer) -> bool:
            if definition["name"] in self._cache.properties[obj]:
                return False
            tx.conn.execute(
                "INSERT INTO custom_properties (object, name, json) VALUES (?, ?, ?)",
                (obj, definition["name"], json.dumps(definition)),
            )
            updated = dict(self._cache.properties[obj])
            updated[definition["name"]] = definition
            self._cache.properties = {**self._cache.properties, obj: updated}
            return True

        return self.write(insert)

    def remove_property(self, obj: str, name: str) -> bool:
        """Delete a custom property and every value of it; False if there is no such one."""

        def delete(tx: Writer) -> bool:
            gone = tx.conn.execute(
                "DELETE FROM custom_properties WHERE object = ? AND name = ?", (obj, name)
            ).rowcount
            if not gone:
                return False
            tx.conn.execute("DELETE FROM uniques WHERE object = ? AND prop = ?", (obj, name))
            tx.conn.execute(
                "UPDATE records SET props = json_remove(props, ?) WHERE object = ?",
                (f'$."{name}"', obj),
            )
            updated = dict(self._cache.properties[obj])
            updated.pop(name, None)
            self._cache.properties = {**self._cache.properties, obj: updated}
            return True

        return self.write(delete)

    def reset(self) -> None:
        """Wipe every record, association and custom property."""

        def wipe(tx: Writer) -> None:
            for table in ("records", "uniques", "associations", "custom_properties", "meta"):
                tx.conn.execute(f"DELETE FROM {table}")

        self.write(wipe)
        self._load_properties()

    def close(self) -> None:
        """Close every connection (any thread's); the file is released."""
        self._closed = True
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            try:
                conn.close()
            except sqlite3.Error:
                pass
        self._local = threading.local()
