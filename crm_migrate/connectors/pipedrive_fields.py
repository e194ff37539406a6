"""Canonical fields <-> Pipedrive v2 bodies and records, and Pipedrive field lists as properties."""

from __future__ import annotations

import re
from typing import Any

from crm_migrate.connectors.fieldmap import HS_FIELD_TYPES, iso_date
from crm_migrate.errors import TargetError

PD_ENTITIES: dict[str, str] = {
    "contacts": "persons",
    "companies": "organizations",
    "deals": "deals",
}
PD_FIELDS_ENDPOINT: dict[str, str] = {
    "contacts": "personFields",
    "companies": "organizationFields",
    "deals": "dealFields",
}
CUSTOM_KEY = re.compile(r"^[0-9a-f]{40}$")
KEYS: dict[str, str | None] = {"contacts": "email", "companies": "name", "deals": None}
SEARCH_FIELD: dict[tuple[str, str], str] = {
    ("contacts", "email"): "email",
    ("contacts", "phone"): "phone",
    ("contacts", "name"): "name",
    ("companies", "name"): "name",
    ("deals", "dealname"): "title",
}
# standard v2 body fields (as read_schema names them) written as given; ids become numbers
STANDARD_PASSTHROUGH: dict[str, frozenset[str]] = {
    "contacts": frozenset({"owner_id", "visible_to", "marketing_status"}),
    "companies": frozenset({"owner_id", "visible_to"}),
    "deals": frozenset(
        {"owner_id", "visible_to", "probability", "lost_reason", "status", "currency"}
    ),
}
PD_TYPES: dict[str, str] = {
    "varchar": "string",
    "varchar_auto": "string",
    "text": "string",
    "address": "string",
    "double": "number",
    "monetary": "number",
    "int": "number",
    "date": "date",
    "daterange": "date",
    "time": "string",
    "enum": "enumeration",
    "set": "enumeration",
    "phone": "phone_number",
    "visible_to": "enumeration",
    "status": "enumeration",
}
CANONICAL_FROM_PD: dict[str, dict[str, str]] = {
    "contacts": {
        "first_name": "firstname",
        "last_name": "lastname",
        "email": "email",
        "phone": "phone",
    },
    "companies": {"name": "name", "address": "address"},
    "deals": {
        "title": "dealname",
        "value": "amount",
        "expected_close_date": "closedate",
        "stage_id": "dealstage",
        "pipeline_id": "pipeline",
    },
}


def pd_entity(object_name: str) -> str:
    """The Pipedrive entity (persons, organizations, deals) for a canonical object."""
    try:
        return PD_ENTITIES[object_name]
    except KeyError:
        raise TargetError(f"pipedrive: unknown object {object_name!r}") from None


def int_or_none(value: str | None) -> int | None:
    """The value as an int when it is all digits, else None."""
    if value is None:
        return None
    text = str(value).strip()
    return int(text) if text.isdigit() else None


def number(value: str) -> float | int | str:
    """A numeric string as a JSON number (the text itself when it is not one)."""
    try:
        number = float(value.replace(",", ""))
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


def address_body(props: dict[str, str]) -> dict[str, str] | None:
    """The v2 organization address object for canonical address parts, or None."""
    street, city = props.get("address", ""), props.get("city", "")
    state, postal, country = (
        props.get("state", ""),
        props.get("zip", ""),
        props.get("country", ""),
    )
    if not any((street, city, state, postal, country)):
        return None
    region = " ".join(p for p in (state, postal) if p)
    value = ", ".join(p for p in (street, city, region, country) if p)
    address = {"value": value}
    for key, part in (
        ("locality", city),
        ("admin_area_level_1", state),
        ("postal_code", postal),
        ("country", country),
    ):
        if part:
            address[key] = part
    return address


def record_properties(
    object_name: str, item: dict[str, Any], field_map: dict[str, str] | None = None
) -> dict[str, str]:
    """Canonical properties from a v2 person/organization/deal."""
    props: dict[str, str] = {}
    if object_name == "contacts":
        first, last = item.get("first_name"), item.get("last_name")
        if first is None and last is None and item.get("name"):
            first, _, last = str(item["name"]).partition(" ")
        props["firstname"] = str(first or "")
        props["lastname"] = str(last or "")
        emails = [e for e in item.get("emails") or [] if isinstance(e, dict)]
        primary = next((e for e in emails if e.get("primary")), emails[0] if emails else None)
        if primary:
            props["email"] = str(primary.get("value") or "")
        for phone in item.get("phones") or []:
            if not isinstance(phone, dict):
                continue
            slot = "mobilephone" if phone.get("label") == "mobile" else "phone"
            props.setdefault(slot, str(phone.get("value") or ""))
        if item.get("org_id") is not None:
            props["org_id"] = str(item["org_id"])
    elif object_name == "companies":
        props["name"] = str(item.get("name") or "")
        address = item.get("address")
        if isinstance(address, dict) and address.get("value"):
            props["address"] = str(address["value"])
    else:
        for key, canonical in CANONICAL_FROM_PD["deals"].items():
            if item.get(key) is not None:
                props[canonical] = str(item[key])
    reverse = {v: k for k, v in (field_map or {}).items()}
    for key, value in (item.get("custom_fields") or {}).items():
        if value is not None:
            props[reverse.get(key, key)] = str(value)
    return props


def fields_to_properties(
    object_name: str, fields: list[dict[str, Any]], field_map: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """HubSpot-shaped property dicts for GET /v1/{entity}Fields items (custom: 40-char keys)."""
    known = CANONICAL_FROM_PD.get(object_name, {})
    reverse = {v: k for k, v in (field_map or {}).items()}
    props = []
    for fld in fields:
        key = str(fld.get("key"))
        hs_type = PD_TYPES.get(str(fld.get("field_type")), "string")
        props.append(
            {
                "name": reverse.get(key) or known.get(key) or key,
                "label": str(fld.get("name") or key),
                "type": hs_type,
                "fieldType": HS_FIELD_TYPES.get(hs_type, "text"),
                "groupName": PD_ENTITIES[object_name],
                "description": "",
                "options": [
                    {
                        "label": str(o.get("label")),
                        "value": str(o.get("id")),
                        "hidden": False,
                        "displayOrder": n,
                    }
                    for n, o in enumerate(fld.get("options") or [])
                    if isinstance(o, dict)
                ],
                "hasUniqueValue": False,
                "hubspotDefined": not CUSTOM_KEY.match(key),
                "required": bool(fld.get("mandatory_flag")),
                # edit_flag says whether the field's definition may be edited (false for system
                # fields such as email), not whether its value may be written
                "modificationMetadata": {"readOnlyValue": False, "readOnlyDefinition": not fld.get("edit_flag", True)},
                "targetName": key,
            }
        )
    return props


# canonical fields Pipedrive has no standard home for, found among the account's own fields by
# name (case and spacing folded); the built-in label is tried as well
ACCOUNT_FIELD_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "contacts": {
        "jobtitle": ("job title", "title", "position", "job"),
        "address": ("address", "postal address", "mailing address"),
    },
    "companies": {
        "domain": ("domain", "company domain", "website", "web site"),
        "website": ("website", "web site", "domain"),
    },
    "deals": {},
}
PERSON_ADDRESS_PARTS = ("address", "city", "state", "zip", "country")


def fold(text: str) -> str:
    """A name folded for matching: case, spacing and punctuation ignored."""
    return re.sub(r"[\W_]+", "", text.casefold())


def find_field(fields: list[dict[str, Any]], names: tuple[str, ...]) -> dict[str, Any] | None:
    """The first of the account's fields whose name folds to one of `names`, in that order."""
    by_name: dict[str, dict[str, Any]] = {}
    for fld in fields:
        by_name.setdefault(fold(str(fld.get("name") or "")), fld)
    for name in names:
        found = by_name.get(fold(name))
        if found is not None:
            return found
    return None


def _option_id(fld: dict[str, Any], value: str) -> int | str:
    options = [o for o in fld.get("options") or [] if isinstance(o, dict)]
    text = value.strip()
    for option in options:
        if str(option.get("id")) == text:
            return option["id"]  # type: ignore[no-any-return]
    folded = fold(text)
    for option in options:
        if fold(str(option.get("label") or "")) == folded:
            return option["id"]  # type: ignore[no-any-return]
    labels = ", ".join(str(o.get("label")) for o in options[:10])
    raise ValueError(f"INVALID_OPTION: {value!r} is not an option of the Pipedrive field "
                     f"{fld.get('name')!r} ({labels})")


def typed_value(fld: dict[str, Any], value: str) -> Any:
    """A custom field value as Pipedrive wants it for the field's type: enum -> option id,
    set -> option ids (';'-separated in), double/monetary/int -> a number, date -> YYYY-MM-DD,
    user/org/people -> an id, address -> {"value": ...}; "" clears (None). ValueError names
    a value the field cannot take."""
    if value == "":
        return None
    kind = str(fld.get("field_type") or "varchar")
    name = fld.get("name")
    if kind == "enum":
        return _option_id(fld, value)
    if kind == "set":
        return [_option_id(fld, part) for part in re.split(r"[;,]", value) if part.strip()]
    if kind in ("double", "monetary", "int"):
        out = number(value)
        if isinstance(out, str):
            raise ValueError(f"INVALID_NUMBER: {value!r} is not a number (Pipedrive field "
                             f"{name!r})")
        return int(out) if kind == "int" else out
    if kind == "date":
        day = iso_date(value)
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
            raise ValueError(f"INVALID_DATE: {value!r} is not a date (Pipedrive field {name!r})")
        return day
    if kind in ("user", "org", "people"):
        ident = int_or_none(value)
        if ident is None:
            raise ValueError(f"INVALID_ID: {value!r} is not an id (Pipedrive field {name!r})")
        return ident
    if kind == "address":
        return {"value": value}
    return value
