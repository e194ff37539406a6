"""Before the first write: decide per row whether the target already holds it (update, with a
before-image of the fields we write) or not (we create it), and record that in the journal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm_migrate.clean.matching import TargetSnapshot, budget_pacer, same_value
from crm_migrate.clean.shared_keys import different_people
from crm_migrate.connectors.base import RemoteRecord
from crm_migrate.identity import ID_PROPERTY, identity_keys
from crm_migrate.progress import ProgressMeter
from crm_migrate.push.journal import (
    CREATE,
    UPDATE,
    UPSERT_EMAIL,
    Classification,
    Journal,
    JournalRow,
    Op,
    RowKind,
)

if TYPE_CHECKING:
    from crm_migrate.connectors.base import Connector

CHUNK = 100
DIFFERENT_PERSON = "the target's contact with this address is"
LIST_PAGE = 100  # records a listing page carries (HubSpot's; the pacer measures the others')
CLASSIFY_ROWS = 20_000
MISSING = RemoteRecord("")  # a value the held snapshot never read


def _before(remote: RemoteRecord, fields: list[str]) -> dict[str, str]:
    return {f: remote.properties.get(f) or "" for f in fields}


async def _find(
    connector: Connector, object_name: str, field_name: str, values: list[str],
    properties: list[str], snapshot: dict[str, RemoteRecord] | None,
    meter: ProgressMeter | None = None, rows: int = 0, held: TargetSnapshot | None = None,
) -> dict[str, RemoteRecord]:
    """The target's records holding these values; `meter` advances over `rows` (the rows these
    values classify) a lookup at a time. With `held` (what matching read of the target), only
    the values it does not know are looked up (and it learns them)."""
    if snapshot is not None:
        return {v: snapshot[v.lower()] for v in values if v.lower() in snapshot}
    found: dict[str, RemoteRecord] = {}
    table = held.table(field_name) if held is not None and set(properties) <= held.properties \
        else None
    if table is not None:
        for value in values:
            known = table.get(value.casefold(), MISSING)
            if known is not MISSING:
                if known is not None:
                    found[value] = known
        values = [v for v in values if v.casefold() not in table]
    base = meter.current.done if meter is not None else 0
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        got = await connector.lookup(object_name, field_name, chunk, properties)
        found.update(got)
        if table is not None:
            folded = {k.casefold(): r for k, r in got.items()}
            table.update({v.casefold(): folded.get(v.casefold()) for v in chunk})
        if meter is not None:
            meter.update(base + rows * (start + len(chunk)) // max(1, len(values)))
    return found


def worth_counting(connector: Connector, wanted: int) -> bool:
    """Whether classifying `wanted` keys starts by counting the target's records."""
    return connector.implements_count and connector.implements_list_all and wanted >= CHUNK


async def _snapshot(
    connector: Connector, object_name: str, field_name: str, properties: list[str], wanted: int,
    counts: dict[str, int] | None = None, meter: ProgressMeter | None = None,
) -> dict[str, RemoteRecord] | None:
    """Every target record keyed by `field_name` when listing them all is cheaper than looking
    up `wanted` keys one batch at a time (e.g. an empty or small target); else None. `counts`
    holds record counts already asked for in this run (no write since) and learns new ones.
    `meter` hears the phases "counting the target" and "reading the target" (records read,
    a page at a time: on a resume behind a full rate-limit window this takes a while)."""
    if not worth_counting(connector, wanted):
        return None
    meter = meter or ProgressMeter(None)
    if counts is not None and object_name in counts:
        total = counts[object_name]
    else:
        meter.phase("counting the target", unit=object_name)
        total = await connector.count(object_name)
        if counts is not None:
            counts[object_name] = total
    if total > wanted:
        return None
    if total == 0:
        return {}
    meter.phase("reading the target", total, unit=object_name,
                pacer=budget_pacer(connector, LIST_PAGE))
    records = await connector.list_all(object_name, sorted({*properties, field_name}),
                                       on_page=meter.update)
    return {(r.properties.get(field_name) or "").lower(): r for r in records
            if r.properties.get(field_name)}


async def remap_id_property(journal: Journal, id_property: str | None, kind: RowKind) -> None:
    """Fit the planned upserts to the key the target writes by: `email` (planned for
    contacts), `crm_migrate_id` (planned for the rest), another natural field (upsert by its
    value when the row has one, else create) or none (create)."""
    if id_property == "email":
        return  # the plan's keys already fit: nothing to read or rewrite
    # with crm_migrate_id only the email upserts change
    rows = journal.pending_upserts(kind, UPSERT_EMAIL if id_property == ID_PROPERTY else None)
    object_name = "companies" if kind is RowKind.COMPANY else journal.meta().object_name
    by_email = [r for r in rows if r.op == UPSERT_EMAIL]
    idents = dict(zip((r.seq for r in by_email), identity_keys(
        object_name, [(r.payload, r.source) for r in by_email]), strict=True))
    changes: list[tuple[int, Op, str | None]] = []
    for row in rows:
        if id_property is None:
            changes.append((row.seq, CREATE, row.write_key))
        elif id_property == ID_PROPERTY and row.op == UPSERT_EMAIL:
            changes.append((row.seq, Op.upsert(ID_PROPERTY), idents[row.seq]))
        elif id_property not in ("email", ID_PROPERTY):
            value = row.payload.get(id_property)
            changes.append((row.seq, Op.upsert(id_property) if value else CREATE,
                            value or row.write_key))
    if changes:
        journal.set_ops(changes)


async def classify_by_id(journal: Journal, connector: Connector, object_name: str,
                          kind: RowKind, counts: dict[str, int] | None = None,
                          meter: ProgressMeter | None = None,
                          held: TargetSnapshot | None = None) -> None:
    """Rows written by crm_migrate_id that an earlier run already wrote (their keys are
    stable across runs): the target holds them, so they are updates with a before-image.
    The rest stay unclassified for the natural-key pass."""
    by_id = Op.upsert(ID_PROPERTY)
    wanted = journal.count_unclassified(kind, by_id)
    if not wanted:
        return
    fields = journal.unclassified_fields(kind, by_id)
    meter = meter or ProgressMeter(None)
    snapshot = None if held is not None else await _snapshot(
        connector, object_name, ID_PROPERTY, fields, wanted, counts, meter)
    meter.phase("classifying by id", wanted, unit=object_name,
                pacer=budget_pacer(connector, CHUNK))
    if snapshot == {}:
        meter.update(wanted)
        return
    last_seq = 0
    seen = 0
    while True:
        rows = journal.unclassified(kind, by_id, after=last_seq, limit=CLASSIFY_ROWS)
        if not rows:
            return
        last_seq = rows[-1].seq
        found = await _find(connector, object_name, ID_PROPERTY,
                            sorted({r.write_key for r in rows if r.write_key}), fields, snapshot,
                            meter, len(rows), held)
        journal.classify([decide(row, remote) for row in rows
                          if row.write_key and (remote := found.get(row.write_key)) is not None])
        seen += len(rows)
        meter.update(seen)


async def classify_merged(journal: Journal, connector: Connector, object_name: str,
                          kind: RowKind) -> None:
    """Rows the user merged into a chosen target record (op `update`, its id in write_key):
    read those records for the before-image; one that is gone makes its row new again."""
    rows = journal.unclassified(kind, UPDATE)
    if not rows:
        return
    fields = sorted({f for r in rows for f in r.payload})
    ids = sorted({r.write_key for r in rows if r.write_key})
    found: dict[str, RemoteRecord] = {}
    for start in range(0, len(ids), CHUNK):
        found.update(await connector.read(object_name, ids[start:start + CHUNK], fields))
    decided = []
    for row in rows:
        remote = found.get(row.write_key or "")
        if remote is None:
            decided.append(Classification(row.seq, existed=False,
                                          op=UPSERT_EMAIL if row.key and object_name == "contacts"
                                          else CREATE))
        else:
            decided.append(decide(row, remote))
    journal.classify(decided)


async def classify(journal: Journal, connector: Connector, object_name: str, kind: RowKind,
                   *, by_id: bool = True, counts: dict[str, int] | None = None,
                   meter: ProgressMeter | None = None, held: TargetSnapshot | None = None) -> int:
    """Classify this kind's unclassified pending rows, a chunk at a time; return the updates.

    `by_id` first finds the rows an earlier run wrote by crm_migrate_id (the target must have
    that property: a dry run, which creates nothing, passes False when it may not). `meter`
    hears the phase "classifying" in rows of `object_name`, a lookup at a time. `held`: what
    matching already read of the target for these rows' keys (only the rest is looked up)."""
    meter = meter or ProgressMeter(None)
    if held is not None and held.object_name != object_name:
        held = None
    await classify_merged(journal, connector, object_name, kind)
    if by_id:
        await classify_by_id(journal, connector, object_name, kind, counts, meter, held)
    key_field = "email" if object_name == "contacts" else "domain"
    keyed = journal.count_unclassified(kind, keyed=True)
    snapshot = None
    if keyed and object_name in ("contacts", "companies") and held is None:
        fields = journal.unclassified_fields(kind)
        snapshot = await _snapshot(connector, object_name, key_field, fields, keyed, counts,
                                   meter)
    wanted = journal.count_unclassified(kind)
    meter.phase("classifying", wanted, unit=object_name,  # companies without a domain: by name
                pacer=budget_pacer(connector, CHUNK, search=object_name == "companies"))
    if snapshot == {} and object_name != "companies":
        # an empty target holds none of them (companies still go by name below)
        journal.mark_unclassified_new(kind)
        meter.update(wanted)
        return 0
    updates = 0
    last_seq = 0
    seen = 0
    while True:
        rows = journal.unclassified(kind, after=last_seq, limit=CLASSIFY_ROWS)
        if not rows:
            return updates
        last_seq = rows[-1].seq
        updates += await _classify_chunk(journal, connector, object_name, rows, snapshot, meter,
                                         held)
        seen += len(rows)
        meter.update(seen)


async def _classify_chunk(
    journal: Journal, connector: Connector, object_name: str, rows: list[JournalRow],
    snapshot: dict[str, RemoteRecord] | None, meter: ProgressMeter,
    held: TargetSnapshot | None = None,
) -> int:
    fields = sorted({f for r in rows for f in r.payload})
    keyed = [(r, r.key) for r in rows if r.key]
    decided: dict[int, Classification] = {}
    key_field = "email" if object_name == "contacts" else "domain"
    by_name: list[JournalRow] = []
    if object_name == "companies":
        by_name = [r for r in rows if not r.key and r.payload.get("name")]
    if keyed and object_name in ("contacts", "companies"):
        found = await _find(connector, object_name, key_field,
                            sorted({key for _, key in keyed}), fields, snapshot, meter,
                            len(keyed), held)
        found_lower = {k.lower(): v for k, v in found.items()}
        for r, key in keyed:
            remote = found_lower.get(key.lower())
            refused = someone_else(r, remote) if object_name == "contacts" else None
            decided[r.seq] = (Classification(r.seq, existed=False, refused=refused) if refused
                              else decide(r, remote))
    if by_name:
        names = sorted({r.payload["name"] for r in by_name})
        found = await _find(connector, object_name, "name", names, fields, None, meter,
                            len(by_name))
        found_lower = {k.lower(): v for k, v in found.items()}
        for r in by_name:
            decided[r.seq] = decide(r, found_lower.get(r.payload["name"].lower()))
    journal.classify([decided.get(r.seq) or Classification(r.seq, existed=False) for r in rows])
    return sum(1 for d in decided.values() if d.existed)


def someone_else(row: JournalRow, remote: RemoteRecord | None) -> str | None:
    """Why a contact row must not be written by its address, when the target's contact with
    that address is clearly another person (an upsert would put this row's name, phone and
    the rest on that person's contact); None when it may be."""
    if remote is None:
        return None
    theirs = remote.properties
    first, last = theirs.get("firstname") or "", theirs.get("lastname") or ""
    if not different_people(row.payload.get("firstname"), row.payload.get("lastname"), first, last):
        return None
    return (f"{DIFFERENT_PERSON} {first} {last} (id {remote.id}), a different person: give this "
            f"row its own address or leave the address out, then push it again")


def decide(row: JournalRow, remote: RemoteRecord | None) -> Classification:
    """Whether the target holds the row's record; an existing one is an update (the sender
    writes a row that existed by its target id; its planned op stays, so a resume can classify
    it again) or, when it holds every value, skipped."""
    if remote is None:
        return Classification(row.seq, existed=False)
    return Classification(row.seq, existed=True, target_id=remote.id,
                          before=_before(remote, list(row.payload)),
                          skip=_unchanged(row.payload, remote))


def _unchanged(payload: dict[str, str], remote: RemoteRecord) -> bool:
    """Whether the target record already holds each value we would write (when the lookup
    returned a field we write without a value, it counts as a change)."""
    return bool(payload) and all(same_value(name, str(value), remote.properties.get(name))
                                 for name, value in payload.items())
