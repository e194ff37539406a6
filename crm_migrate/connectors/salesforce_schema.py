"""Salesforce describe results as HubSpot-shaped properties, the External ID field we key by,
and per-record results of sObject Collections calls."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from crm_migrate.connectors.base import WriteResult
from crm_migrate.connectors.fieldmap import (
    FOUND_BY_NAME,
    HS_FIELD_TYPES,
    SF_CODE_FIELDS,
    SF_FIELDS,
    SF_ID_FIELD,
    SF_TYPES,
    SF_UNMAPPED,
    FieldMap,
    canonical_from_sf,
    from_sf_value,
    sf_field,
    sf_object,
)
from crm_migrate.schema import FieldSpec, ObjectSchema, Owner, Pipeline, Stage, builtin_schema
from crm_migrate.secrets import redact

# the canonical fields a Salesforce live schema keeps although no field of the object holds
# them: `company` becomes AccountId through the association step, `domain` is matched on
# the Account's Website, `pipeline` names the org's one set of Opportunity stages
KEPT_WITHOUT_FIELD: dict[str, frozenset[str]] = {
    "contacts": frozenset({"company"}),
    "companies": frozenset({"domain"}),
    "deals": frozenset({"pipeline"}),
}
PIPELINE_ID = "default"  # the org's Opportunity stages form one pipeline, under HubSpot's id
PIPELINE_LABEL = "Opportunity stages"

RETRYABLE_CODES = frozenset({"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE"})


def describe_to_properties(
    object_name: str, described: dict[str, Any], field_map: FieldMap | None = None
) -> list[dict[str, Any]]:
    """HubSpot-shaped property dicts for a describe answer, canonical names where known."""
    props: list[dict[str, Any]] = []
    for fld in described.get("fields") or []:
        sf_name = str(fld.get("name"))
        hs_type = SF_TYPES.get(str(fld.get("type")), "string")
        writable = bool(fld.get("createable") or fld.get("updateable"))
        options = [
            {
                "label": str(opt.get("label") or opt.get("value")),
                "value": from_sf_value(object_name, sf_name, opt.get("value")),
                "hidden": not opt.get("active", True),
                "displayOrder": position,
            }
            for position, opt in enumerate(fld.get("picklistValues") or [])
        ]
        props.append(
            {
                "name": canonical_from_sf(object_name, sf_name, field_map),
                "label": str(fld.get("label") or sf_name),
                "type": hs_type,
                "fieldType": HS_FIELD_TYPES.get(hs_type, "text"),
                "groupName": sf_object(object_name),
                "description": str(fld.get("inlineHelpText") or ""),
                "options": options,
                "hasUniqueValue": bool(fld.get("unique") or fld.get("externalId")),
                "hubspotDefined": not fld.get("custom", False),
                "required": bool(
                    fld.get("createable")
                    and not fld.get("nillable", True)
                    and not fld.get("defaultedOnCreate", False)
                ),
                "maxLength": fld.get("length") or None,
                "modificationMetadata": {"readOnlyValue": not writable},
                "targetName": sf_name,
            }
        )
    return props


def find_field(described: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The describe entry of field `name` (case-insensitive), or None."""
    for fld in described.get("fields") or []:
        if str(fld.get("name", "")).lower() == name.lower():
            return dict(fld)
    return None


def admin_hint(sobject: str) -> str:
    """What to ask a Salesforce admin when the External ID field is missing."""
    return (
        f"salesforce: {sobject} has no External ID field {SF_ID_FIELD}, which makes pushes "
        f"idempotent; ask an admin to create it (Setup > Object Manager > {sobject} > Fields: "
        "Text(64), External ID, Unique, API name crm_migrate_id) and give the integration "
        "user edit access"
    )


def id_field_request(sobject: str) -> dict[str, Any]:
    """The Tooling API body (POST /tooling/sobjects/CustomField) creating the External ID field."""
    return {
        "FullName": f"{sobject}.{SF_ID_FIELD}",
        "Metadata": {
            "label": "crm-migrate ID",
            "type": "Text",
            "length": 64,
            "externalId": True,
            "unique": True,
            "caseSensitive": False,
            "description": "Idempotency key written by crm-migrate",
        },
    }


def errors_text(errors: list[dict[str, Any]]) -> str:
    """Salesforce error items as one "CODE: message (fields: ...)" line, redacted."""
    parts = []
    for err in errors:
        code = err.get("statusCode") or err.get("errorCode") or "ERROR"
        message = err.get("message") or ""
        fields = err.get("fields") or []
        text = f"{code}: {message}"
        if fields:
            text += f" (fields: {', '.join(map(str, fields))})"
        parts.append(text)
    return redact("; ".join(parts)) or "unknown error"


def collection_result(index: int, item: Any, created: bool | None) -> WriteResult:
    """One sObject Collections result item as a WriteResult ("STATUSCODE: message" on failure)."""
    if not isinstance(item, dict):
        return WriteResult(index, ok=False, error="salesforce returned no result for this record")
    if item.get("success"):
        made = item.get("created", created)
        return WriteResult(index, ok=True, id=item.get("id"), created=made)
    errors = [e for e in item.get("errors") or [] if isinstance(e, dict)]
    codes = {e.get("statusCode") for e in errors}
    return WriteResult(
        index,
        ok=False,
        id=item.get("id"),
        error=errors_text(errors),
        retryable=bool(codes & RETRYABLE_CODES),
    )


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower().removesuffix("__c"))


def auto_fields(object_name: str, described: dict[str, Any]) -> dict[str, str]:
    """Canonical -> field the org's describe offers beyond the standard map: the ISO-code
    picklists when State and Country Picklists are on (MailingCountryCode...), and custom
    fields found by name for canonical fields Contact has no standard home for."""
    fields = {str(f.get("name")): f for f in described.get("fields") or []}
    found: dict[str, str] = {}
    for canonical, standard in SF_FIELDS.get(object_name, {}).items():
        code = SF_CODE_FIELDS.get(standard)
        if code and code in fields and _writable(fields[code]):
            found[canonical] = code
    for canonical, names in FOUND_BY_NAME.get(object_name, {}).items():
        for name, fld in fields.items():
            if not (name.endswith("__c") and _writable(fld)):
                continue
            if _fold(name) in names or _fold(str(fld.get("label") or "")) in names:
                found[canonical] = name
                break
    return found


def _writable(fld: dict[str, Any]) -> bool:
    return bool(fld.get("createable") or fld.get("updateable"))


def _options(
    object_name: str, fld: dict[str, Any]
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(active, inactive) picklist options as (canonical value, label), each value once."""
    active: dict[str, str] = {}
    inactive: dict[str, str] = {}
    for opt in fld.get("picklistValues") or []:
        value = from_sf_value(object_name, str(fld.get("name")), opt.get("value"))
        label = str(opt.get("label") or opt.get("value"))
        bucket = active if opt.get("active", True) else inactive
        if value not in active and value not in inactive:
            bucket[value] = label
    return tuple(active.items()), tuple(inactive.items())


def field_spec(
    object_name: str, canonical: str, fld: dict[str, Any], base: FieldSpec | None
) -> FieldSpec:
    """A FieldSpec from one describe entry (the built-in spec's label/group kept if any)."""
    sf_type = str(fld.get("type") or "string")
    hs_type = SF_TYPES.get(sf_type, "string")
    options, hidden = _options(object_name, fld)
    length = fld.get("length")
    spec = FieldSpec(
        name=canonical,
        label=str(fld.get("label") or canonical),
        type=hs_type,
        field_type=HS_FIELD_TYPES.get(hs_type, "text"),
        required=bool(
            fld.get("createable")
            and not fld.get("nillable", True)
            and not fld.get("defaultedOnCreate", False)
            and sf_type != "boolean"
        ),
        unique=bool(fld.get("unique") or fld.get("externalId")),
        options=options,
        hidden_options=hidden,
        max_length=int(length) if isinstance(length, int) and length > 0 else None,
        read_only=not _writable(fld),
        custom=bool(fld.get("custom")),
        group=sf_object(object_name),
        multi=sf_type == "multipicklist",
    )
    if base is not None:
        spec = replace(spec, label=base.label, group=base.group, unique=spec.unique or base.unique)
    return spec


def describe_to_schema(
    object_name: str,
    described: dict[str, Any],
    field_map: FieldMap | None = None,
    *,
    owners: tuple[Owner, ...] = (),
) -> ObjectSchema:
    """The object's live schema from describe: every canonical field the org has a home for
    (typed, lengths, required-on-create, read-only, active picklist values as options and
    inactive ones hidden), then the org's other writable fields under their API names; for
    deals the StageName picklist as the one pipeline's stages."""
    base = builtin_schema(object_name)
    by_name = {str(f.get("name")): f for f in described.get("fields") or []}
    fields: dict[str, FieldSpec] = {}
    used: set[str] = set()
    for canonical, spec in base.fields.items():
        sf_name = sf_field(object_name, canonical, field_map)
        fld = by_name.get(sf_name) if sf_name else None
        if fld is not None:
            fields[canonical] = field_spec(object_name, canonical, fld, spec)
            used.add(str(sf_name))
        elif canonical in KEPT_WITHOUT_FIELD.get(object_name, frozenset()):
            fields[canonical] = replace(spec, required=False)
    for canonical in SF_FIELDS.get(object_name, {}):
        sf_name = sf_field(object_name, canonical, field_map)
        if canonical not in fields and sf_name in by_name:
            fields[canonical] = field_spec(object_name, canonical, by_name[sf_name], None)
            used.add(str(sf_name))
    for name, fld in by_name.items():
        if name in used or not _writable(fld) or name in SF_CODE_FIELDS:
            continue
        canonical = canonical_from_sf(object_name, name, field_map)
        if canonical in fields or canonical in SF_UNMAPPED.get(object_name, frozenset()):
            continue
        fields[canonical] = field_spec(object_name, canonical, fld, None)
    pipelines: tuple[Pipeline, ...] = ()
    stage = fields.get("dealstage")
    if object_name == "deals" and stage is not None:
        stages = tuple(Stage(value, label) for value, label in stage.options) + tuple(
            Stage(value, label, archived=True) for value, label in stage.hidden_options
        )
        pipelines = (Pipeline(PIPELINE_ID, PIPELINE_LABEL, stages),)
        if "pipeline" in fields:
            fields["pipeline"] = replace(fields["pipeline"], options=((PIPELINE_ID, PIPELINE_LABEL),))
    return ObjectSchema(
        object_name,
        fields,
        key=base.key,
        pipelines=pipelines,
        owners=owners,
        source="salesforce (live)",
    )


def picklist_values(described: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Per picklist field: casefolded active value or label -> the value Salesforce stores."""
    out: dict[str, dict[str, str]] = {}
    for fld in described.get("fields") or []:
        if fld.get("type") not in ("picklist", "multipicklist"):
            continue
        table: dict[str, str] = {}
        for opt in fld.get("picklistValues") or []:
            if not opt.get("active", True) or opt.get("value") is None:
                continue
            value = str(opt["value"])
            table.setdefault(value.casefold(), value)
        for opt in fld.get("picklistValues") or []:  # labels after values: a value wins
            if opt.get("active", True) and opt.get("label") and opt.get("value") is not None:
                table.setdefault(str(opt["label"]).casefold(), str(opt["value"]))
        out[str(fld.get("name"))] = table
    return out


_BULK_ERROR = re.compile(r"^([A-Z_]+):(.*?)(?::([A-Za-z0-9_, ]*))?\s*(?:--)?\s*$", re.S)


def bulk_error_text(raw: str) -> str:
    """A Bulk API 2.0 `sf__Error` ("CODE:message:Field --") as "CODE: message (fields: ...)"."""
    match = _BULK_ERROR.match(raw.strip())
    if not match:
        return redact(raw.strip()) or "failed"
    code, message, fields = match.group(1), match.group(2).strip(), (match.group(3) or "").strip()
    names = [f.strip() for f in fields.split(",") if f.strip()]
    return errors_text([{"statusCode": code, "message": message, "fields": names}])


_FIELDS_NOTE = re.compile(r"\(fields: ([^)]*)\)")


def name_canonical(error: str | None, namer: Callable[[str], str]) -> str | None:
    """`error` with each Salesforce field it names followed by the canonical field it came
    from ("(fields: FirstName = firstname)"), so a failure points at the profile's field."""
    if not error:
        return error

    def swap(match: re.Match[str]) -> str:
        parts = []
        for name in (n.strip() for n in match.group(1).split(",")):
            canonical = namer(name)
            parts.append(name if canonical == name else f"{name} = {canonical}")
        return f"(fields: {', '.join(parts)})"

    return _FIELDS_NOTE.sub(swap, error)
