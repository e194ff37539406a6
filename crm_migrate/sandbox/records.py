"""Record rendering (SimplePublicObject), property validation and id resolution."""

from __future__ import annotations

from typing import Any

from crm_migrate.sandbox.portal import Portal
from crm_migrate.sandbox.properties import (
    DEFAULT_RETURNED,
    SYSTEM_PROPERTIES,
    check_writable,
    normalise_value,
)
from crm_migrate.sandbox.shapes import PropertyProblem, iso_ms, validation_error
from crm_migrate.sandbox.store import Reader, Record, unique_key

MAX_BATCH = 100
LASTMOD = {
    "contacts": "lastmodifieddate",
    "companies": "hs_lastmodifieddate",
    "deals": "hs_lastmodifieddate",
}


def system_values(record: Record) -> dict[str, str]:
    """The read-only properties computed from a record's columns."""
    return {
        "createdate": iso_ms(record.created_ms),
        "lastmodifieddate": iso_ms(record.updated_ms),
        "hs_lastmodifieddate": iso_ms(record.updated_ms),
        "hs_object_id": str(record.id),
    }


def value_of(record: Record, name: str) -> str | None:
    """One property value of a record, system properties included ("" and unset -> None)."""
    if name in SYSTEM_PROPERTIES:
        return system_values(record)[name]
    return record.props.get(name) or None


def render(
    record: Record,
    known: dict[str, dict[str, Any]],
    requested: list[str] | None = None,
    *,
    written: bool = False,
    trace_id: str | None = None,
) -> dict[str, Any]:
    """A record as HubSpot returns it: requested (or default) properties, timestamps, archived."""
    obj = record.object
    system = system_values(record)
    props: dict[str, str | None]
    if requested is None and written:
        props = dict(record.props)
        for name in ("createdate", LASTMOD[obj], "hs_object_id"):
            props[name] = system[name]
    else:
        names = list(DEFAULT_RETURNED[obj]) if requested is None else list(requested)
        for name in ("createdate", LASTMOD[obj], "hs_object_id"):
            if name not in names:
                names.append(name)
        props = {}
        for name in names:
            if name in system:
                props[name] = system[name]
            elif name in known:
                props[name] = record.props.get(name) or None
    body: dict[str, Any] = {
        "id": str(record.id),
        "properties": dict(sorted(props.items())),
        "createdAt": iso_ms(record.created_ms),
        "updatedAt": iso_ms(record.updated_ms),
        "archived": record.archived,
    }
    if record.archived and record.archived_ms is not None:
        body["archivedAt"] = iso_ms(record.archived_ms)
    if trace_id:
        body["objectWriteTraceId"] = trace_id
    return body


def clean_properties(
    known: dict[str, dict[str, Any]], raw: Any, owner_ids: set[str] | None = None
) -> tuple[dict[str, str], list[PropertyProblem]]:
    """Validate written property values: unknown, read-only, email, picklist, number, date,
    and owner references (`hubspot_owner_id`) against `owner_ids`."""
    if raw is None:
        return {}, []
    if not isinstance(raw, dict):
        raise validation_error("Invalid input JSON: properties must be an object of strings")
    values: dict[str, str] = {}
    problems: list[PropertyProblem] = []
    for name, given in raw.items():
        prop = known.get(name)
        problem = check_writable(prop, name)
        if problem is None and prop is not None and prop.get("referencedObjectType") == "OWNER":
            value, problem = _owner_value(name, given, owner_ids or set())
            if problem is None:
                values[name] = value
        elif problem is None and prop is not None:
            value, problem = normalise_value(prop, given)
            if problem is None:
                values[name] = value
        if problem is not None:
            problems.append(problem)
    return values, problems


def _owner_value(name: str, given: Any, owner_ids: set[str]) -> tuple[str, PropertyProblem | None]:
    value = "" if given is None else str(given).strip()
    if value == "" or value in owner_ids:
        return value, None
    # HubSpot's exact code for an unknown owner id is unconfirmed; the option error is closest
    return "", PropertyProblem(name, "INVALID_OPTION",
                               f"{value} was not one of the allowed options: it is no active "
                               "owner's id (GET /crm/v3/owners)")


def missing_required(
    obj: str, props: dict[str, str], extra: list[str] | tuple[str, ...] = ()
) -> list[PropertyProblem]:
    """What a new record lacks: deals need dealname, dealstage, pipeline; companies a name or
    domain; plus the portal's own required properties (`extra`)."""
    problems: list[PropertyProblem] = []
    if obj == "deals":
        problems = [
            PropertyProblem(name, "REQUIRED_PROPERTY", f'Property "{name}" is required')
            for name in ("dealname", "dealstage", "pipeline")
            if not props.get(name)
        ]
    if obj == "companies" and not props.get("name") and not props.get("domain"):
        problems = [PropertyProblem("name", "REQUIRED_PROPERTY",
                                    "A company needs a name or a domain")]
    problems += [
        PropertyProblem(name, "REQUIRED_PROPERTY", f'Property "{name}" is required')
        for name in extra
        if not props.get(name) and all(p.name != name for p in problems)
    ]
    return problems


def stage_problems(
    portal: Portal, obj: str, props: dict[str, str], current: dict[str, str] | None = None
) -> list[PropertyProblem]:
    """A deal's stage that is not a stage of its pipeline (the written values over the
    record's current ones); only a portal that defines pipelines checks this."""
    if obj not in portal.pipelines or ("dealstage" not in props and "pipeline" not in props):
        return []
    merged = {**(current or {}), **props}
    stage, pipeline = merged.get("dealstage"), merged.get("pipeline")
    if not stage or not pipeline:
        return []
    stages = portal.stages_of(obj, pipeline)
    if stages is None or stage in stages:
        return []
    return [PropertyProblem(
        "dealstage", "INVALID_OPTION",
        f"{stage} was not one of the allowed options for pipeline {pipeline}: "
        f"[{', '.join(stages)}]",
    )]


def inputs_of(body: Any, *, limit: int = MAX_BATCH) -> list[dict[str, Any]]:
    """The `inputs` list of a batch body, at most `limit` of them (400 otherwise)."""
    if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
        raise validation_error("Invalid input JSON: expected an object with an inputs array")
    inputs = body["inputs"]
    if len(inputs) > limit:
        raise validation_error(
            f"Too many inputs: {len(inputs)}. The maximum number of inputs supported in a "
            f"batch request is {limit}",
            context={"maxInputs": [str(limit)]},
        )
    for item in inputs:
        if not isinstance(item, dict):
            raise validation_error("Invalid input JSON: each input must be an object")
    checked: list[dict[str, Any]] = inputs
    return checked


def parse_id(text: Any) -> int | None:
    """A record id from its string form, None if it is not one."""
    value = str(text).strip()
    if value.isdigit() and len(value) < 19:
        return int(value)
    return None


def id_property_of(known: dict[str, dict[str, Any]], unique: list[str], name: str | None) -> str:
    """Check an idProperty: hs_object_id (default) or a unique-valued property."""
    if not name or name == "hs_object_id":
        return "hs_object_id"
    if name not in known:
        raise validation_error(f'Property "{name}" does not exist')
    if name not in unique:
        raise validation_error(
            f"{name} is not a unique property; idProperty must be a property with unique values"
        )
    return name


def lookup_key(known: dict[str, dict[str, Any]], id_property: str, raw_id: Any) -> str | None:
    """The normalised form of an id given as a unique property's value."""
    if id_property == "hs_object_id":
        number = parse_id(raw_id)
        return str(number) if number is not None else None
    value, problem = normalise_value(known[id_property], raw_id)
    if problem is not None or value == "":
        return None
    return unique_key(id_property, value)


def resolve(
    reader: Reader, obj: str, id_property: str, keys: list[str | None]
) -> dict[str, Record]:
    """Live records for lookup keys (ids or unique values), by key."""
    present = [k for k in keys if k is not None]
    if id_property == "hs_object_id":
        records = reader.get_many(obj, [int(k) for k in present])
        return {str(i): r for i, r in records.items()}
    ids = reader.find_unique(obj, id_property, present)
    records = reader.get_many(obj, ids.values())
    return {key: records[i] for key, i in ids.items() if i in records}


def requested_properties(raw: Any) -> list[str] | None:
    """A `properties` list from a body or query (comma lists allowed); None when absent."""
    if raw is None:
        return None
    items = raw if isinstance(raw, list) else [raw]
    names: list[str] = []
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if part and part not in names:
                names.append(part)
    return names or None
