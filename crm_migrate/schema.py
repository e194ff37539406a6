"""Target schemas: the canonical fields of each object (HubSpot internal names).

Connectors translate these names to their CRM's; the sandbox serves them from its
properties API; a live schema from a connected target is merged in so custom
properties can be mapped too.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

OBJECTS: tuple[str, ...] = ("contacts", "companies", "deals")

LIFECYCLE_STAGES: tuple[tuple[str, str], ...] = (
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
)

LEAD_STATUSES: tuple[tuple[str, str], ...] = (
    ("NEW", "New"),
    ("OPEN", "Open"),
    ("IN_PROGRESS", "In Progress"),
    ("OPEN_DEAL", "Open Deal"),
    ("UNQUALIFIED", "Unqualified"),
    ("ATTEMPTED_TO_CONTACT", "Attempted to Contact"),
    ("CONNECTED", "Connected"),
    ("BAD_TIMING", "Bad Timing"),
)

DEAL_STAGES: tuple[tuple[str, str], ...] = (
    ("appointmentscheduled", "Appointment Scheduled"),
    ("qualifiedtobuy", "Qualified To Buy"),
    ("presentationscheduled", "Presentation Scheduled"),
    ("decisionmakerboughtin", "Decision Maker Bought-In"),
    ("contractsent", "Contract Sent"),
    ("closedwon", "Closed Won"),
    ("closedlost", "Closed Lost"),
)

PIPELINES: tuple[tuple[str, str], ...] = (("default", "Sales Pipeline"),)


@dataclass(frozen=True)
class FieldSpec:
    """One target field: its type, constraints and picklist options (value, label)."""

    name: str
    label: str
    type: str = "string"  # string|number|date|datetime|enumeration|bool|phone_number
    field_type: str = "text"  # HubSpot fieldType
    required: bool = False
    unique: bool = False
    options: tuple[tuple[str, str], ...] = ()
    max_length: int | None = None
    read_only: bool = False
    custom: bool = False
    group: str = "contactinformation"

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(value for value, _ in self.options)


@dataclass
class ObjectSchema:
    """The fields of one object; `key` is its unique key field (email, domain) if any."""

    object: str
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    key: str | None = None

    def __contains__(self, name: Any) -> bool:
        return name in self.fields

    def get(self, name: str) -> FieldSpec | None:
        return self.fields.get(name)

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields.values() if f.required]

    @property
    def writable(self) -> list[str]:
        return [f.name for f in self.fields.values() if not f.read_only]

    def merge_live(self, properties: list[dict[str, Any]]) -> ObjectSchema:
        """Merge HubSpot-shaped property dicts (GET /crm/v3/properties/{object}) into a copy."""
        merged = dict(self.fields)
        for prop in properties:
            name = prop.get("name")
            if not name:
                continue
            mod = prop.get("modificationMetadata") or {}
            read_only = bool(mod.get("readOnlyValue") or prop.get("calculated"))
            options = tuple(
                (str(o.get("value")), str(o.get("label") or o.get("value")))
                for o in prop.get("options") or []
                if not o.get("hidden")
            )
            if name in merged:
                base = merged[name]
                merged[name] = replace(
                    base,
                    options=options or base.options,
                    unique=base.unique or bool(prop.get("hasUniqueValue")),
                    read_only=read_only,
                )
            elif not read_only and not prop.get("hidden"):
                merged[name] = FieldSpec(
                    name=name,
                    label=str(prop.get("label") or name),
                    type=str(prop.get("type") or "string"),
                    field_type=str(prop.get("fieldType") or "text"),
                    unique=bool(prop.get("hasUniqueValue")),
                    options=options,
                    custom=not prop.get("hubspotDefined", False),
                    group=str(prop.get("groupName") or ""),
                )
        return ObjectSchema(object=self.object, fields=merged, key=self.key)


def _spec(name: str, label: str, type_: str = "string", **kw: Any) -> FieldSpec:
    field_type = {
        "string": "text",
        "number": "number",
        "date": "date",
        "datetime": "date",
        "enumeration": "select",
        "bool": "booleancheckbox",
        "phone_number": "phonenumber",
    }[type_]
    return FieldSpec(name=name, label=label, type=type_, field_type=field_type, **kw)


def _contacts() -> ObjectSchema:
    g = "contactinformation"
    specs = [
        _spec("email", "Email", unique=True, max_length=254, group=g),
        _spec("firstname", "First Name", max_length=80, group=g),
        _spec("lastname", "Last Name", max_length=80, group=g),
        _spec("phone", "Phone Number", "phone_number", group=g),
        _spec("mobilephone", "Mobile Phone Number", "phone_number", group=g),
        _spec("company", "Company Name", group=g),
        _spec("jobtitle", "Job Title", group=g),
        _spec("website", "Website URL", group=g),
        _spec("address", "Street Address", group=g),
        _spec("city", "City", group=g),
        _spec("state", "State/Region", group=g),
        _spec("zip", "Postal Code", group=g),
        _spec("country", "Country/Region", group=g),
        _spec("date_of_birth", "Date of birth", "date", group=g),
        _spec("lifecyclestage", "Lifecycle Stage", "enumeration", options=LIFECYCLE_STAGES, group=g),
        _spec("hs_lead_status", "Lead Status", "enumeration", options=LEAD_STATUSES, group=g),
    ]
    return ObjectSchema("contacts", {s.name: s for s in specs}, key="email")


def _companies() -> ObjectSchema:
    g = "companyinformation"
    specs = [
        _spec("domain", "Company Domain Name", unique=True, group=g),
        _spec("name", "Company name", group=g),
        _spec("phone", "Phone Number", "phone_number", group=g),
        _spec("website", "Website URL", group=g),
        _spec("address", "Street Address", group=g),
        _spec("city", "City", group=g),
        _spec("state", "State/Region", group=g),
        _spec("zip", "Postal Code", group=g),
        _spec("country", "Country/Region", group=g),
        _spec("industry", "Industry", group=g),
        _spec("numberofemployees", "Number of Employees", "number", group=g),
        _spec("annualrevenue", "Annual Revenue", "number", group=g),
    ]
    return ObjectSchema("companies", {s.name: s for s in specs}, key="domain")


def _deals() -> ObjectSchema:
    g = "dealinformation"
    specs = [
        _spec("dealname", "Deal Name", required=True, group=g),
        _spec("amount", "Amount", "number", group=g),
        _spec("closedate", "Close Date", "datetime", group=g),
        _spec("dealstage", "Deal Stage", "enumeration", required=True, options=DEAL_STAGES, group=g),
        _spec("pipeline", "Pipeline", "enumeration", required=True, options=PIPELINES, group=g),
    ]
    return ObjectSchema("deals", {s.name: s for s in specs}, key=None)


_BUILDERS = {"contacts": _contacts, "companies": _companies, "deals": _deals}


def builtin_schema(object_name: str) -> ObjectSchema:
    """The canonical schema of an object (contacts, companies, deals)."""
    try:
        return _BUILDERS[object_name]()
    except KeyError:
        raise ValueError(
            f"unknown object {object_name!r}; choose one of {', '.join(OBJECTS)}"
        ) from None
