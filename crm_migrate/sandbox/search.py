"""POST /crm/v3/objects/{object}/search: filterGroups, query, sorts, limit/after paging."""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from crm_migrate.sandbox.properties import QUERY_PROPERTIES, comparable
from crm_migrate.sandbox.records import parse_id, render, requested_properties, value_of
from crm_migrate.sandbox.shapes import now_ms, validation_error
from crm_migrate.sandbox.store import Record, Store

MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
MAX_LIMIT = 200
MAX_RESULTS = 10_000
OPERATORS = {
    "EQ",
    "NEQ",
    "LT",
    "LTE",
    "GT",
    "GTE",
    "BETWEEN",
    "IN",
    "NOT_IN",
    "HAS_PROPERTY",
    "NOT_HAS_PROPERTY",
    "CONTAINS_TOKEN",
    "NOT_CONTAINS_TOKEN",
}
_TOKEN_SPLIT = re.compile(r"[^\w*]+")


def _groups(body: dict[str, Any], known: dict[str, dict[str, Any]]) -> list[list[dict[str, Any]]]:
    groups_raw = body.get("filterGroups") or []
    if body.get("filters"):
        groups_raw = [*groups_raw, {"filters": body["filters"]}]
    if not isinstance(groups_raw, list):
        raise validation_error("Invalid input JSON: filterGroups must be an array")
    if len(groups_raw) > MAX_GROUPS:
        raise validation_error(
            f"Too many filter groups: {len(groups_raw)}; at most {MAX_GROUPS} are allowed"
        )
    groups: list[list[dict[str, Any]]] = []
    total = 0
    for group in groups_raw:
        filters = (group or {}).get("filters") or []
        if len(filters) > MAX_FILTERS_PER_GROUP:
            raise validation_error(
                f"Too many filters in a group: {len(filters)}; at most "
                f"{MAX_FILTERS_PER_GROUP} per group are allowed"
            )
        total += len(filters)
        for f in filters:
            if not isinstance(f, dict) or f.get("operator") not in OPERATORS:
                raise validation_error(
                    f"Invalid filter operator {(f or {}).get('operator')!r}; "
                    f"use one of {sorted(OPERATORS)}"
                )
            name = f.get("propertyName")
            if name not in known:
                raise validation_error(
                    f'Property "{name}" does not exist', context={"propertyName": [str(name)]}
                )
            if f["operator"] in ("IN", "NOT_IN") and not isinstance(f.get("values"), list):
                raise validation_error(f"{f['operator']} needs a values array")
        if filters:
            groups.append(filters)
    if total > MAX_FILTERS:
        raise validation_error(f"Too many filters: {total}; at most {MAX_FILTERS} are allowed")
    return groups


def _tokens(text: str) -> list[str]:
    return [t for t in _TOKEN_SPLIT.split(text.lower()) if t]


def _contains_token(stored: str, pattern: str) -> bool:
    pattern = pattern.lower().strip()
    whole = stored.lower()
    if fnmatch.fnmatchcase(whole, pattern):
        return True
    return any(fnmatch.fnmatchcase(token, pattern) for token in _tokens(whole))


def _match(record: Record, f: dict[str, Any], known: dict[str, dict[str, Any]]) -> bool:
    op = f["operator"]
    name = f["propertyName"]
    prop = known[name]
    stored = value_of(record, name)
    if op == "HAS_PROPERTY":
        return stored is not None
    if op == "NOT_HAS_PROPERTY":
        return stored is None
    if op in ("IN", "NOT_IN"):
        values = [str(v) for v in f.get("values") or []]
        if stored is None:
            hit = False
        elif prop["type"] == "enumeration":
            hit = stored in values
        elif prop["type"] in ("number", "date", "datetime"):
            hit = comparable(prop, stored) in {comparable(prop, v) for v in values}
        else:
            hit = stored.lower() in values
        return hit if op == "IN" else not hit
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        hit = stored is not None and _contains_token(stored, str(f.get("value", "")))
        return hit if op == "CONTAINS_TOKEN" else not hit
    raw = f.get("value")
    if op in ("EQ", "NEQ"):
        if stored is None:
            hit = False
        elif prop["type"] == "enumeration":
            hit = stored == str(raw)
        else:
            hit = comparable(prop, stored) == comparable(prop, str(raw))
        return hit if op == "EQ" else not hit
    mine = comparable(prop, stored) if stored is not None else None
    low = comparable(prop, str(raw)) if raw is not None else None
    if mine is None or low is None or type(mine) is not type(low):
        return False
    if op == "BETWEEN":
        high = comparable(prop, str(f.get("highValue")))
        return type(high) is type(mine) and low <= mine <= high  # type: ignore[operator]
    return {
        "LT": mine < low,  # type: ignore[operator]
        "LTE": mine <= low,  # type: ignore[operator]
        "GT": mine > low,  # type: ignore[operator]
        "GTE": mine >= low,  # type: ignore[operator]
    }[op]


def _query_match(record: Record, obj: str, words: list[str]) -> bool:
    tokens: list[str] = []
    for name in QUERY_PROPERTIES[obj]:
        value = record.props.get(name)
        if value:
            tokens.append(value.lower())
            tokens.extend(_tokens(value))
    return all(any(t.startswith(w) for t in tokens) for w in words)


def _candidate_ids(store: Store, obj: str, groups: list[list[dict[str, Any]]]) -> set[int] | None:
    """Ids that can match, via the unique index, when every group pins a unique key."""
    if not groups:
        return None
    unique = set(store.unique_properties(obj))
    reader = store.reader()
    ids: set[int] = set()
    for filters in groups:
        pin = next(
            (
                f
                for f in filters
                if f["operator"] in ("EQ", "IN")
                and (f["propertyName"] in unique or f["propertyName"] == "hs_object_id")
            ),
            None,
        )
        if pin is None:
            return None
        values = (
            [str(v) for v in pin.get("values") or []]
            if pin["operator"] == "IN"
            else [str(pin.get("value", ""))]
        )
        name = pin["propertyName"]
        if name == "hs_object_id":
            ids.update(i for i in (parse_id(v) for v in values) if i is not None)
        else:
            ids.update(reader.find_unique_folded(obj, name, values))
    return ids


def search(store: Store, obj: str, body: Any, *, lag_ms: int = 0) -> dict[str, Any]:
    """Run a search body; HubSpot's {total, results, paging.next.after}. With `lag_ms`, as
    HubSpot's index does, a record shows only once that long has passed since its creation."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise validation_error("Invalid input JSON: expected an object")
    known = store.properties(obj)
    groups = _groups(body, known)
    try:
        limit = int(body.get("limit", 10) or 10)
        after = int(body.get("after", 0) or 0)
    except (TypeError, ValueError):
        raise validation_error("limit and after must be integers") from None
    if limit < 1 or limit > MAX_LIMIT:
        raise validation_error(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    if after < 0 or after + limit > MAX_RESULTS:
        raise validation_error(
            f"Search results are limited to {MAX_RESULTS} per query; page past them with a "
            "narrower filter"
        )
    words = _tokens(str(body.get("query") or ""))
    candidates = _candidate_ids(store, obj, groups)
    reader = store.reader()
    pool = (
        sorted(reader.get_many(obj, candidates).values(), key=lambda r: r.id)
        if candidates is not None
        else reader.scan(obj)
    )
    visible_before = now_ms() - lag_ms if lag_ms > 0 else None
    matched = [
        r
        for r in pool
        if (visible_before is None or r.created_ms <= visible_before)
        and (not groups or any(all(_match(r, f, known) for f in g) for g in groups))
        and (not words or _query_match(r, obj, words))
    ]
    _sort(matched, body.get("sorts"), known)
    page = matched[after : after + limit]
    requested = requested_properties(body.get("properties"))
    out: dict[str, Any] = {
        "total": len(matched),
        "results": [render(r, known, requested) for r in page],
    }
    if after + limit < len(matched):
        out["paging"] = {"next": {"after": str(after + limit)}}
    return out


def _sort(records: list[Record], sorts: Any, known: dict[str, dict[str, Any]]) -> None:
    if not sorts:
        return
    if not isinstance(sorts, list):
        raise validation_error("sorts must be an array")
    spec = sorts[0]
    if isinstance(spec, str):
        name, descending = spec.lstrip("-"), spec.startswith("-")
    elif isinstance(spec, dict):
        name = str(spec.get("propertyName"))
        descending = str(spec.get("direction", "ASCENDING")).upper() == "DESCENDING"
    else:
        raise validation_error("Invalid sort")
    if name not in known:
        raise validation_error(f'Property "{name}" does not exist')
    prop = known[name]

    def key(record: Record) -> tuple[int, Any, int]:
        value = comparable(prop, value_of(record, name) or "")
        if value is None:
            return (1, "", record.id)
        return (0, value if isinstance(value, str) else float(value), record.id)

    records.sort(key=key)
    if descending:
        present = [r for r in records if key(r)[0] == 0]
        absent = [r for r in records if key(r)[0] == 1]
        present.reverse()
        records[:] = present + absent
