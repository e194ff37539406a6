"""Salesforce describe results as HubSpot-shaped properties, and the External ID field we key by."""

from __future__ import annotations

from typing import Any

from crm_migrate.connectors.fieldmap import (
    HS_FIELD_TYPES,
    SF_ID_FIELD,
    SF_TYPES,
    canonical_from_sf,
    from_sf_value,
    sf_object,
)


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
