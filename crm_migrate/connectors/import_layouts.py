"""Column headers that each CRM's own import wizard maps by itself, per object."""

from __future__ import annotations

from pathlib import Path

from crm_migrate.connectors.fieldmap import iso_date
from crm_migrate.schema import DEAL_STAGES, builtin_schema

LAYOUTS = ("hubspot", "salesforce", "pipedrive")
_STAGE_LABEL = dict(DEAL_STAGES)

# Salesforce Data Import Wizard field labels (Contact / Account / Opportunity).
SALESFORCE_HEADERS: dict[str, dict[str, str]] = {
    "contacts": {
        "firstname": "First Name",
        "lastname": "Last Name",
        "email": "Email",
        "phone": "Phone",
        "mobilephone": "Mobile",
        "company": "Account Name",
        "jobtitle": "Title",
        "address": "Mailing Street",
        "city": "Mailing City",
        "state": "Mailing State/Province",
        "zip": "Mailing Zip/Postal Code",
        "country": "Mailing Country",
        "date_of_birth": "Birthdate",
        "website": "Website",
        "lifecyclestage": "Lifecycle Stage",  # no standard Contact field: map it in the wizard
    },
    "companies": {
        "name": "Account Name",
        "website": "Website",
        "domain": "Website",  # Account has no domain field: used when there is no website
        "phone": "Phone",
        "industry": "Industry",
        "numberofemployees": "Employees",
        "annualrevenue": "Annual Revenue",
        "address": "Billing Street",
        "city": "Billing City",
        "state": "Billing State/Province",
        "zip": "Billing Zip/Postal Code",
        "country": "Billing Country",
    },
    "deals": {
        "dealname": "Opportunity Name",
        "amount": "Amount",
        "closedate": "Close Date",
        "dealstage": "Stage",
        "pipeline": "Pipeline",
    },
}

# Pipedrive's importer recognises "<Entity> - <Field>" headers.
PIPEDRIVE_HEADERS: dict[str, dict[str, str]] = {
    "contacts": {
        "firstname": "Person - First name",
        "lastname": "Person - Last name",
        "email": "Person - Email",
        "phone": "Person - Phone",
        "mobilephone": "Person - Mobile phone",
        "company": "Organization - Name",
        "jobtitle": "Person - Job title",
        "address": "Person - Postal address",
        "city": "Person - City",
        "state": "Person - State",
        "zip": "Person - Postal code",
        "country": "Person - Country",
        "date_of_birth": "Person - Birthday",
        "website": "Organization - Website",
    },
    "companies": {
        "name": "Organization - Name",
        "domain": "Organization - Domain",
        "website": "Organization - Website",
        "phone": "Organization - Phone",
        "address": "Organization - Address",
        "city": "Organization - City",
        "state": "Organization - State",
        "zip": "Organization - Postal code",
        "country": "Organization - Country",
        "industry": "Organization - Industry",
        "numberofemployees": "Organization - Number of employees",
        "annualrevenue": "Organization - Annual revenue",
    },
    "deals": {
        "dealname": "Deal - Title",
        "amount": "Deal - Value",
        "closedate": "Deal - Expected close date",
        "dealstage": "Deal - Stage",
        "pipeline": "Deal - Pipeline",
    },
}


def headers_for(layout: str, object_name: str) -> dict[str, str]:
    """canonical field -> column header for a layout (HubSpot uses its property labels)."""
    if layout == "hubspot":
        schema = builtin_schema(object_name)
        return {name: spec.label for name, spec in schema.fields.items()}
    table = SALESFORCE_HEADERS if layout == "salesforce" else PIPEDRIVE_HEADERS
    return dict(table[object_name])


def infer_layout(path: Path) -> str:
    """The layout a file name asks for (out/contacts_for_salesforce.csv), HubSpot otherwise."""
    name = path.name.lower()
    return next((layout for layout in LAYOUTS if layout in name), "hubspot")


def display_value(layout: str, object_name: str, name: str, value: str) -> str:
    """A canonical value as the layout's CRM imports it (deal stage labels, plain dates)."""
    if layout != "hubspot" and object_name == "deals":
        if name == "dealstage":
            return _STAGE_LABEL.get(value, value)
        if name == "closedate" and value:
            return iso_date(value)
    return value


OBJECT_WORDS: tuple[tuple[str, str], ...] = (
    ("contact", "contacts"),
    ("person", "contacts"),
    ("people", "contacts"),
    ("compan", "companies"),
    ("account", "companies"),
    ("organi", "companies"),
    ("deal", "deals"),
    ("opportunit", "deals"),
)


def infer_object(path: Path) -> str | None:
    """The object a file name names first (out/contacts_for_hubspot.csv -> contacts), or None."""
    name = path.name.lower()
    hits = [(name.find(word), obj) for word, obj in OBJECT_WORDS if word in name]
    return min(hits)[1] if hits else None
