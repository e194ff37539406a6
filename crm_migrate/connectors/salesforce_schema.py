"""Salesforce describe results as HubSpot-shaped properties, the External ID field we key by,
and per-record results of sObject Collections calls."""

from __future__ import annotations

from typing import Any

from crm_migrate.connectors.base import WriteResult
from crm_migrate.connectors.fieldmap import (
    HS_FIELD_TYPES,
    SF_ID_FIELD,
    SF_TYPES,
    canonical_from_sf,
    from_sf_value,
    sf_object,
)
from crm_migrate.secrets import redact

RETRYABLE_CODES = frozenset({"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE"})


def describe_to_properties(
    object_name: str, described: dict[str, Any], field_map: dict[str, str] | None = None
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
        if fields and str(fields[0]) not in message:
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
