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

# the record's owner (HubSpot's owner id); its options are the target's owners once read
OWNER_FIELD = "hubspot_owner_id"


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
    # options the target keeps but hides/deactivates: a value may still match one (reported)
    hidden_options: tuple[tuple[str, str], ...] = ()
    multi: bool = False  # a multi-select: several options, ';'-separated (HubSpot checkbox)

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(value for value, _ in self.options)

    @property
    def is_enumeration(self) -> bool:
        return self.type == "enumeration" or bool(self.options)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "label": self.label, "type": self.type,
                               "field_type": self.field_type}
        for key in ("required", "unique", "read_only", "custom", "multi"):
            if getattr(self, key):
                out[key] = True
        if self.options:
            out["options"] = [list(o) for o in self.options]
        if self.hidden_options:
            out["hidden_options"] = [list(o) for o in self.hidden_options]
        if self.max_length is not None:
            out["max_length"] = self.max_length
        if self.group:
            out["group"] = self.group
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FieldSpec:
        return cls(
            name=str(data["name"]), label=str(data.get("label") or data["name"]),
            type=str(data.get("type") or "string"), field_type=str(data.get("field_type") or "text"),
            required=bool(data.get("required")), unique=bool(data.get("unique")),
            options=tuple((str(v), str(lab)) for v, lab in data.get("options") or ()),
            hidden_options=tuple((str(v), str(lab)) for v, lab in data.get("hidden_options") or ()),
            max_length=data.get("max_length"), read_only=bool(data.get("read_only")),
            custom=bool(data.get("custom")), multi=bool(data.get("multi")),
            group=str(data.get("group") or ""),
        )


@dataclass(frozen=True)
class Stage:
    """One stage of a deal pipeline: its id (what the target stores) and label."""

    id: str
    label: str
    archived: bool = False


@dataclass(frozen=True)
class Pipeline:
    """A deal pipeline with its stages, in display order."""

    id: str
    label: str
    stages: tuple[Stage, ...] = ()
    archived: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "archived": self.archived,
                "stages": [{"id": s.id, "label": s.label, "archived": s.archived}
                           for s in self.stages]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Pipeline:
        return cls(str(data["id"]), str(data.get("label") or data["id"]),
                   tuple(Stage(str(s["id"]), str(s.get("label") or s["id"]),
                               bool(s.get("archived"))) for s in data.get("stages") or ()),
                   bool(data.get("archived")))


@dataclass(frozen=True)
class Owner:
    """A user records can be assigned to (HubSpot owner, Salesforce user, Pipedrive user)."""

    id: str
    email: str = ""
    name: str = ""
    archived: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "email": self.email, "name": self.name, "archived": self.archived}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Owner:
        return cls(str(data["id"]), str(data.get("email") or ""), str(data.get("name") or ""),
                   bool(data.get("archived")))


@dataclass
class ObjectSchema:
    """The fields of one object; `key` is its unique key field (email, domain) if any."""

    object: str
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    key: str | None = None
    # deals: the target's pipelines and their stages; every object: the owners it can hold
    pipelines: tuple[Pipeline, ...] = ()
    owners: tuple[Owner, ...] = ()
    # where this schema came from: "built-in", or e.g. "sandbox (live)", "hubspot (live)"
    source: str = "built-in"
    # what of the target's schema could not be read (e.g. owners refused for a missing scope)
    notes: tuple[str, ...] = ()

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
        """Merge HubSpot-shaped property dicts (GET /crm/v3/properties/{object}) into a copy.

        The live type wins (a live enumeration such as companies' `industry` becomes an
        enumeration with the live options), except that a built-in phone/date semantic type is
        kept where the live type is plain string. Hidden options are kept apart in
        `hidden_options`; a checkbox field is a multi-select."""
        merged = dict(self.fields)
        for prop in properties:
            name = prop.get("name")
            if not name or prop.get("archived"):
                continue
            mod = prop.get("modificationMetadata") or {}
            read_only = bool(mod.get("readOnlyValue") or prop.get("calculated"))
            all_options = [(str(o.get("value")), str(o.get("label") or o.get("value")), bool(o.get("hidden")))
                           for o in prop.get("options") or [] if o.get("value") is not None]
            options = tuple((v, lab) for v, lab, hidden in all_options if not hidden)
            hidden = tuple((v, lab) for v, lab, hidden in all_options if hidden)
            live_type = str(prop.get("type") or "string")
            field_type = str(prop.get("fieldType") or "text")
            multi = field_type == "checkbox"
            max_length = prop.get("maxLength") if isinstance(prop.get("maxLength"), int) else None
            if name in merged:
                base = merged[name]
                keep_semantic = live_type == "string" and base.type in ("phone_number", "date", "datetime")
                type_ = base.type if keep_semantic else live_type
                merged[name] = replace(
                    base,
                    type=type_,
                    field_type=base.field_type if keep_semantic else field_type,
                    options=options if (options or hidden or type_ == "enumeration") else base.options,
                    hidden_options=hidden,
                    multi=multi,
                    unique=base.unique or bool(prop.get("hasUniqueValue")),
                    required=base.required,  # a target's own required fields: its connector's
                    max_length=max_length if max_length is not None else base.max_length,
                    read_only=read_only,
                )
            elif not read_only and not prop.get("hidden"):
                merged[name] = FieldSpec(
                    name=name,
                    label=str(prop.get("label") or name),
                    type=live_type,
                    field_type=field_type,
                    unique=bool(prop.get("hasUniqueValue")),
                    # a required custom property (not one the connector composes, such as
                    # Pipedrive's person name): every row must fill it
                    required=bool(prop.get("required")) and not prop.get("hubspotDefined", False),
                    options=options,
                    hidden_options=hidden,
                    multi=multi,
                    max_length=max_length,
                    custom=not prop.get("hubspotDefined", False),
                    group=str(prop.get("groupName") or ""),
                )
        return replace(self, fields=merged)

    def with_live(self, *, pipelines: tuple[Pipeline, ...] | None = None,
                  owners: tuple[Owner, ...] | None = None, source: str | None = None) -> ObjectSchema:
        """A copy with the target's pipelines/owners (None keeps what is there).

        Deals: the `pipeline` field's options become the live pipelines and `dealstage`'s every
        live stage (which stage fits which pipeline is checked per row at clean). Owners become
        the options of `hubspot_owner_id` (id, name or e-mail)."""
        fields = dict(self.fields)
        if pipelines is not None and pipelines:
            live = [p for p in pipelines if not p.archived]
            if "pipeline" in fields:
                fields["pipeline"] = replace(fields["pipeline"], type="enumeration",
                                             options=tuple((p.id, p.label) for p in live))
            if "dealstage" in fields:
                stages = tuple(dict.fromkeys((s.id, s.label) for p in live for s in p.stages
                                             if not s.archived))
                fields["dealstage"] = replace(fields["dealstage"], type="enumeration", options=stages)
        if owners is not None and OWNER_FIELD in fields:
            fields[OWNER_FIELD] = replace(
                fields[OWNER_FIELD], type="enumeration",
                options=tuple((o.id, o.name or o.email or o.id) for o in owners if not o.archived),
                hidden_options=tuple((o.id, o.name or o.email or o.id) for o in owners if o.archived))
        return replace(self, fields=fields,
                       pipelines=self.pipelines if pipelines is None else pipelines,
                       owners=self.owners if owners is None else owners,
                       source=self.source if source is None else source)

    def pipeline(self, id_or_label: str) -> Pipeline | None:
        """A pipeline by id, else by label (case-insensitive)."""
        for p in self.pipelines:
            if p.id == id_or_label:
                return p
        folded = id_or_label.strip().casefold()
        return next((p for p in self.pipelines if p.label.strip().casefold() == folded), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (the journal caches a run's schema so resume and status read it back)."""
        return {"object": self.object, "key": self.key, "source": self.source,
                "fields": [f.to_dict() for f in self.fields.values()],
                "pipelines": [p.to_dict() for p in self.pipelines],
                "owners": [o.to_dict() for o in self.owners],
                **({"notes": list(self.notes)} if self.notes else {})}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ObjectSchema:
        specs = [FieldSpec.from_dict(f) for f in data.get("fields") or ()]
        return cls(object=str(data["object"]), fields={f.name: f for f in specs},
                   key=data.get("key"), source=str(data.get("source") or "built-in"),
                   pipelines=tuple(Pipeline.from_dict(p) for p in data.get("pipelines") or ()),
                   owners=tuple(Owner.from_dict(o) for o in data.get("owners") or ()),
                   notes=tuple(str(n) for n in data.get("notes") or ()))


# HubSpot's fieldType for each of our types when a definition does not name one
DEFAULT_FIELD_TYPES: dict[str, str] = {
    "string": "text",
    "number": "number",
    "date": "date",
    "datetime": "date",
    "enumeration": "select",
    "bool": "booleancheckbox",
    "phone_number": "phonenumber",
}


def _spec(name: str, label: str, type_: str = "string", **kw: Any) -> FieldSpec:
    return FieldSpec(name=name, label=label, type=type_, field_type=DEFAULT_FIELD_TYPES[type_], **kw)


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
        _spec(OWNER_FIELD, "Contact owner", "enumeration", group=g),
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
        _spec(OWNER_FIELD, "Company owner", "enumeration", group=g),
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
        _spec(OWNER_FIELD, "Deal owner", "enumeration", group=g),
    ]
    default = Pipeline("default", "Sales Pipeline",
                       tuple(Stage(value, label) for value, label in DEAL_STAGES))
    return ObjectSchema("deals", {s.name: s for s in specs}, key=None, pipelines=(default,))


_BUILDERS = {"contacts": _contacts, "companies": _companies, "deals": _deals}


def builtin_schema(object_name: str) -> ObjectSchema:
    """The canonical schema of an object (contacts, companies, deals)."""
    try:
        return _BUILDERS[object_name]()
    except KeyError:
        raise ValueError(
            f"unknown object {object_name!r}; choose one of {', '.join(OBJECTS)}"
        ) from None
