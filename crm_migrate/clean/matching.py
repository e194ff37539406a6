"""Matching against the target (create / update / skip) and near-matches worth a human look."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from crm_migrate.connectors.base import RemoteRecord
from crm_migrate.errors import CrmMigrateError
from crm_migrate.identity import ID_PROPERTY, identity_keys, key_field, natural_key
from crm_migrate.progress import Pacer, ProgressMeter

if TYPE_CHECKING:
    import pandas as pd

    from crm_migrate.connectors.base import Connector
    from crm_migrate.model import CleanResult, OutputRecord
    from crm_migrate.schema import ObjectSchema

BATCH = 100
T = TypeVar("T")
CASELESS = {"email", "domain", "website"}
# the fields that name a record when looking for same-name rows with different keys
NEAR_MATCH_NAMES = {"contacts": ["firstname", "lastname", "company"], "companies": ["name"]}


_LOOP: asyncio.AbstractEventLoop | None = None
_LOOP_LOCK = threading.Lock()


def _shared_loop() -> asyncio.AbstractEventLoop:
    global _LOOP
    with _LOOP_LOCK:
        if _LOOP is None or _LOOP.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="crm-migrate-async", daemon=True).start()
            _LOOP = loop
        return _LOOP


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from sync code on one shared background event loop and wait for it.

    One loop for every call, so a connector used for matching can later be used
    (or closed with `run_async(connector.aclose())`) without crossing event loops.
    """
    return asyncio.run_coroutine_threadsafe(coro, _shared_loop()).result()


def budget_pacer(connector: Connector, units_per_request: int, search: bool = False,
                 work: Callable[[], tuple[float, float]] | None = None) -> Pacer | None:
    """The target's request budget as a progress Pacer for a phase that sends about
    `units_per_request` units a request (the meter measures it once the phase has sent some:
    pages, splits, retries); `search`: its requests are searches (a search budget of their own
    too); `work`: the phase's work done and left when its units differ in cost (see Pacer).
    None when the target has no limiter."""
    limiters = connector.budget(search)
    if not limiters:
        return None
    counter = limiters[-1]  # every request of the phase goes through it (a search's too)

    def finish_in(requests: int, spacing: float) -> float:
        return max(limiter.finish_in(requests, spacing) for limiter in limiters)

    return Pacer(waited=lambda: sum(limiter.waited for limiter in limiters),
                 sent=lambda: counter.sent, finish_in=finish_in,
                 per_request=max(1, units_per_request), work=work)


def _fold(name: str, value: str) -> str:
    text = " ".join(str(value).split())
    if name in CASELESS:
        text = text.casefold().rstrip("/")
        if name == "website":
            text = text.removeprefix("https://").removeprefix("http://").removeprefix("www.")
    return text


def same_value(name: str, ours: str, theirs: str | None) -> bool:
    """Whether the target already holds our value (case, trailing zeros and midnight times aside)."""
    if theirs is None:
        return False
    a, b = _fold(name, ours), _fold(name, theirs)
    if a == b:
        return True
    if b.startswith(a) and b[len(a):] in ("T00:00:00Z", "T00:00:00.000Z", "T00:00:00"):
        return True
    try:
        return float(a) == float(b)
    except ValueError:
        return a.casefold() == b.casefold() and name in ("firstname", "lastname", "name", "company")


@dataclass
class TargetSnapshot:
    """What the target holds for a run's keys, read once and reused: matching fills it (in
    batches, at the target's rate), the Dedupe step's decisions decide from it without a
    request, the dry run and the push's classification start from it, and a push refreshes
    only the records it wrote.

    Each table maps a case-folded value to the record holding it, or to None when the target
    was asked and holds none. `properties`: what the records were read with (a wider need
    reads them again)."""

    object_name: str
    key_field: str | None
    target: str | None = None
    url: str | None = None
    properties: set[str] = field(default_factory=set)
    by_key: dict[str, RemoteRecord | None] = field(default_factory=dict)
    by_ident: dict[str, RemoteRecord | None] = field(default_factory=dict)
    by_lastname: dict[str, RemoteRecord | None] = field(default_factory=dict)
    requests: int = 0  # lookups it took to fill (none once a value is known)

    def table(self, field_name: str) -> dict[str, RemoteRecord | None] | None:
        """The table of records by this field (the key, crm_migrate_id), None for another."""
        if field_name == ID_PROPERTY:
            return self.by_ident
        return self.by_key if field_name == self.key_field else None

    def widen(self, properties: set[str]) -> None:
        """Records read without some of `properties` are read again (forget them)."""
        if not properties <= self.properties:
            self.by_key.clear()
            self.by_ident.clear()
            self.properties |= properties

    def learn(self, field_name: str, value: str, record_id: str, written: dict[str, str]) -> None:
        """A push wrote this record (created or updated): hold what it holds now."""
        table = self.table(field_name)
        if table is None or not value:
            return
        old = table.get(value.casefold())
        properties = {**(old.properties if old is not None else {}), **written}
        table[value.casefold()] = RemoteRecord(record_id, properties)


def held_snapshot(result: CleanResult | None) -> TargetSnapshot | None:
    """The snapshot a clean result was matched with (None when it was not)."""
    held = result.target_snapshot if result is not None else None
    return held if isinstance(held, TargetSnapshot) else None


async def _lookup_all(connector: Connector, object_name: str, field_name: str, values: list[str],
                      meter: ProgressMeter | None = None,
                      properties: list[str] | None = None) -> dict[str, RemoteRecord]:
    found: dict[str, RemoteRecord] = {}
    for start in range(0, len(values), BATCH):
        batch = values[start:start + BATCH]
        got = await connector.lookup(object_name, field_name, batch, properties=properties or None)
        for value, record in got.items():
            found[str(value).casefold()] = record
        if meter is not None:
            meter.update(start + len(batch))
    return found


async def fill(snapshot: TargetSnapshot, connector: Connector, table: dict[str, RemoteRecord | None],
               field_name: str, values: list[str], properties: list[str],
               meter: ProgressMeter | None = None, phase: str = "match", unit: str = "keys"
               ) -> None:
    """Look up the values the snapshot does not know yet (in batches, with progress)."""
    wanted = sorted({v.casefold() for v in values if v} - set(table))
    if not wanted:
        return
    if meter is not None:
        meter.phase(phase, len(wanted), unit=unit,
                    pacer=budget_pacer(connector, BATCH, search=field_name not in (
                        ID_PROPERTY, snapshot.key_field)))
    found = await _lookup_all(connector, snapshot.object_name, field_name, wanted, meter,
                              properties=properties)
    snapshot.requests += -(-len(wanted) // BATCH)
    for value in wanted:
        table[value] = found.get(value)


def match_records(result: CleanResult, connector: Connector, schema: ObjectSchema,
                  meter: ProgressMeter | None = None, snapshot: TargetSnapshot | None = None,
                  extra_keys: list[str] | None = None) -> TargetSnapshot:
    """Mark each record create / update (target_id) / skip (sync; runs on the shared loop)."""
    meter = meter or ProgressMeter(None)
    with meter.beating():
        return run_async(match_records_async(result, connector, schema, meter, snapshot,
                                             extra_keys))


async def match_records_async(result: CleanResult, connector: Connector, schema: ObjectSchema,
                              meter: ProgressMeter | None = None,
                              snapshot: TargetSnapshot | None = None,
                              extra_keys: list[str] | None = None) -> TargetSnapshot:
    """Read what the target holds for the records' keys into `snapshot` (only what it does
    not know yet; `extra_keys`: other keys worth knowing, e.g. every duplicate group member's,
    so a Dedupe decision needs no request), then mark each record create / update / skip from
    it; `meter` hears "match", "match ids" and "near matches". Returns the snapshot."""
    meter = meter or ProgressMeter(None)
    key_field = schema.key
    if snapshot is None or snapshot.object_name != result.object or snapshot.key_field != key_field:
        snapshot = TargetSnapshot(result.object, key_field)
    records = result.records
    properties = sorted({name for r in records for name in r.properties} | ({key_field} if key_field else set()))
    snapshot.widen(set(properties))
    if key_field:
        keys = [r.key for r in records if r.key] + list(extra_keys or [])
        await fill(snapshot, connector, snapshot.by_key, key_field, keys, properties, meter)
    keyless = [r for r in records if not natural_key(result.object, r.properties)]
    if keyless:
        idents = identity_keys(result.object, [(r.properties, r.source) for r in keyless])
        try:
            await fill(snapshot, connector, snapshot.by_ident, ID_PROPERTY, idents, properties,
                       meter, phase="match ids")
        except CrmMigrateError:  # the property does not exist: nothing was pushed this way yet
            snapshot.by_ident.update({k.casefold(): None for k in idents})
    if result.object == "contacts":
        lastnames = [r.properties["lastname"] for r in records
                     if r.properties.get("lastname") and r.properties.get("firstname")
                     and not (r.key and snapshot.by_key.get(r.key.casefold()))]
        await fill(snapshot, connector, snapshot.by_lastname, "lastname", lastnames,
                   ["firstname", "lastname", "company", "email"], meter, phase="near matches",
                   unit="names")
    decide_records(result, snapshot)
    result.near_matches.extend(target_near_matches(records, snapshot))
    return snapshot


def decide_records(result: CleanResult, snapshot: TargetSnapshot,
                   records: list[OutputRecord] | None = None) -> None:
    """Mark records create / update (target_id) / skip from what the snapshot holds (no
    request; a key it never read counts as new). A record merged into a chosen target record
    (`merge_into`) is an update of that record."""
    records = result.records if records is None else records
    keyless = [r for r in records if not natural_key(result.object, r.properties)]
    idents = dict(zip((id(r) for r in keyless), identity_keys(
        result.object, [(r.properties, r.source) for r in keyless]), strict=True))
    for record in records:
        if record.merge_into:
            record.action, record.target_id = "update", record.merge_into
            continue
        if record.key and snapshot.key_field:
            remote = snapshot.by_key.get(record.key.casefold())
        else:
            ident = idents.get(id(record))
            remote = snapshot.by_ident.get(ident.casefold()) if ident else None
        if remote is None:
            record.action, record.target_id = "create", None
            continue
        record.target_id = remote.id
        unchanged = all(same_value(n, v, remote.properties.get(n))
                        for n, v in record.properties.items())
        record.action = "skip" if unchanged else "update"


def target_near_matches(records: list[OutputRecord], snapshot: TargetSnapshot
                        ) -> list[dict[str, Any]]:
    """Contacts we would create whose name (and company) match an existing contact with
    another email (from the snapshot: no request)."""
    if snapshot.object_name != "contacts":
        return []
    out = []
    for record in records:
        if record.action != "create" or record.merge_into:
            continue
        lastname, firstname = record.properties.get("lastname"), record.properties.get("firstname")
        if not lastname or not firstname:
            continue
        other = snapshot.by_lastname.get(lastname.casefold())
        if other is None:
            continue
        props = other.properties
        if str(props.get("firstname", "")).casefold() != firstname.casefold():
            continue
        ours_company = record.properties.get("company", "").casefold()
        theirs_company = str(props.get("company", "") or "").casefold()
        if ours_company and theirs_company and ours_company != theirs_company:
            continue
        if (props.get("email") or "").casefold() == (record.key or ""):
            continue
        out.append({"kind": "target", "source": record.source, "target_id": other.id,
                    "reason": "same name" + (" and company" if ours_company else "")
                              + " as an existing record with another email",
                    "ours": {k: record.properties.get(k, "") for k in ("firstname", "lastname", "company", "email")},
                    "theirs": {k: str(props.get(k, "") or "") for k in ("firstname", "lastname", "company", "email")}})
    return out


def near_matches_in_input(frame: pd.DataFrame, object_name: str) -> list[dict[str, Any]]:
    """Rows left unmerged that share a name (and company) but not the key: worth a human look."""
    parts = NEAR_MATCH_NAMES.get(object_name)
    key = key_field(object_name)
    if parts is None or key is None:
        return []
    if not all(p in frame.columns for p in parts[:2 if object_name == "contacts" else 1]) or key not in frame:
        return []
    present = [p for p in parts if p in frame.columns]
    needed = present[: 2 if object_name == "contacts" else 1]
    folded = {p: frame[p].astype(str).str.strip().str.casefold() for p in present}
    filled = frame[key] != ""
    for p in needed:
        filled &= folded[p] != ""
    if not filled.any():
        return []
    name_key = folded[present[0]][filled]
    for p in present[1:]:
        name_key = name_key + "\x1f" + folded[p][filled]
    sub = frame.loc[filled, [key, "_source"]].assign(_name=name_key)
    counts = sub.groupby("_name")[key].nunique()
    wanted = set(counts[counts > 1].index[:1000])
    if not wanted:
        return []
    chosen = sub[sub["_name"].isin(wanted)]
    with_company = object_name == "contacts" and "company" in present
    out = []
    for _, rows in chosen.groupby("_name", sort=False):
        out.append({"kind": "input", "rows": rows["_source"].tolist(),
                    "reason": f"same name{' and company' if with_company else ''}, different {key}",
                    "values": rows[key].tolist()})
    return out
