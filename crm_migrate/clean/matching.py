"""Matching against the target (create / update / skip) and near-matches worth a human look."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from crm_migrate.errors import CrmMigrateError
from crm_migrate.identity import ID_PROPERTY, identity_keys, key_field, natural_key
from crm_migrate.progress import ProgressMeter

if TYPE_CHECKING:
    import pandas as pd

    from crm_migrate.connectors.base import Connector, RemoteRecord
    from crm_migrate.model import CleanResult
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


async def _read_all(connector: Connector, object_name: str, ids: list[str],
                    properties: list[str], meter: ProgressMeter | None = None
                    ) -> dict[str, RemoteRecord]:
    found: dict[str, RemoteRecord] = {}
    for start in range(0, len(ids), BATCH):
        found.update(await connector.read(object_name, ids[start:start + BATCH], properties))
        if meter is not None:
            meter.update(start + len(ids[start:start + BATCH]))
    return found


def match_records(result: CleanResult, connector: Connector, schema: ObjectSchema,
                  meter: ProgressMeter | None = None) -> None:
    """Mark each record create / update (target_id) / skip (sync; runs on the shared loop)."""
    meter = meter or ProgressMeter(None)
    with meter.beating():
        run_async(match_records_async(result, connector, schema, meter))


async def match_records_async(result: CleanResult, connector: Connector, schema: ObjectSchema,
                              meter: ProgressMeter | None = None) -> None:
    """Mark each record create / update (target_id) / skip by looking its unique key up on the
    target; `meter` hears each step ("match" keys, "match ids", "read", "near matches")."""
    meter = meter or ProgressMeter(None)
    key_field = schema.key
    records = result.records
    keys = sorted({r.key for r in records if r.key}) if key_field else []
    properties = sorted({name for r in records for name in r.properties})
    meter.phase("match", len(keys), unit="keys")
    found = (await _lookup_all(connector, result.object, key_field, keys, meter)
             if key_field else {})
    by_id = await _lookup_by_identity(connector, result, meter)
    ids = sorted({rec.id for rec in [*found.values(), *by_id.values()]})
    meter.phase("read matches", len(ids), unit="records")
    current = await _read_all(connector, result.object, ids, properties, meter) if ids else {}
    near = await _target_near_matches(connector, result, found, meter)
    for index, record in enumerate(records):
        remote = found.get(record.key or "") if record.key and key_field else by_id.get(index)
        if remote is None:
            record.action, record.target_id = "create", None
            continue
        holder = current.get(remote.id, remote)
        held = {**remote.properties, **holder.properties}
        record.target_id = remote.id
        unchanged = all(same_value(n, v, held.get(n)) for n, v in record.properties.items())
        record.action = "skip" if unchanged else "update"
    result.near_matches.extend(near)


async def _lookup_by_identity(connector: Connector, result: CleanResult,
                              meter: ProgressMeter) -> dict[int, RemoteRecord]:
    """Records without a natural key, found by the crm_migrate_id an earlier push gave them
    (derived from what names the record, as the push derives it); {} when the target has no
    such property yet."""
    keyless = [(i, r) for i, r in enumerate(result.records) if not natural_key(result.object, r.properties)]
    if not keyless:
        return {}
    idents = identity_keys(result.object, [(r.properties, r.source) for _, r in keyless])
    wanted = sorted(set(idents))
    meter.phase("match ids", len(wanted), unit="keys")
    try:
        found = await _lookup_all(connector, result.object, ID_PROPERTY, wanted, meter)
    except CrmMigrateError:  # the property does not exist: nothing was pushed this way yet
        return {}
    return {i: found[k.casefold()] for (i, _), k in zip(keyless, idents, strict=True)
            if k.casefold() in found}


async def _target_near_matches(connector: Connector, result: CleanResult,
                               found: dict[str, RemoteRecord],
                               meter: ProgressMeter) -> list[dict[str, Any]]:
    """Contacts we would create whose name (and company) match an existing contact with another email."""
    if result.object != "contacts":
        return []
    creating = [r for r in result.records if not (r.key and r.key in found)
                and r.properties.get("lastname") and r.properties.get("firstname")]
    if not creating:
        return []
    lastnames = sorted({r.properties["lastname"] for r in creating})
    meter.phase("near matches", len(lastnames), unit="names")
    remote = await _lookup_all(connector, "contacts", "lastname", lastnames, meter,
                               properties=["firstname", "lastname", "company", "email"])
    out = []
    for record in creating:
        other = remote.get(record.properties["lastname"].casefold())
        if other is None:
            continue
        props = other.properties
        if str(props.get("firstname", "")).casefold() != record.properties["firstname"].casefold():
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
