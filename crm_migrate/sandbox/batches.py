"""Create, update, upsert, read and archive: HubSpot's batch semantics, statuses and errors.

Whole-request failures (400 invalid values, 409 duplicate unique value) roll the
batch back. When every create/update/upsert input carries an `objectWriteTraceId`,
failures are reported per input instead (207) and the good inputs are written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crm_migrate.sandbox.associations import edges_for, missing_targets, parse_create_specs
from crm_migrate.sandbox.properties import normalise_value
from crm_migrate.sandbox.records import (
    clean_properties,
    id_property_of,
    lookup_key,
    missing_required,
    parse_id,
    render,
    requested_properties,
    resolve,
    stage_problems,
)
from crm_migrate.sandbox.shapes import (
    SINGULAR,
    ApiError,
    PropertyProblem,
    batch_body,
    now_ms,
    property_values_error,
    validation_error,
)
from crm_migrate.sandbox.store import Record, Store, Writer, unique_key


@dataclass
class _Item:
    index: int
    props: dict[str, str]
    problems: list[PropertyProblem] = field(default_factory=list)
    trace: str | None = None
    key: str | None = None
    id_value: str = ""
    id_property: str = "hs_object_id"
    specs: list[tuple[str, int, int, str]] = field(default_factory=list)
    error: dict[str, Any] | None = None


def _partial(inputs: list[dict[str, Any]]) -> bool:
    return bool(inputs) and all(
        isinstance(i.get("objectWriteTraceId"), str) and i["objectWriteTraceId"] for i in inputs
    )


def _error_item(
    category: str, message: str, trace: str | None, **context: list[str]
) -> dict[str, Any]:
    ctx = dict(context)
    if trace:
        ctx["objectWriteTraceId"] = [trace]
    return {
        "status": "error",
        "category": category,
        "message": message,
        "context": ctx,
        "errors": [],
        "links": {},
    }


def _invalid_item(item: _Item) -> dict[str, Any]:
    whole = property_values_error(item.problems)
    error = _error_item("VALIDATION_ERROR", whole.message, item.trace)
    error["errors"] = whole.errors or []
    return error


def _reject_invalid(items: list[_Item], partial: bool) -> None:
    """Whole-request 400 when any input has invalid values (per input when partial)."""
    if partial:
        for item in items:
            if item.problems and item.error is None:
                item.error = _invalid_item(item)
        return
    problems = [p for item in items for p in item.problems]
    if problems:
        raise property_values_error(problems)


def _check_uniques(
    w: Writer, obj: str, unique: list[str], items: list[_Item], owners: dict[int, int | None]
) -> None:
    """Mark inputs whose unique values belong to another record or repeat within the batch."""
    for prop in unique:
        live = [i for i in items if i.error is None and i.props.get(prop)]
        existing = w.find_unique(obj, prop, [unique_key(prop, i.props[prop]) for i in live])
        seen: dict[str, int | None] = {}
        for item in live:
            key = unique_key(prop, item.props[prop])
            own = owners.get(item.index)
            holder = existing.get(key)
            if key in seen:
                item.error = _error_item(
                    "CONFLICT",
                    f"Duplicate {prop} values found in batch input: [{item.props[prop]}]. "
                    f"{prop} values must be unique",
                    item.trace,
                    propertyName=[prop],
                )
            elif holder is not None and holder != own:
                item.error = _error_item(
                    "CONFLICT",
                    f"{SINGULAR[obj]} already exists. Existing ID: {holder}",
                    item.trace,
                    propertyName=[prop],
                    id=[str(holder)],
                )
            else:
                seen[key] = own


def _raise_first(items: list[_Item], partial: bool) -> None:
    if partial:
        return
    for item in items:
        if item.error is not None:
            status = 409 if item.error["category"] == "CONFLICT" else 400
            if item.error["category"] == "OBJECT_NOT_FOUND":
                status = 404
            context = {k: v for k, v in item.error["context"].items() if k != "objectWriteTraceId"}
            raise ApiError(
                status, item.error["category"], item.error["message"], context=context or None
            )


def create(
    store: Store, obj: str, inputs: list[dict[str, Any]], *, allow_partial: bool = True
) -> tuple[int, dict[str, Any], list[Record]]:
    """Batch create; returns (status, body, created records)."""
    started = now_ms()
    known = store.properties(obj)
    unique = store.unique_properties(obj)
    partial = allow_partial and _partial(inputs)
    items: list[_Item] = []
    owner_ids = store.portal.owner_ids()
    for index, raw in enumerate(inputs):
        props, problems = clean_properties(known, raw.get("properties"), owner_ids)
        if not problems:
            problems = missing_required(obj, props, store.required(obj))
        if not problems:
            problems = stage_problems(store.portal, obj, props)
        trace = raw.get("objectWriteTraceId") if partial else None
        specs = parse_create_specs(obj, raw.get("associations"))
        items.append(_Item(index, props, problems, trace, specs=specs))
    _reject_invalid(items, partial)

    def tx(w: Writer) -> list[tuple[_Item, Record]]:
        for item in items:
            missing = missing_targets(w, item.specs) if item.error is None else []
            if missing:
                item.error = _error_item(
                    "VALIDATION_ERROR",
                    "Association target does not exist: " + ", ".join(missing),
                    item.trace,
                )
        _check_uniques(w, obj, unique, items, {})
        _raise_first(items, partial)
        good = [i for i in items if i.error is None]
        records = w.insert_many(obj, [i.props for i in good])
        edges = [
            e for i, r in zip(good, records, strict=True) for e in edges_for(obj, r.id, i.specs)
        ]
        w.associate(edges)
        return list(zip(good, records, strict=True))

    written = store.write(tx)
    results = [render(r, known, written=True, trace_id=i.trace) for i, r in written]
    errors = [i.error for i in items if i.error is not None]
    return (207 if errors else 201), batch_body(started, results, errors), [r for _, r in written]


def _keyed_items(
    store: Store, obj: str, inputs: list[dict[str, Any]], partial: bool, *, upsert: bool
) -> list[_Item]:
    known = store.properties(obj)
    unique = store.unique_properties(obj)
    items: list[_Item] = []
    owner_ids = store.portal.owner_ids()
    for index, raw in enumerate(inputs):
        if "id" not in raw or raw["id"] in (None, ""):
            raise validation_error("Invalid input JSON: each input needs an id")
        id_property = id_property_of(known, unique, raw.get("idProperty"))
        props, problems = clean_properties(known, raw.get("properties"), owner_ids)
        key = lookup_key(known, id_property, raw["id"])
        id_value = ""
        if upsert and id_property != "hs_object_id":
            id_value, problem = _id_problem(known, id_property, raw["id"])
            if key is None:
                problems.append(problem)
        trace = raw.get("objectWriteTraceId") if partial else None
        items.append(
            _Item(
                index, props, problems, trace, key=key, id_property=id_property, id_value=id_value
            )
        )
    keys = [
        (i.id_property, i.key if i.key is not None else str(inputs[i.index]["id"])) for i in items
    ]
    duplicates = sorted({k for p, k in keys if keys.count((p, k)) > 1})
    if duplicates:
        raise validation_error(
            f"Duplicate IDs found in batch input: [{', '.join(duplicates)}]. IDs must be unique",
            context={"ids": duplicates},
        )
    return items


def _id_problem(
    known: dict[str, dict[str, Any]], id_property: str, raw_id: Any
) -> tuple[str, PropertyProblem]:
    value, problem = normalise_value(known[id_property], raw_id)
    return value, problem or PropertyProblem(
        id_property, "INVALID_ID", f"{raw_id} is not a valid id"
    )


def _not_found_item(obj: str, ids: list[str], trace: str | None = None) -> dict[str, Any]:
    return _error_item(
        "OBJECT_NOT_FOUND",
        f"Could not get some {obj[:-1].upper() if obj != 'companies' else 'COMPANY'} objects, "
        "they may be deleted or not exist. Check that ids are valid.",
        trace,
        ids=ids,
    )


def update(
    store: Store, obj: str, inputs: list[dict[str, Any]], *, allow_partial: bool = True
) -> tuple[int, dict[str, Any], list[Record]]:
    """Batch update by id or unique idProperty; missing ids come back as 207 errors."""
    started = now_ms()
    known = store.properties(obj)
    unique = store.unique_properties(obj)
    partial = allow_partial and _partial(inputs)
    items = _keyed_items(store, obj, inputs, partial, upsert=False)
    _reject_invalid(items, partial)

    def tx(w: Writer) -> tuple[list[tuple[_Item, Record]], list[str]]:
        found: dict[str, Record] = {}
        for id_property in {i.id_property for i in items}:
            keys = [i.key for i in items if i.id_property == id_property]
            for key, record in resolve(w, obj, id_property, keys).items():
                found[f"{id_property}:{key}"] = record
        missing: list[str] = []
        owners: dict[int, int | None] = {}
        for item in items:
            hit = found.get(f"{item.id_property}:{item.key}")
            if hit is None and item.error is None:
                missing.append(str(inputs[item.index]["id"]))
                item.error = {"missing": True}
            elif hit is not None:
                owners[item.index] = hit.id
                if item.error is None:
                    item.problems = stage_problems(store.portal, obj, item.props, hit.props)
        live = [i for i in items if i.error is None]
        _reject_invalid(live, partial)
        live = [i for i in live if i.error is None]
        _check_uniques(w, obj, unique, live, owners)
        _raise_first(live, partial)
        good = [i for i in live if i.error is None]
        changes = [(found[f"{i.id_property}:{i.key}"], i.props) for i in good]
        return list(zip(good, w.update_many(obj, changes), strict=True)), missing

    written, missing = store.write(tx)
    results = [render(r, known, written=True, trace_id=i.trace) for i, r in written]
    errors = [i.error for i in items if i.error is not None and "missing" not in i.error]
    if missing:
        errors.append(_not_found_item(obj, missing))
    return (207 if errors else 200), batch_body(started, results, errors), [r for _, r in written]


def upsert(store: Store, obj: str, inputs: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    """Batch upsert by idProperty: matches are updated, the others created; results carry `new`."""
    started = now_ms()
    known = store.properties(obj)
    unique = store.unique_properties(obj)
    # HubSpot: "partial upserts are not supported with email as the idProperty"
    partial = _partial(inputs) and all(i.get("idProperty") != "email" for i in inputs)
    items = _keyed_items(store, obj, inputs, partial, upsert=True)
    _reject_invalid(items, partial)
    for item in items:
        if item.error is None and item.id_property != "hs_object_id" and item.key is not None:
            item.props.setdefault(item.id_property, item.id_value)

    def tx(w: Writer) -> list[tuple[_Item, Record, bool]]:
        found: dict[str, Record] = {}
        for id_property in {i.id_property for i in items}:
            keys = [i.key for i in items if i.id_property == id_property and i.error is None]
            for key, record in resolve(w, obj, id_property, keys).items():
                found[f"{id_property}:{key}"] = record
        owners: dict[int, int | None] = {}
        for item in items:
            hit = found.get(f"{item.id_property}:{item.key}")
            if hit is not None:
                owners[item.index] = hit.id
                if item.error is None:
                    item.problems = stage_problems(store.portal, obj, item.props, hit.props)
            elif item.error is None and item.id_property == "hs_object_id":
                item.error = _not_found_item(obj, [str(inputs[item.index]["id"])], item.trace)
            elif item.error is None:
                item.problems = missing_required(obj, item.props, store.required(obj))
                if not item.problems:
                    item.problems = stage_problems(store.portal, obj, item.props)
        _reject_invalid(items, partial)
        _check_uniques(w, obj, unique, items, owners)
        _raise_first(items, partial)
        good = [i for i in items if i.error is None]
        to_update = [i for i in good if i.index in owners]
        to_create = [i for i in good if i.index not in owners]
        updated = w.update_many(
            obj, [(found[f"{i.id_property}:{i.key}"], i.props) for i in to_update]
        )
        created = w.insert_many(obj, [i.props for i in to_create])
        out = [(i, r, False) for i, r in zip(to_update, updated, strict=True)]
        out += [(i, r, True) for i, r in zip(to_create, created, strict=True)]
        out.sort(key=lambda x: x[0].index)
        return out

    written = store.write(tx)
    results = []
    for item, record, is_new in written:
        body = render(record, known, written=True, trace_id=item.trace)
        body["new"] = is_new
        results.append(body)
    errors = [i.error for i in items if i.error is not None]
    return (207 if errors else 200), batch_body(started, results, errors)


def read(
    store: Store,
    obj: str,
    body: dict[str, Any],
    inputs: list[dict[str, Any]],
    *,
    archived: bool = False,
) -> tuple[int, dict[str, Any]]:
    """Batch read by id or unique idProperty; missing ids come back as 207 errors."""
    started = now_ms()
    known = store.properties(obj)
    unique = store.unique_properties(obj)
    id_property = id_property_of(known, unique, body.get("idProperty"))
    requested = requested_properties(body.get("properties"))
    raw_ids = [str(i.get("id", "")) for i in inputs]
    keys = [lookup_key(known, id_property, raw) for raw in raw_ids]
    reader = store.reader()
    if archived and id_property == "hs_object_id":
        found = {
            str(k): r
            for k in keys
            if k is not None
            for r in [reader.get(obj, int(k), archived=True)]
            if r
        }
    else:
        found = resolve(reader, obj, id_property, keys)
    results: list[dict[str, Any]] = []
    missing: list[str] = []
    for raw, key in zip(raw_ids, keys, strict=True):
        record = found.get(key) if key is not None else None
        if record is None:
            missing.append(raw)
        elif all(r["id"] != str(record.id) for r in results):
            results.append(render(record, known, requested))
    errors = [_not_found_item(obj, missing)] if missing else []
    return (207 if errors else 200), batch_body(started, results, errors)


def archive(store: Store, obj: str, inputs: list[dict[str, Any]]) -> None:
    """Batch archive; unknown ids are ignored, as HubSpot does (204 either way)."""
    ids = [i for i in (parse_id(x.get("id", "")) for x in inputs) if i is not None]
    if ids:
        store.write(lambda w: w.archive_many(obj, ids))
