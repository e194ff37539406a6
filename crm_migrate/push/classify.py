"""Before the first write: decide per row whether the target already holds it (update, with a
before-image of the fields we write) or not (we create it), and record that in the journal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crm_migrate.push.plan import ID_PROPERTY, identity_keys

if TYPE_CHECKING:
    from crm_migrate.connectors.base import Connector, RemoteRecord
    from crm_migrate.push.journal import Journal

CHUNK = 100
CLASSIFY_ROWS = 20_000


def _before(remote: RemoteRecord, fields: list[str]) -> dict[str, str]:
    return {f: remote.properties.get(f) or "" for f in fields}


async def _find(
    connector: Connector, object_name: str, field_name: str, values: list[str],
    properties: list[str], snapshot: dict[str, RemoteRecord] | None,
) -> dict[str, RemoteRecord]:
    if snapshot is not None:
        return {v: snapshot[v.lower()] for v in values if v.lower() in snapshot}
    found: dict[str, RemoteRecord] = {}
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        found.update(await connector.lookup(object_name, field_name, chunk, properties))
    return found


def worth_counting(connector: Connector, wanted: int) -> bool:
    """Whether classifying `wanted` keys starts by counting the target's records."""
    return connector.implements_count and connector.implements_list_all and wanted >= CHUNK


async def _snapshot(
    connector: Connector, object_name: str, field_name: str, properties: list[str], wanted: int,
    counts: dict[str, int] | None = None,
) -> dict[str, RemoteRecord] | None:
    """Every target record keyed by `field_name` when listing them all is cheaper than looking
    up `wanted` keys one batch at a time (e.g. an empty or small target); else None. `counts`
    holds record counts already asked for in this run (no write since) and learns new ones."""
    if not worth_counting(connector, wanted):
        return None
    if counts is not None and object_name in counts:
        total = counts[object_name]
    else:
        total = await connector.count(object_name)
        if counts is not None:
            counts[object_name] = total
    if total > wanted:
        return None
    if total == 0:
        return {}
    records = await connector.list_all(object_name, sorted({*properties, field_name}))
    return {(r.properties.get(field_name) or "").lower(): r for r in records
            if r.properties.get(field_name)}


async def remap_id_property(journal: Journal, id_property: str | None, kind: str) -> None:
    """Fit the planned upserts to the key the target writes by: `email` (planned for
    contacts), `crm_migrate_id` (planned for the rest), another natural field (upsert by its
    value when the row has one, else create) or none (create)."""
    if id_property == "email":
        return  # the plan's keys already fit: nothing to read or rewrite
    where = "kind = ? AND state = 'pending' AND op LIKE 'upsert:%'"
    if id_property == ID_PROPERTY:
        where += " AND op = 'upsert:email'"  # only these change
    rows = journal.rows(where, (kind,))
    object_name = "companies" if kind == "company" else str(journal.get("object"))
    by_email = [r for r in rows if r["op"] == "upsert:email"]
    idents = dict(zip((r["seq"] for r in by_email), identity_keys(
        object_name, [(r["payload"], r["source"]) for r in by_email]), strict=True))
    changes: list[tuple[str, str | None, int]] = []
    for row in rows:
        planned = row["op"].split(":", 1)[1]
        if id_property is None:
            changes.append(("create", row["write_key"], row["seq"]))
        elif id_property == ID_PROPERTY and planned == "email":
            changes.append((f"upsert:{ID_PROPERTY}", idents[row["seq"]], row["seq"]))
        elif id_property not in ("email", ID_PROPERTY):
            value = row["payload"].get(id_property)
            op = f"upsert:{id_property}" if value else "create"
            changes.append((op, value or row["write_key"], row["seq"]))
    if changes:
        with journal.transaction() as conn:
            conn.executemany("UPDATE rows SET op = ?, write_key = ? WHERE seq = ?", changes)


async def classify_by_id(journal: Journal, connector: Connector, object_name: str,
                          kind: str, counts: dict[str, int] | None = None) -> None:
    """Rows written by crm_migrate_id that an earlier run already wrote (their keys are
    stable across runs): the target holds them, so they are updates with a before-image.
    The rest stay unclassified for the natural-key pass."""
    where = "kind = ? AND state = 'pending' AND existed IS NULL AND op = ?"
    params = (kind, f"upsert:{ID_PROPERTY}")
    wanted = int(journal.conn.execute(f"SELECT COUNT(*) FROM rows WHERE {where}",
                                      params).fetchone()[0])
    if not wanted:
        return
    fields = _payload_fields(journal, where, params)
    snapshot = await _snapshot(connector, object_name, ID_PROPERTY, fields, wanted, counts)
    if snapshot == {}:
        return
    last_seq = 0
    while True:
        rows = journal.rows(f"{where} AND seq > ?", (*params, last_seq), limit=CLASSIFY_ROWS)
        if not rows:
            return
        last_seq = rows[-1]["seq"]
        found = await _find(connector, object_name, ID_PROPERTY,
                            sorted({r["write_key"] for r in rows}), fields, snapshot)
        decided: list[tuple[int, bool, str | None, dict[str, str] | None]] = []
        ops: list[tuple[str, int]] = []
        for row in rows:
            remote = found.get(row["write_key"])
            if remote is not None:
                _decide(row, remote, decided, ops)
        _record(journal, decided, ops)


def _payload_fields(journal: Journal, where: str, params: tuple[Any, ...]) -> list[str]:
    """Every field the matching rows write (what a before-image must hold)."""
    return [r[0] for r in journal.conn.execute(
        f"SELECT DISTINCT j.key FROM rows, json_each(rows.payload) AS j WHERE {where}", params)]


def _record(journal: Journal, decided: list[tuple[int, bool, str | None, dict[str, str] | None]],
            ops: list[tuple[str, int]]) -> None:
    journal.classify(decided)
    if ops:
        with journal.transaction() as conn:
            conn.executemany("UPDATE rows SET op = ? WHERE seq = ?",
                             [(op, seq) for op, seq in ops if op != "skip"])
            conn.executemany("UPDATE rows SET state = 'skipped' WHERE seq = ?",
                             [(seq,) for op, seq in ops if op == "skip"])


async def classify(journal: Journal, connector: Connector, object_name: str, kind: str,
                   *, by_id: bool = True, counts: dict[str, int] | None = None) -> int:
    """Classify this kind's unclassified pending rows, a chunk at a time; return the updates.

    `by_id` first finds the rows an earlier run wrote by crm_migrate_id (the target must have
    that property: a dry run, which creates nothing, passes False when it may not)."""
    if by_id:
        await classify_by_id(journal, connector, object_name, kind, counts)
    where = "kind = ? AND state = 'pending' AND existed IS NULL"
    key_field = "email" if object_name == "contacts" else "domain"
    keyed = int(journal.conn.execute(f"SELECT COUNT(*) FROM rows WHERE {where} AND key IS NOT "
                                     "NULL", (kind,)).fetchone()[0])
    snapshot = None
    if keyed and object_name in ("contacts", "companies"):
        fields = _payload_fields(journal, where, (kind,))
        snapshot = await _snapshot(connector, object_name, key_field, fields, keyed, counts)
    if snapshot == {} and object_name != "companies":
        # an empty target holds none of them (companies still go by name below)
        with journal.transaction() as conn:
            conn.execute(f"UPDATE rows SET existed = 0 WHERE {where}", (kind,))
        return 0
    updates = 0
    last_seq = 0
    while True:
        rows = journal.rows(f"{where} AND seq > ?", (kind, last_seq), limit=CLASSIFY_ROWS)
        if not rows:
            return updates
        last_seq = rows[-1]["seq"]
        updates += await _classify_chunk(journal, connector, object_name, rows, snapshot)


async def _classify_chunk(
    journal: Journal, connector: Connector, object_name: str, rows: list[dict[str, Any]],
    snapshot: dict[str, RemoteRecord] | None,
) -> int:
    fields = sorted({f for r in rows for f in r["payload"]})
    keyed = [r for r in rows if r["key"]]
    decided: list[tuple[int, bool, str | None, dict[str, str] | None]] = []
    ops: list[tuple[str, int]] = []
    key_field = "email" if object_name == "contacts" else "domain"
    by_name: list[dict[str, Any]] = []
    if object_name == "companies":
        by_name = [r for r in rows if not r["key"] and r["payload"].get("name")]
    if keyed and object_name in ("contacts", "companies"):
        found = await _find(connector, object_name, key_field,
                            sorted({r["key"] for r in keyed}), fields, snapshot)
        found_lower = {k.lower(): v for k, v in found.items()}
        for r in keyed:
            _decide(r, found_lower.get(r["key"].lower()), decided, ops)
    if by_name:
        names = sorted({r["payload"]["name"] for r in by_name})
        found = await _find(connector, object_name, "name", names, fields, None)
        found_lower = {k.lower(): v for k, v in found.items()}
        for r in by_name:
            _decide(r, found_lower.get(r["payload"]["name"].lower()), decided, ops)
    done = {d[0] for d in decided}
    decided += [(r["seq"], False, None, None) for r in rows if r["seq"] not in done]
    _record(journal, decided, ops)
    return sum(1 for d in decided if d[1])


def _decide(
    row: dict[str, Any], remote: RemoteRecord | None,
    decided: list[tuple[int, bool, str | None, dict[str, str] | None]],
    ops: list[tuple[str, int]],
) -> None:
    if remote is None:
        decided.append((row["seq"], False, None, None))
        return
    decided.append((row["seq"], True, remote.id, _before(remote, list(row["payload"]))))
    if _unchanged(row["payload"], remote):
        ops.append(("skip", row["seq"]))  # the target already holds every value: no write
    elif not str(row["op"]).startswith("upsert:email"):
        ops.append(("update", row["seq"]))


def _unchanged(payload: dict[str, str], remote: RemoteRecord) -> bool:
    """Whether the target record already holds each value we would write (when the lookup
    returned a field we write without a value, it counts as a change)."""
    from crm_migrate.clean.matching import same_value

    return bool(payload) and all(same_value(name, str(value), remote.properties.get(name))
                                 for name, value in payload.items())
