"""Property definitions (HubSpot's Property JSON) and validation of written values."""

from __future__ import annotations

import functools
import math
import re
from datetime import UTC, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email

from crm_migrate.sandbox.shapes import ApiError, PropertyProblem, iso_ms, validation_error
from crm_migrate.schema import OWNER_FIELD, FieldSpec, builtin_schema

# properties HubSpot returns when the caller names none
DEFAULT_RETURNED: dict[str, tuple[str, ...]] = {
    "contacts": (
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    ),
    "companies": ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
    "deals": (
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ),
}

# read-only system properties, computed from the record's columns
SYSTEM_PROPERTIES = ("createdate", "lastmodifieddate", "hs_lastmodifieddate", "hs_object_id")

# the properties the search `query` looks in
QUERY_PROPERTIES: dict[str, tuple[str, ...]] = {
    "contacts": ("firstname", "lastname", "email", "phone", "mobilephone", "company"),
    "companies": ("name", "domain", "website", "phone"),
    "deals": ("dealname",),
}

GROUPS = {
    "contacts": "contactinformation",
    "companies": "companyinformation",
    "deals": "dealinformation",
}
TYPES = ("string", "number", "date", "datetime", "enumeration", "bool", "phone_number")
FIELD_TYPES = (
    "text",
    "textarea",
    "number",
    "date",
    "select",
    "radio",
    "checkbox",
    "booleancheckbox",
    "phonenumber",
    "file",
    "html",
    "calculation_equation",
)
MAX_STRING = 65536
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_EPOCH_CREATED = "2026-01-01T00:00:00.000Z"


def _options(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
    return [
        {"label": label, "value": value, "hidden": False, "displayOrder": i, "description": ""}
        for i, (value, label) in enumerate(pairs)
    ]


def _builtin_json(obj: str, spec: FieldSpec, order: int) -> dict[str, Any]:
    unique = spec.unique and spec.name == "email"
    prop = {
        "name": spec.name,
        "label": spec.label,
        "type": spec.type,
        "fieldType": spec.field_type,
        "description": "",
        "groupName": spec.group or GROUPS[obj],
        "options": _options(spec.options),
        "displayOrder": order,
        "calculated": False,
        "externalOptions": False,
        "hasUniqueValue": unique,
        "hidden": False,
        "hubspotDefined": True,
        "formField": True,
        "createdAt": _EPOCH_CREATED,
        "updatedAt": _EPOCH_CREATED,
        "archived": False,
        "modificationMetadata": {
            "archivable": False,
            "readOnlyDefinition": True,
            "readOnlyValue": False,
        },
    }
    if spec.name == OWNER_FIELD:  # as HubSpot's: the portal's owners are its options
        prop.update(fieldType="select", externalOptions=True, referencedObjectType="OWNER")
    return prop


def _system_json(obj: str, name: str, label: str, type_: str) -> dict[str, Any]:
    field_type = "number" if type_ == "number" else "date"
    return {
        "name": name,
        "label": label,
        "type": type_,
        "fieldType": field_type,
        "description": "",
        "groupName": GROUPS[obj],
        "options": [],
        "displayOrder": -1,
        "calculated": False,
        "externalOptions": False,
        "hasUniqueValue": name == "hs_object_id",
        "hidden": False,
        "hubspotDefined": True,
        "formField": False,
        "createdAt": _EPOCH_CREATED,
        "updatedAt": _EPOCH_CREATED,
        "archived": False,
        "modificationMetadata": {
            "archivable": False,
            "readOnlyDefinition": True,
            "readOnlyValue": True,
        },
    }


def builtin_properties(obj: str) -> dict[str, dict[str, Any]]:
    """The default property set of an object, by name, in HubSpot's Property shape."""
    schema = builtin_schema(obj)
    props = {
        spec.name: _builtin_json(obj, spec, i) for i, spec in enumerate(schema.fields.values())
    }
    props["createdate"] = _system_json(obj, "createdate", "Create Date", "datetime")
    props["lastmodifieddate"] = _system_json(
        obj, "lastmodifieddate", "Last Modified Date", "datetime"
    )
    props["hs_lastmodifieddate"] = _system_json(
        obj, "hs_lastmodifieddate", "Object last modified date/time", "datetime"
    )
    props["hs_object_id"] = _system_json(obj, "hs_object_id", "Record ID", "number")
    return props


def new_property_json(obj: str, body: dict[str, Any], when_ms: int) -> dict[str, Any]:
    """Validate a POST /crm/v3/properties/{object} body; return the stored Property JSON."""
    if not isinstance(body, dict):
        raise validation_error("Invalid input JSON: expected an object")
    missing = [k for k in ("name", "label", "type", "fieldType", "groupName") if not body.get(k)]
    if missing:
        raise validation_error(
            f"Invalid input JSON: missing required fields {missing}",
            context={"missingFields": missing},
        )
    name = str(body["name"])
    if not _NAME_RE.match(name) or len(name) > 100:
        raise validation_error(
            f"Property name '{name}' is invalid: use lowercase letters, digits and underscores, "
            "starting with a letter"
        )
    if body["type"] not in TYPES:
        raise validation_error(f"Invalid property type '{body['type']}'; allowed: {list(TYPES)}")
    if body["fieldType"] not in FIELD_TYPES:
        raise validation_error(
            f"Invalid fieldType '{body['fieldType']}'; allowed: {list(FIELD_TYPES)}"
        )
    options = []
    for i, option in enumerate(body.get("options") or []):
        if not isinstance(option, dict) or "value" not in option:
            raise validation_error("Each option needs a label and a value")
        options.append(
            {
                "label": str(option.get("label", option["value"])),
                "value": str(option["value"]),
                "hidden": bool(option.get("hidden", False)),
                "displayOrder": int(option.get("displayOrder", i)),
                "description": str(option.get("description", "")),
            }
        )
    if body["type"] == "enumeration" and not options and body["fieldType"] != "booleancheckbox":
        raise validation_error("An enumeration property needs options")
    stamp = iso_ms(when_ms)
    return {
        "name": name,
        "label": str(body["label"]),
        "type": body["type"],
        "fieldType": body["fieldType"],
        "description": str(body.get("description", "")),
        "groupName": str(body["groupName"]),
        "options": options,
        "displayOrder": int(body.get("displayOrder", -1)),
        "calculated": False,
        "externalOptions": False,
        "hasUniqueValue": bool(body.get("hasUniqueValue", False)),
        "hidden": bool(body.get("hidden", False)),
        "hubspotDefined": False,
        "formField": bool(body.get("formField", False)),
        "createdAt": stamp,
        "updatedAt": stamp,
        "archived": False,
        "modificationMetadata": {
            "archivable": True,
            "readOnlyDefinition": False,
            "readOnlyValue": False,
        },
    }


def _as_text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


# plain ASCII addresses this matches are valid for email-validator too; the rest go to it
_PLAIN_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)

_SPECIAL_USE = {"arpa", "invalid", "local", "localhost", "onion"}


@functools.lru_cache(maxsize=65536)
def _email_problem(value: str) -> str | None:
    if (
        len(value) <= 254
        and _PLAIN_EMAIL.match(value)
        and len(value.split("@")[0]) <= 64
        and value.rsplit(".", 1)[1] not in _SPECIAL_USE
    ):
        return None
    try:
        validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        return f"Email address {value} is invalid"
    return None


def _epoch_or_iso(value: str) -> datetime | None:
    text = value.strip()
    if re.fullmatch(r"-?\d{1,15}", text):
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def normalise_value(prop: dict[str, Any], raw: Any) -> tuple[str, PropertyProblem | None]:
    """The stored form of a written value, or the problem with it ("" clears)."""
    name = prop["name"]
    value = _as_text(raw)
    if value == "":
        return "", None
    type_ = prop["type"]
    if len(value) > MAX_STRING:
        return "", PropertyProblem(
            name, "INVALID_STRING_LENGTH", f"{name} is longer than {MAX_STRING} characters"
        )
    if name == "email":
        value = value.strip().lower()
        problem = _email_problem(value)
        return value, PropertyProblem(name, "INVALID_EMAIL", problem) if problem else None
    if type_ == "enumeration":
        allowed = [o["value"] for o in prop.get("options") or []]
        if prop.get("fieldType") == "booleancheckbox" and not allowed:
            allowed = ["true", "false"]
        parts = value.split(";") if prop.get("fieldType") == "checkbox" else [value]
        bad = [p for p in parts if p not in allowed]
        if bad:
            return "", PropertyProblem(
                name,
                "INVALID_OPTION",
                f"{bad[0]} was not one of the allowed options: [{', '.join(allowed)}]",
            )
        return value, None
    if type_ == "number":
        try:
            number = float(value.strip())
        except ValueError:
            number = math.nan
        if math.isnan(number) or math.isinf(number):
            return "", PropertyProblem(name, "INVALID_DECIMAL", f"{value} is not a valid number")
        return value.strip(), None
    if type_ == "bool":
        lowered = value.strip().lower()
        if lowered not in ("true", "false"):
            return "", PropertyProblem(name, "INVALID_BOOLEAN", f"{value} is not a valid boolean")
        return lowered, None
    if type_ == "date":
        moment = _epoch_or_iso(value)
        if moment is None or (moment.hour, moment.minute, moment.second, moment.microsecond) != (
            0,
            0,
            0,
            0,
        ):
            return "", PropertyProblem(
                name,
                "INVALID_DATE",
                f"{value} is not a valid date; use midnight UTC epoch milliseconds or YYYY-MM-DD",
            )
        return moment.strftime("%Y-%m-%d"), None
    if type_ == "datetime":
        moment = _epoch_or_iso(value)
        if moment is None:
            return "", PropertyProblem(name, "INVALID_DATETIME", f"{value} is not a valid datetime")
        return iso_ms(int(moment.timestamp() * 1000)), None
    return value, None


def check_writable(prop: dict[str, Any] | None, name: str) -> PropertyProblem | None:
    """The problem with writing a property at all: unknown or read-only."""
    if prop is None:
        return PropertyProblem(name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist')
    if (prop.get("modificationMetadata") or {}).get("readOnlyValue"):
        return PropertyProblem(
            name,
            "READ_ONLY_VALUE",
            f'"{name}" is a read only property; its value cannot be set.',
        )
    return None


def comparable(prop: dict[str, Any] | None, value: str) -> float | str | None:
    """A value in a form that orders correctly for this property's type."""
    if value == "" or value is None:
        return None
    type_ = (prop or {}).get("type", "string")
    if type_ == "number":
        try:
            return float(value)
        except ValueError:
            return None
    if type_ in ("date", "datetime"):
        moment = _epoch_or_iso(value)
        return moment.timestamp() * 1000 if moment else None
    return value.lower()


def unknown_property(name: str) -> ApiError:
    """404 for a property that does not exist."""
    return ApiError(404, "OBJECT_NOT_FOUND", f"Unable to find property {name}")
