"""A sandbox portal: the properties (with options), deal pipelines, owners, required properties
and token scopes that make a sandbox look like one company's HubSpot account.

A portal is written in YAML (`crm-migrate sandbox --portal FILE.yaml`; the built-in
"customized" one is `portals/customized.yaml`, loaded the same way) and kept in HubSpot's
own JSON shapes (Property, Pipeline, PublicOwner), which is also what a clone of a real
portal stores. The YAML format:

    name: acme                    # shown by the sandbox; optional
    portalId: 1000002             # GET /account-info/v3/details; optional
    properties:                   # per object: HubSpot Property fields (camelCase)
      companies:
        - name: industry          # a built-in name overrides the built-in property
          label: Industry
          type: enumeration       # string|number|date|datetime|enumeration|bool|phone_number
          fieldType: select       # optional: derived from type (checkbox = multi-select)
          required: true          # optional: must be set when a record is created
          options:                # enumeration: {value, label, hidden, description} or a bare value
            - {value: ACCOUNTING, label: Accounting}
            - {value: LEGACY, label: Legacy, hidden: true}
    pipelines:                    # deals pipelines; `pipeline`/`dealstage` options follow them
      deals:
        - id: default
          label: Sales Pipeline
          stages:
            - {id: appointmentscheduled, label: Appointment Scheduled, probability: 0.2}
            - {id: closedwon, label: Closed Won, probability: 1.0, closed: true}
    owners:                       # GET /crm/v3/owners; `hubspot_owner_id` accepts their ids
      - {id: "101", email: ana@example.com, firstName: Ana, lastName: Diaz}
      - {id: "102", email: old@example.com, firstName: Old, lastName: Hand, archived: true}
    tokens:                       # extra bearer tokens and their granted scopes
      read-only-token: [crm.objects.contacts.read]

Any other key, a wrong type or a duplicate name is a PortalError naming the file and the
key at fault. A portal is stored in the sandbox database (`portal` table), so a restarted
sandbox keeps it.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from crm_migrate.errors import CrmMigrateError
from crm_migrate.sandbox.properties import builtin_properties
from crm_migrate.schema import DEAL_STAGES, DEFAULT_FIELD_TYPES, OBJECTS

BUILTIN_PORTALS = ("plain", "customized")
TYPES = ("string", "number", "date", "datetime", "enumeration", "bool", "phone_number")
FIELD_TYPES = (
    "text", "textarea", "number", "date", "select", "radio", "checkbox", "booleancheckbox",
    "phonenumber", "file", "html", "calculation_equation",
)
GROUPS = {"contacts": "contactinformation", "companies": "companyinformation",
          "deals": "dealinformation"}
PIPELINE_OBJECTS = ("deals",)
STAMP = "2026-01-01T00:00:00.000Z"  # createdAt/updatedAt of what a portal file defines
DEFAULT_PIPELINE_STAMP = "1970-01-01T00:00:00Z"  # HubSpot: default pipelines have createdAt 0
_TOP_KEYS = {"name", "portalId", "properties", "pipelines", "owners", "tokens"}
_PROPERTY_KEYS = {
    "name", "label", "type", "fieldType", "groupName", "description", "options", "displayOrder",
    "hasUniqueValue", "hidden", "formField", "required", "calculated", "externalOptions",
    "referencedObjectType", "readOnlyValue", "hubspotDefined",
}


@functools.lru_cache(maxsize=8)
def _builtin_names(obj: str) -> frozenset[str]:
    return frozenset(builtin_properties(obj))


class PortalError(CrmMigrateError):
    """A portal file that cannot be used (one line: the file and the problem)."""


@dataclass
class Portal:
    """A portal definition in HubSpot's JSON shapes (what the sandbox serves)."""

    name: str = "plain"
    portal_id: int | None = None
    properties: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    pipelines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    owners: list[dict[str, Any]] = field(default_factory=list)
    required: dict[str, list[str]] = field(default_factory=dict)
    tokens: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_plain(self) -> bool:
        return not (self.properties or self.pipelines or self.owners or self.required
                    or self.tokens)

    def to_json(self) -> str:
        return json.dumps({"name": self.name, "portalId": self.portal_id,
                           "properties": self.properties, "pipelines": self.pipelines,
                           "owners": self.owners, "required": self.required,
                           "tokens": self.tokens}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Portal:
        data = json.loads(text)
        return cls(name=str(data.get("name") or "portal"), portal_id=data.get("portalId"),
                   properties=data.get("properties") or {}, pipelines=data.get("pipelines") or {},
                   owners=data.get("owners") or [], required=data.get("required") or {},
                   tokens=data.get("tokens") or {})

    def owner_ids(self) -> set[str]:
        """Ids a `hubspot_owner_id` value may take (active owners)."""
        return {str(o["id"]) for o in self.owners if not o.get("archived")}

    def stages_of(self, obj: str, pipeline_id: str) -> list[str] | None:
        """The stage ids of a live pipeline of obj; None if there is no such pipeline."""
        for pipeline in self.pipelines.get(obj) or []:
            if str(pipeline["id"]) == pipeline_id and not pipeline.get("archived"):
                return [str(s["id"]) for s in pipeline.get("stages") or []
                        if not s.get("archived")]
        return None


# --- loading -----------------------------------------------------------------------------


def load_portal(spec: str | Path) -> Portal:
    """A portal by built-in name ("plain", "customized") or from a YAML file."""
    text_spec = str(spec)
    if text_spec == "plain":
        return Portal()
    if text_spec in BUILTIN_PORTALS:
        source = resources.files("crm_migrate.sandbox").joinpath(f"portals/{text_spec}.yaml")
        return parse_portal(source.read_text(encoding="utf-8"), f"<built-in {text_spec}>")
    path = Path(text_spec)
    if not path.is_file():
        names = ", ".join(BUILTIN_PORTALS)
        raise PortalError(f"no such portal file (or built-in portal: {names})", file=text_spec)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PortalError(f"cannot read the portal file: {exc}", file=text_spec) from None
    return parse_portal(text, text_spec, default_name=path.stem)


def parse_portal(text: str, where: str, *, default_name: str = "portal") -> Portal:
    """Parse and check a portal's YAML text; PortalError names `where` and the problem."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise PortalError(f"{line}not valid YAML ({problem})", file=where) from None
    if not isinstance(data, dict):
        raise PortalError("a portal file is a YAML mapping (name, properties, pipelines, owners, "
                          "tokens)", file=where)
    return _Builder(where).build(data, default_name)


class _Builder:
    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, at: str, problem: str) -> PortalError:
        return PortalError(f"{at}: {problem}", file=self.where)

    def build(self, data: dict[str, Any], default_name: str) -> Portal:
        unknown = sorted(set(map(str, data)) - _TOP_KEYS)
        if unknown:
            raise self.fail(unknown[0], f"unknown key (allowed: {', '.join(sorted(_TOP_KEYS))})")
        portal = Portal(name=str(data.get("name") or default_name))
        if data.get("portalId") is not None:
            if not isinstance(data["portalId"], int) or isinstance(data["portalId"], bool):
                raise self.fail("portalId", "must be a whole number")
            portal.portal_id = data["portalId"]
        for obj, props in self.mapping(data, "properties").items():
            self.check_object(f"properties.{obj}", obj)
            portal.properties[obj] = self.properties(obj, props, portal)
        for obj, pipelines in self.mapping(data, "pipelines").items():
            if obj not in PIPELINE_OBJECTS:
                raise self.fail(f"pipelines.{obj}", "only deals have pipelines")
            portal.pipelines[obj] = self.pipelines(obj, pipelines)
        portal.owners = self.owners(data.get("owners"))
        for token, scopes in self.mapping(data, "tokens").items():
            if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
                raise self.fail(f"tokens.{token}", "must be a list of scope names")
            portal.tokens[str(token)] = list(scopes)
        derive_pipeline_properties(portal)
        return portal

    def mapping(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, "must be a mapping")
        return {str(k): v for k, v in value.items()}

    def check_object(self, at: str, obj: str) -> None:
        if obj not in OBJECTS:
            raise self.fail(at, f"unknown object (use {', '.join(OBJECTS)})")

    def properties(self, obj: str, raw: Any, portal: Portal) -> list[dict[str, Any]]:
        if not isinstance(raw, list):
            raise self.fail(f"properties.{obj}", "must be a list of properties")
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for i, item in enumerate(raw):
            at = f"properties.{obj}[{i}]"
            if not isinstance(item, dict) or not item.get("name"):
                raise self.fail(at, "each property is a mapping with a name")
            name = str(item["name"])
            at = f"properties.{obj}.{name}"
            if name in seen:
                raise self.fail(at, "defined twice")
            seen.add(name)
            unknown = sorted(set(map(str, item)) - _PROPERTY_KEYS)
            if unknown:
                raise self.fail(f"{at}.{unknown[0]}", "unknown key")
            out.append(self.property(obj, item, at, len(out)))
            if item.get("required"):
                portal.required.setdefault(obj, []).append(name)
        return out

    def property(self, obj: str, item: dict[str, Any], at: str, order: int) -> dict[str, Any]:
        type_ = str(item.get("type") or "string")
        if type_ not in TYPES:
            raise self.fail(f"{at}.type", f"{type_!r} is not one of {', '.join(TYPES)}")
        field_type = str(item.get("fieldType") or DEFAULT_FIELD_TYPES[type_])
        if field_type not in FIELD_TYPES:
            raise self.fail(f"{at}.fieldType", f"{field_type!r} is not one of "
                            f"{', '.join(FIELD_TYPES)}")
        options = self.options(item.get("options"), f"{at}.options")
        if type_ == "bool" and not options:
            options = [_option("true", "Yes", 0), _option("false", "No", 1)]
        if type_ == "enumeration" and not options and not item.get("externalOptions"):
            raise self.fail(f"{at}.options", "an enumeration needs options")
        read_only = bool(item.get("readOnlyValue") or item.get("calculated"))
        defined = bool(item.get("hubspotDefined", str(item["name"]) in _builtin_names(obj)))
        prop: dict[str, Any] = {
            "name": str(item["name"]),
            "label": str(item.get("label") or item["name"]),
            "type": type_,
            "fieldType": field_type,
            "description": str(item.get("description") or ""),
            "groupName": str(item.get("groupName") or GROUPS[obj]),
            "options": options,
            "displayOrder": int(item.get("displayOrder", order)),
            "calculated": bool(item.get("calculated", False)),
            "externalOptions": bool(item.get("externalOptions", False)),
            "hasUniqueValue": bool(item.get("hasUniqueValue", False)),
            "hidden": bool(item.get("hidden", False)),
            "hubspotDefined": defined,
            "formField": bool(item.get("formField", True)),
            "createdAt": STAMP,
            "updatedAt": STAMP,
            "archived": False,
            "modificationMetadata": {
                "archivable": not defined,
                "readOnlyDefinition": defined,
                "readOnlyValue": read_only,
            },
        }
        if item.get("referencedObjectType"):
            prop["referencedObjectType"] = str(item["referencedObjectType"])
        return prop

    def options(self, raw: Any, at: str) -> list[dict[str, Any]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise self.fail(at, "must be a list")
        out: list[dict[str, Any]] = []
        values: set[str] = set()
        for i, option in enumerate(raw):
            if isinstance(option, (str, int, float)) and not isinstance(option, bool):
                option = {"value": str(option)}
            if not isinstance(option, dict) or option.get("value") in (None, ""):
                raise self.fail(f"{at}[{i}]", "an option is a value or a mapping with a value")
            value = str(option["value"])
            if value in values:
                raise self.fail(f"{at}[{i}]", f"option value {value!r} appears twice")
            values.add(value)
            item = _option(value, str(option.get("label") or value),
                           int(option.get("displayOrder", i)), bool(option.get("hidden", False)))
            item["description"] = str(option.get("description") or "")
            out.append(item)
        return out

    def pipelines(self, obj: str, raw: Any) -> list[dict[str, Any]]:
        at = f"pipelines.{obj}"
        if not isinstance(raw, list):
            raise self.fail(at, "must be a list of pipelines")
        out: list[dict[str, Any]] = []
        ids: set[str] = set()
        for i, item in enumerate(raw):
            if not isinstance(item, dict) or item.get("id") in (None, ""):
                raise self.fail(f"{at}[{i}]", "each pipeline is a mapping with an id")
            pid = str(item["id"])
            if pid in ids:
                raise self.fail(f"{at}.{pid}", "pipeline id appears twice")
            ids.add(pid)
            stages_raw = item.get("stages")
            if not isinstance(stages_raw, list) or not stages_raw:
                raise self.fail(f"{at}.{pid}.stages", "a pipeline needs a list of stages")
            stamp = DEFAULT_PIPELINE_STAMP if pid == "default" else STAMP
            stages = []
            stage_ids: set[str] = set()
            for j, stage in enumerate(stages_raw):
                if not isinstance(stage, dict) or stage.get("id") in (None, ""):
                    raise self.fail(f"{at}.{pid}.stages[{j}]", "each stage is a mapping with an id")
                sid = str(stage["id"])
                if sid in stage_ids:
                    raise self.fail(f"{at}.{pid}.stages.{sid}", "stage id appears twice")
                stage_ids.add(sid)
                try:
                    probability = float(stage.get("probability", 0.0))
                except (TypeError, ValueError):
                    raise self.fail(f"{at}.{pid}.stages.{sid}.probability",
                                    "must be a number between 0 and 1") from None
                if not 0.0 <= probability <= 1.0:
                    raise self.fail(f"{at}.{pid}.stages.{sid}.probability",
                                    "must be a number between 0 and 1")
                closed = bool(stage.get("closed", probability in (0.0, 1.0) and j > 0))
                stages.append({
                    "label": str(stage.get("label") or sid),
                    "displayOrder": int(stage.get("displayOrder", j)),
                    "metadata": {"isClosed": "true" if closed else "false",
                                 "probability": repr(probability)},
                    "id": sid,
                    "createdAt": stamp,
                    "updatedAt": stamp,
                    "archived": bool(stage.get("archived", False)),
                })
            out.append({
                "label": str(item.get("label") or pid),
                "displayOrder": int(item.get("displayOrder", i)),
                "id": pid,
                "stages": stages,
                "createdAt": stamp,
                "updatedAt": stamp,
                "archived": bool(item.get("archived", False)),
            })
        return out

    def owners(self, raw: Any) -> list[dict[str, Any]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise self.fail("owners", "must be a list of owners")
        out: list[dict[str, Any]] = []
        ids: set[str] = set()
        for i, item in enumerate(raw):
            if not isinstance(item, dict) or item.get("id") in (None, "") or not item.get("email"):
                raise self.fail(f"owners[{i}]", "each owner is a mapping with an id and an email")
            oid = str(item["id"])
            if oid in ids:
                raise self.fail(f"owners.{oid}", "owner id appears twice")
            ids.add(oid)
            owner: dict[str, Any] = {
                "id": oid,
                "email": str(item["email"]),
                "type": str(item.get("type") or "PERSON"),
                "firstName": str(item.get("firstName") or ""),
                "lastName": str(item.get("lastName") or ""),
                "userId": int(item.get("userId") or 9000000 + i),
                "userIdIncludingInactive": int(item.get("userId") or 9000000 + i),
                "createdAt": STAMP,
                "updatedAt": STAMP,
                "archived": bool(item.get("archived", False)),
                "teams": [{"id": str(t.get("id")), "name": str(t.get("name") or ""),
                           "primary": bool(t.get("primary", False))}
                          for t in item.get("teams") or [] if isinstance(t, dict)],
            }
            out.append(owner)
        return out


def default_deal_pipelines() -> list[dict[str, Any]]:
    """The one deals pipeline of a plain portal (HubSpot's default, with its stage ids)."""
    probabilities = (0.2, 0.4, 0.6, 0.8, 0.9, 1.0, 0.0)
    stages = [{"id": value, "label": label, "probability": p}
              for (value, label), p in zip(DEAL_STAGES, probabilities, strict=True)]
    return _Builder("<plain>").pipelines("deals", [{"id": "default", "label": "Sales Pipeline",
                                                    "stages": stages}])


def _option(value: str, label: str, order: int, hidden: bool = False) -> dict[str, Any]:
    return {"label": label, "value": value, "displayOrder": order, "hidden": hidden,
            "description": ""}


def derive_pipeline_properties(portal: Portal) -> None:
    """Give the deals `pipeline` and `dealstage` properties the portal pipelines' options
    (as HubSpot lists them), unless the portal defines those properties itself."""
    pipelines = portal.pipelines.get("deals")
    if not pipelines:
        return
    props = portal.properties.setdefault("deals", [])
    names = {p["name"] for p in props}
    live = [p for p in pipelines if not p.get("archived")]
    if "pipeline" not in names:
        options = [_option(str(p["id"]), str(p["label"]), i) for i, p in enumerate(live)]
        props.append(_enumeration("pipeline", "Pipeline", options))
    if "dealstage" not in names:
        options = []
        for p in live:
            for s in p.get("stages") or []:
                if not s.get("archived"):
                    options.append(_option(str(s["id"]), str(s["label"]), len(options)))
        props.append(_enumeration("dealstage", "Deal Stage", options))


def _enumeration(name: str, label: str, options: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": name, "label": label, "type": "enumeration", "fieldType": "select",
        "description": "", "groupName": "dealinformation", "options": options,
        "displayOrder": -1, "calculated": False, "externalOptions": False,
        "hasUniqueValue": False, "hidden": False, "hubspotDefined": True, "formField": True,
        "createdAt": STAMP, "updatedAt": STAMP, "archived": False,
        "modificationMetadata": {"archivable": False, "readOnlyDefinition": True,
                                 "readOnlyValue": False},
    }


def parse_token_scopes(values: list[str] | tuple[str, ...]) -> dict[str, list[str]]:
    """`TOKEN=scope,scope` strings (the --token-scopes option) as {token: [scopes]}."""
    out: dict[str, list[str]] = {}
    for value in values:
        token, sep, scopes = value.partition("=")
        if not sep or not token.strip():
            raise PortalError(f"--token-scopes {value!r}: use TOKEN=SCOPE[,SCOPE...]")
        out[token.strip()] = [s.strip() for s in scopes.split(",") if s.strip()]
    return out
