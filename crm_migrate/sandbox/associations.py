"""Associations between records: type ids, create-time specs, v3 rendering and v4 calls."""

from __future__ import annotations

from typing import Any

from crm_migrate.sandbox.records import inputs_of, parse_id
from crm_migrate.sandbox.shapes import ApiError, batch_body, iso_ms, now_ms, validation_error
from crm_migrate.sandbox.store import Association, Reader, Store, Writer

# (from, to) -> (default type id, primary type id); HubSpot-defined
TYPES: dict[tuple[str, str], tuple[int, int | None]] = {
    ("contacts", "companies"): (279, 1),
    ("companies", "contacts"): (280, 2),
    ("deals", "contacts"): (3, None),
    ("contacts", "deals"): (4, None),
    ("deals", "companies"): (341, 5),
    ("companies", "deals"): (342, 6),
}
INVERSE = {279: 280, 280: 279, 1: 2, 2: 1, 3: 4, 4: 3, 341: 342, 342: 341, 5: 6, 6: 5}
SINGULAR_LOWER = {"contacts": "contact", "companies": "company", "deals": "deal"}


def _target_of(obj: str, type_id: int) -> str | None:
    for (src, dst), ids in TYPES.items():
        if src == obj and type_id in ids:
            return dst
    return None


def both_ways(edge: Association) -> list[Association]:
    """An edge and its inverse, so either side reads it back."""
    inverse = Association(
        from_id=edge.to_id,
        to_id=edge.from_id,
        from_object=edge.to_object,
        to_object=edge.from_object,
        type_id=INVERSE.get(edge.type_id, edge.type_id),
        category=edge.category,
    )
    return [edge, inverse]


def parse_create_specs(obj: str, raw: Any) -> list[tuple[str, int, int, str]]:
    """`associations` of a create input -> [(to_object, to_id, type_id, category)]."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise validation_error("Invalid input JSON: associations must be an array")
    specs: list[tuple[str, int, int, str]] = []
    for item in raw:
        to_raw = (item.get("to") or {}).get("id") if isinstance(item, dict) else None
        to_id = parse_id(to_raw) if to_raw is not None else None
        types = item.get("types") if isinstance(item, dict) else None
        if to_id is None or not isinstance(types, list) or not types:
            raise validation_error(
                "Invalid association: each needs to.id and types[{associationCategory, "
                "associationTypeId}]"
            )
        for spec in types:
            category = str(spec.get("associationCategory", "HUBSPOT_DEFINED"))
            try:
                type_id = int(spec.get("associationTypeId"))
            except (TypeError, ValueError):
                raise validation_error("Invalid associationTypeId") from None
            target = _target_of(obj, type_id) if category == "HUBSPOT_DEFINED" else None
            if target is None:
                raise validation_error(
                    f"associationTypeId {type_id} ({category}) is not valid from {obj}"
                )
            specs.append((target, to_id, type_id, category))
    return specs


def missing_targets(reader: Reader, specs: list[tuple[str, int, int, str]]) -> list[str]:
    """Targets named by association specs that are not live records."""
    missing: list[str] = []
    by_object: dict[str, list[int]] = {}
    for target, to_id, _, _ in specs:
        by_object.setdefault(target, []).append(to_id)
    for target, ids in by_object.items():
        found = reader.get_many(target, ids)
        missing.extend(f"{target} {i}" for i in ids if i not in found)
    return missing


def edges_for(
    obj: str, record_id: int, specs: list[tuple[str, int, int, str]]
) -> list[Association]:
    """Stored edges (both directions) for a record's create-time association specs."""
    edges: list[Association] = []
    for target, to_id, type_id, category in specs:
        edges.extend(both_ways(Association(record_id, to_id, obj, target, type_id, category)))
    return edges


def render_v3(reader: Reader, obj: str, record_id: int, targets: list[str]) -> dict[str, Any]:
    """The `associations` member of a v3 GET: {companies: {results: [{id, type}]}}."""
    out: dict[str, Any] = {}
    for target in targets:
        edges = reader.associations(record_id, target)
        if not edges:
            continue
        label = f"{SINGULAR_LOWER[obj]}_to_{SINGULAR_LOWER[target]}"
        seen: list[dict[str, str]] = []
        for edge in edges:
            item = {"id": str(edge.to_id), "type": label}
            if item not in seen:
                seen.append(item)
        out[target] = {"results": seen}
    return out


def _pair(from_obj: str, to_obj: str) -> tuple[int, int | None]:
    pair = TYPES.get((from_obj, to_obj))
    if pair is None:
        raise validation_error(f"No default association from {from_obj} to {to_obj}")
    return pair


def associate_default(
    store: Store, from_obj: str, to_obj: str, pairs: list[tuple[int, int]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Create default associations; returns v4 results and the missing 'object id' names."""
    default_type, _ = _pair(from_obj, to_obj)

    def tx(w: Writer) -> tuple[list[dict[str, Any]], list[str]]:
        sources = w.get_many(from_obj, [a for a, _ in pairs])
        targets = w.get_many(to_obj, [b for _, b in pairs])
        results: list[dict[str, Any]] = []
        missing: list[str] = []
        edges: list[Association] = []
        for a, b in pairs:
            if a not in sources or b not in targets:
                missing.extend(
                    [f"{from_obj} {a}"] * (a not in sources)
                    + [f"{to_obj} {b}"] * (b not in targets)
                )
                continue
            edges.extend(both_ways(Association(a, b, from_obj, to_obj, default_type)))
            results.append(
                {
                    "from": {"id": str(a)},
                    "to": {"id": str(b)},
                    "associationSpec": {
                        "associationCategory": "HUBSPOT_DEFINED",
                        "associationTypeId": default_type,
                    },
                }
            )
        w.associate(edges)
        return results, missing

    return store.write(tx)


def batch_associate_default(
    store: Store, from_obj: str, to_obj: str, body: Any
) -> tuple[int, dict[str, Any]]:
    """POST /crm/v4/associations/{from}/{to}/batch/associate/default."""
    started = now_ms()
    pairs: list[tuple[int, int]] = []
    for item in inputs_of(body, limit=2000):
        a = parse_id((item.get("from") or {}).get("id"))
        b = parse_id((item.get("to") or {}).get("id"))
        if a is None or b is None:
            raise validation_error("Invalid input JSON: each input needs from.id and to.id")
        pairs.append((a, b))
    results, missing = associate_default(store, from_obj, to_obj, pairs)
    errors = [{
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": "Could not find some records: " + ", ".join(missing),
        "context": {"ids": [m.split(" ")[1] for m in missing]},
        "errors": [],
        "links": {},
    }] if missing else []
    return (207 if missing else 200), batch_body(started, results, errors)


def put_default(
    store: Store, from_obj: str, from_id: str, to_obj: str, to_id: str
) -> dict[str, Any]:
    """PUT /crm/v4/objects/{from}/{id}/associations/default/{to}/{toId}."""
    started = now_ms()
    a, b = parse_id(from_id), parse_id(to_id)
    if a is None or b is None:
        raise ApiError(404, "OBJECT_NOT_FOUND", "resource not found")
    results, missing = associate_default(store, from_obj, to_obj, [(a, b)])
    if missing:
        raise ApiError(404, "OBJECT_NOT_FOUND", "Could not find " + ", ".join(missing))
    return {
        "status": "COMPLETE",
        "results": results,
        "startedAt": iso_ms(started),
        "completedAt": iso_ms(now_ms()),
    }


def list_v4(store: Store, from_obj: str, from_id: str, to_obj: str) -> dict[str, Any]:
    """GET /crm/v4/objects/{from}/{id}/associations/{to}."""
    record_id = parse_id(from_id)
    reader = store.reader()
    if record_id is None or reader.get(from_obj, record_id) is None:
        raise ApiError(404, "OBJECT_NOT_FOUND", "resource not found")
    grouped: dict[int, list[dict[str, Any]]] = {}
    for edge in reader.associations(record_id, to_obj):
        grouped.setdefault(edge.to_id, []).append(
            {
                "category": edge.category,
                "typeId": edge.type_id,
                "label": "Primary" if edge.type_id in (1, 2, 5, 6) else None,
            }
        )
    return {
        "results": [
            {"toObjectId": to_id, "associationTypes": types} for to_id, types in grouped.items()
        ]
    }


READ_MAX_INPUTS = 1000  # HubSpot's v4 batch read limit (changelog, Feb 2025)
ARCHIVE_MAX_INPUTS = 2000
READ_PAGE = 500  # associations per from id per answer; `after` pages on


def _no_associations(from_obj: str, to_obj: str, from_id: str) -> dict[str, Any]:
    """HubSpot's per-input error for an id with no associations (or no such record)."""
    return {
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
        "message": f"No {SINGULAR_LOWER.get(to_obj, to_obj)} is associated with "
        f"{SINGULAR_LOWER.get(from_obj, from_obj)} {from_id}.",
        "context": {
            "fromObjectId": [from_id],
            "fromObjectType": [SINGULAR_LOWER.get(from_obj, from_obj)],
            "toObjectType": [SINGULAR_LOWER.get(to_obj, to_obj)],
        },
        "errors": [],
        "links": {},
    }


def batch_read(store: Store, from_obj: str, to_obj: str, body: Any) -> tuple[int, dict[str, Any]]:
    """POST /crm/v4/associations/{from}/{to}/batch/read: each id's associated records (with
    their types), `READ_PAGE` at a time per id; ids with none answer NO_ASSOCIATIONS_FOUND."""
    started = now_ms()
    wanted: list[tuple[str, int | None, int]] = []
    for item in inputs_of(body, limit=READ_MAX_INPUTS):
        raw = item.get("id")
        if raw is None:
            raise validation_error("Invalid input JSON: each input needs an id")
        after_raw = item.get("after")
        after = parse_id(after_raw) if after_raw not in (None, "") else 0
        if after is None:
            raise validation_error(f"Invalid after cursor: {after_raw}")
        wanted.append((str(raw), parse_id(raw), after))
    reader = store.reader()
    live = reader.get_many(from_obj, [i for _, i, _ in wanted if i is not None])
    edges = reader.associations_of(live, to_obj)
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for text, record_id, after in wanted:
        grouped: dict[int, list[dict[str, Any]]] = {}
        for edge in edges.get(record_id, []) if record_id in live else []:
            if edge.to_id > after:
                grouped.setdefault(edge.to_id, []).append(
                    {
                        "category": edge.category,
                        "typeId": edge.type_id,
                        "label": "Primary" if edge.type_id in (1, 2, 5, 6) else None,
                    }
                )
        if not grouped:
            if not after:
                errors.append(_no_associations(from_obj, to_obj, text))
            continue
        to_ids = sorted(grouped)
        page = to_ids[:READ_PAGE]
        result: dict[str, Any] = {
            "from": {"id": text},
            "to": [{"toObjectId": t, "associationTypes": grouped[t]} for t in page],
        }
        if len(to_ids) > READ_PAGE:
            result["paging"] = {"next": {"after": str(page[-1])}}
        results.append(result)
    return (207 if errors else 200), batch_body(started, results, errors)


def batch_archive(store: Store, from_obj: str, to_obj: str, body: Any) -> None:
    """POST /crm/v4/associations/{from}/{to}/batch/archive: remove every association type
    between each from id and its to ids (both directions); unknown pairs are left as they are."""
    pairs: list[tuple[int, int]] = []
    for item in inputs_of(body, limit=ARCHIVE_MAX_INPUTS):
        a = parse_id((item.get("from") or {}).get("id"))
        targets = item.get("to")
        if a is None or not isinstance(targets, list):
            raise validation_error(
                "Invalid input JSON: each input needs from.id and a to array of {id}"
            )
        for target in targets:
            b = parse_id(target.get("id")) if isinstance(target, dict) else None
            if b is None:
                raise validation_error("Invalid input JSON: each to item needs an id")
            pairs.append((a, b))
    if pairs:
        store.write(lambda w: w.dissociate(from_obj, to_obj, pairs))
