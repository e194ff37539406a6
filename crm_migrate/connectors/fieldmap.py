"""Canonical (HubSpot internal) field names <-> Salesforce and Pipedrive field names and values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from crm_migrate.errors import TargetError
from crm_migrate.identity import ID_PROPERTY
from crm_migrate.schema import DEAL_STAGES

SF_ID_FIELD = "crm_migrate_id__c"

SF_OBJECTS: dict[str, str] = {"contacts": "Contact", "companies": "Account", "deals": "Opportunity"}

SF_FIELDS: dict[str, dict[str, str]] = {
    "contacts": {
        "email": "Email",
        "firstname": "FirstName",
        "lastname": "LastName",
        "phone": "Phone",
        "mobilephone": "MobilePhone",
        "jobtitle": "Title",
        "address": "MailingStreet",
        "city": "MailingCity",
        "state": "MailingState",
        "zip": "MailingPostalCode",
        "country": "MailingCountry",
        "date_of_birth": "Birthdate",
        "hubspot_owner_id": "OwnerId",
        ID_PROPERTY: SF_ID_FIELD,
    },
    "companies": {
        "name": "Name",
        "website": "Website",
        "phone": "Phone",
        "industry": "Industry",
        "numberofemployees": "NumberOfEmployees",
        "annualrevenue": "AnnualRevenue",
        "address": "BillingStreet",
        "city": "BillingCity",
        "state": "BillingState",
        "zip": "BillingPostalCode",
        "country": "BillingCountry",
        "hubspot_owner_id": "OwnerId",
        ID_PROPERTY: SF_ID_FIELD,
    },
    "deals": {
        "dealname": "Name",
        "amount": "Amount",
        "closedate": "CloseDate",
        "dealstage": "StageName",
        "hubspot_owner_id": "OwnerId",
        ID_PROPERTY: SF_ID_FIELD,
    },
}

# Canonical fields Salesforce has no standard home for: dropped on write unless the
# profile's `target: {fields: {...}}` (the connector's `field_map`) names one, e.g.
# `lifecyclestage: Lifecycle_Stage__c`. `company` becomes an AccountId through the engine's
# association step; `pipeline` has no Opportunity field (an org's stages form one pipeline).
# Contact `website` and `hs_lead_status` find a custom field by name when the org has one
# (FOUND_BY_NAME); `lifecyclestage` is only ever written where the user maps it.
SF_UNMAPPED: dict[str, frozenset[str]] = {
    "contacts": frozenset({"company", "website", "lifecyclestage", "hs_lead_status"}),
    "companies": frozenset({"domain"}),
    "deals": frozenset({"pipeline"}),
}

FOUND_BY_NAME: dict[str, dict[str, tuple[str, ...]]] = {
    "contacts": {"website": ("website", "websiteurl"), "hs_lead_status": ("leadstatus",)},
}
# with State and Country Picklists on, the org takes ISO codes in these fields
SF_CODE_FIELDS: dict[str, str] = {
    "MailingCountry": "MailingCountryCode",
    "MailingState": "MailingStateCode",
    "BillingCountry": "BillingCountryCode",
    "BillingState": "BillingStateCode",
}

SF_INTEGER_FIELDS = frozenset({"NumberOfEmployees"})
SF_DECIMAL_FIELDS = frozenset({"AnnualRevenue", "Amount"})
SF_DATE_FIELDS = frozenset({"Birthdate", "CloseDate"})

_STAGE_LABEL = dict(DEAL_STAGES)
_STAGE_VALUE = {label.lower(): value for value, label in DEAL_STAGES}

_API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def sf_object(object_name: str) -> str:
    """The sObject type for a canonical object name."""
    try:
        return SF_OBJECTS[object_name]
    except KeyError:
        raise TargetError(f"salesforce: unknown object {object_name!r}") from None


FieldMap = Mapping[str, str | None]  # canonical -> Salesforce field (None: leave it out)


def sf_field(object_name: str, name: str, extra: FieldMap | None = None) -> str | None:
    """The Salesforce field for a canonical name; Salesforce API names (`X__c`, or PascalCase
    standard fields such as `LeadSource` that read_schema exposes) pass through; None to drop."""
    if extra and name in extra:
        return extra[name]
    mapped = SF_FIELDS.get(object_name, {}).get(name)
    if mapped:
        return mapped
    if name in SF_UNMAPPED.get(object_name, frozenset()):
        return None
    if _API_NAME.match(name) and (name.endswith("__c") or name[0].isupper()):
        return name
    return None


def canonical_from_sf(object_name: str, field_name: str, extra: FieldMap | None = None) -> str:
    """The canonical name for a Salesforce field (custom fields keep their API name)."""
    if extra:
        for canonical, sf in extra.items():
            if sf == field_name:
                return canonical
    for canonical, sf in SF_FIELDS.get(object_name, {}).items():
        if sf == field_name:
            return canonical
    return field_name


def _iso_date(value: str) -> str:
    text = value.strip()
    if text.isdigit() and len(text) >= 10:  # epoch milliseconds, as HubSpot sends dates
        stamp = datetime.fromtimestamp(int(text) / 1000, tz=UTC)
        return stamp.date().isoformat()
    return text[:10] if len(text) >= 10 and text[4:5] == "-" else text


def _number(value: str, integer: bool) -> Any:
    text = value.strip().replace(",", "")
    try:
        number = float(text)
    except ValueError:
        return value  # let Salesforce name the bad value
    if integer and number.is_integer():
        return int(number)
    return int(number) if number.is_integer() and "." not in text else number


def to_sf_value(object_name: str, sf_name: str, value: str) -> Any:
    """A canonical string value as Salesforce wants it in JSON (numbers, dates, stage labels)."""
    if value == "":
        return None  # "" clears a value in HubSpot; null clears it in Salesforce
    if sf_name in SF_INTEGER_FIELDS:
        return _number(value, integer=True)
    if sf_name in SF_DECIMAL_FIELDS:
        return _number(value, integer=False)
    if sf_name in SF_DATE_FIELDS:
        return _iso_date(value)
    if object_name == "deals" and sf_name == "StageName":
        return _STAGE_LABEL.get(value, value)
    return value


def from_sf_value(object_name: str, sf_name: str, value: Any) -> str:
    """A Salesforce JSON value as a canonical string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if object_name == "deals" and sf_name == "StageName":
        return _STAGE_VALUE.get(str(value).lower(), str(value))
    return str(value)


def to_salesforce(
    object_name: str, properties: dict[str, str], extra: FieldMap | None = None
) -> tuple[dict[str, Any], list[str]]:
    """(Salesforce fields, canonical names dropped) for one record's canonical properties."""
    fields: dict[str, Any] = {}
    dropped: list[str] = []
    for name, value in properties.items():
        sf_name = sf_field(object_name, name, extra)
        if sf_name is None:
            dropped.append(name)
            continue
        fields[sf_name] = to_sf_value(object_name, sf_name, value)
    if object_name == "companies" and "Website" not in fields and properties.get("domain"):
        fields["Website"] = properties["domain"]
    return fields, dropped


def from_salesforce(
    object_name: str, record: dict[str, Any], extra: FieldMap | None = None
) -> dict[str, str]:
    """Canonical properties for a Salesforce record (attributes and Id left out)."""
    props: dict[str, str] = {}
    for sf_name, value in record.items():
        if sf_name in ("attributes", "Id") or isinstance(value, dict):
            continue
        props[canonical_from_sf(object_name, sf_name, extra)] = from_sf_value(
            object_name, sf_name, value
        )
    if object_name == "companies" and props.get("website"):
        props.setdefault("domain", website_host(props["website"]))
    return props


def website_host(website: str) -> str:
    """The bare host of a website value: https://www.Acme.com/x -> acme.com."""
    text = website.strip().lower()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = text.split("/", 1)[0].split("?", 1)[0].split(":", 1)[0]
    return text[4:] if text.startswith("www.") else text


SF_TYPES: dict[str, str] = {
    "string": "string",
    "textarea": "string",
    "email": "string",
    "url": "string",
    "id": "string",
    "reference": "string",
    "encryptedstring": "string",
    "phone": "phone_number",
    "date": "date",
    "datetime": "datetime",
    "double": "number",
    "currency": "number",
    "int": "number",
    "long": "number",
    "percent": "number",
    "picklist": "enumeration",
    "multipicklist": "enumeration",
    "combobox": "enumeration",
    "boolean": "bool",
}

HS_FIELD_TYPES: dict[str, str] = {
    "string": "text",
    "phone_number": "phonenumber",
    "date": "date",
    "datetime": "date",
    "number": "number",
    "enumeration": "select",
    "bool": "booleancheckbox",
}


def iso_date(value: str) -> str:
    """YYYY-MM-DD from an ISO date/datetime or epoch-ms string (other text as given)."""
    return _iso_date(value)
