"""Mapping profiles: the dataclasses every step shares, and YAML/JSON load/save.

A profile is human-editable (see README). Validation of its contents against a
schema and the source columns lives in `validate_profile` (mapping engine).
"""

from __future__ import annotations

import json
import re
import stat
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any, NoReturn

import phonenumbers
import yaml

from crm_migrate.errors import ProfileError
from crm_migrate.mapping.transforms import parse_transforms
from crm_migrate.output import write_private_text
from crm_migrate.schema import OBJECTS

PROFILE_VERSION = 1
# a profile is a short hand-editable file; anything bigger is not one
MAX_PROFILE_BYTES = 1 << 20


@dataclass
class FieldMapping:
    """One source column: the field it fills (or the fields it splits into) and its transforms.

    `transforms` is a list of registry entries, each either a name ("trim") or a
    one-key dict ({"phone": {"region": "US"}}).
    """

    column: str
    field: str | None = None
    split_into: list[str] | None = None
    transforms: list[Any] = dc_field(default_factory=list)
    confidence: float | None = None
    sensitive: bool = False  # the user mapped a column holding sensitive data on purpose

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"column": self.column}
        if self.split_into:
            out["split_into"] = list(self.split_into)
        else:
            out["field"] = self.field
        if self.transforms:
            out["transforms"] = list(self.transforms)
        if self.confidence is not None:
            out["confidence"] = round(float(self.confidence), 2)
        if self.sensitive:
            out["sensitive"] = True
        return out


@dataclass
class DedupeSettings:
    """How duplicates are found and merged.

    `survivorship` maps a field to a rule: most_complete | newest | first | keep_all;
    `default_rule` applies to the other fields. `newest_by` names the date field
    that `newest` compares.
    """

    enabled: bool = True
    fuzzy: bool = True
    threshold: float = 0.85
    default_rule: str = "most_complete"
    survivorship: dict[str, str] = dc_field(default_factory=dict)
    newest_by: str | None = None
    not_duplicates: list[list[str]] = dc_field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "enabled": self.enabled,
            "fuzzy": self.fuzzy,
            "threshold": self.threshold,
            "default_rule": self.default_rule,
        }
        if self.survivorship:
            out["survivorship"] = dict(self.survivorship)
        if self.newest_by:
            out["newest_by"] = self.newest_by
        if self.not_duplicates:
            out["not_duplicates"] = [list(g) for g in self.not_duplicates]
        return out


@dataclass
class SourceOverride:
    """Per-file overrides of what was detected (set in the wizard or by hand), and the file's
    own mappings: when `fields` is set it replaces the profile's shared `fields` for that file."""

    sheet: str | None = None
    header_row: int | None = None
    encoding: str | None = None
    delimiter: str | None = None
    fields: list[FieldMapping] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: v for k, v in self.__dict__.items()
                               if v is not None and k != "fields"}
        if self.fields is not None:
            out["fields"] = [m.to_dict() for m in self.fields]
        return out

    @property
    def reading(self) -> bool:
        """Whether it overrides how the file is read (not only how it maps)."""
        return any(v is not None for v in (self.sheet, self.header_row, self.encoding,
                                           self.delimiter))


@dataclass
class Profile:
    """A reusable mapping profile."""

    object: str = "contacts"
    fields: list[FieldMapping] = dc_field(default_factory=list)
    default_region: str | None = None
    version: int = PROFILE_VERSION
    country_format: str = "as_given"  # as_given | alpha2 | alpha3 | name
    date_format: str | None = None  # "dayfirst" | "monthfirst" | strptime pattern | None (auto)
    dedupe: DedupeSettings = dc_field(default_factory=DedupeSettings)
    sources: dict[str, SourceOverride] = dc_field(default_factory=dict)
    extra: dict[str, Any] = dc_field(default_factory=dict)

    def mapped_fields(self) -> list[str]:
        """Every target field some column fills (shared or a file's own), in profile order."""
        out: list[str] = []
        for m in self.all_mappings():
            for name in m.split_into or ([m.field] if m.field else []):
                if name not in out:
                    out.append(name)
        return out

    def own_fields(self, label: str) -> list[FieldMapping] | None:
        """A file's own mappings (by its label or base name), None when it follows the shared."""
        source = self.sources.get(label) or self.sources.get(label.split("#")[0])
        return source.fields if source is not None else None

    def fields_for(self, label: str) -> list[FieldMapping]:
        """The mappings that apply to a file: its own when it has them, else the shared ones."""
        own = self.own_fields(label)
        return own if own is not None else self.fields

    def all_mappings(self) -> list[FieldMapping]:
        """The shared mappings, then every file's own."""
        return [*self.fields, *(m for source in self.sources.values() for m in source.fields or [])]

    def set_own_fields(self, label: str, fields: list[FieldMapping] | None) -> None:
        """Give a file its own mappings (None: it follows the shared ones again)."""
        source = self.sources.setdefault(label.split("#")[0], SourceOverride())
        source.fields = fields
        if fields is None and not source.reading:
            del self.sources[label.split("#")[0]]

    def target_settings(self) -> TargetSettings:
        """The `target:` section (checked when the profile was loaded)."""
        return load_target_settings(self.extra.get("target"), self.object)

    def set_target_settings(self, settings: TargetSettings) -> None:
        """Replace the `target:` section (left out of the file when empty)."""
        section = settings.to_dict(self.object)
        if section:
            self.extra["target"] = section
        else:
            self.extra.pop("target", None)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "version": self.version,
            "object": self.object,
            "default_region": self.default_region,
        }
        if self.country_format != "as_given":
            out["country_format"] = self.country_format
        if self.date_format:
            out["date_format"] = self.date_format
        out["fields"] = [m.to_dict() for m in self.fields]
        out["dedupe"] = self.dedupe.to_dict()
        if self.sources:
            out["sources"] = {k: v.to_dict() for k, v in self.sources.items()}
        out.update(self.extra)
        return out


@dataclass(frozen=True)
class TargetSettings:
    """The profile's `target:` section: settings for one kind of target (Salesforce, Pipedrive).

    `api_version` ("v61.0"), `bulk` (True: every write batch through Salesforce's Bulk API 2.0,
    "auto": batches above `bulk_threshold` rows, False: REST collections), and `fields`:
    canonical field -> the target's field (a Salesforce API name such as `Website__c`, None to
    leave the field out), by object (the profile's object, or `companies` for the accounts a
    contacts run creates).
    """

    api_version: str | None = None
    bulk: bool | str | None = None
    bulk_threshold: int | None = None
    fields: dict[str, dict[str, str | None]] = dc_field(default_factory=dict)

    def to_dict(self, object_name: str) -> dict[str, Any]:
        """The `target:` section as written in a profile (empty when nothing is set)."""
        out: dict[str, Any] = {}
        if self.api_version:
            out["api_version"] = self.api_version
        if self.bulk is not None:
            out["bulk"] = self.bulk
        if self.bulk_threshold is not None:
            out["bulk_threshold"] = self.bulk_threshold
        fields: dict[str, Any] = dict(self.fields.get(object_name, {}))
        fields.update({obj: dict(m) for obj, m in self.fields.items() if obj != object_name and m})
        if fields:
            out["fields"] = fields
        return out


TARGET_KEYS = ("api_version", "bulk", "bulk_threshold", "fields")
_API_VERSION = re.compile(r"^v?\d{2,3}\.\d$")
_TARGET_FIELD = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.]{0,99}$")


def load_target_settings(raw: Any, object_name: str, file: str | None = None) -> TargetSettings:
    """The `target:` section checked: one-line ProfileError naming the key at fault."""
    if raw is None:
        return TargetSettings()
    _expect(raw, (dict,), "target", "a mapping (api_version, bulk, bulk_threshold, fields)", file)
    unknown = sorted(str(k) for k in raw if k not in TARGET_KEYS)
    if unknown:
        _fail(f"target: unknown key {unknown[0]!r} (allowed: {', '.join(TARGET_KEYS)})", file)
    version = raw.get("api_version")
    if version is not None:
        if isinstance(version, float) and not isinstance(version, bool):
            version = f"{version:.1f}"  # YAML reads 61.0 as a number
        _expect(version, (str,), "target.api_version", 'text like "v61.0"', file)
        if not _API_VERSION.match(version.strip()):
            _fail(f"target.api_version: {version!r} is not an API version like v61.0", file)
        version = version.strip()
        version = version if version.startswith("v") else f"v{version}"
    bulk = raw.get("bulk")
    if bulk is not None and not (isinstance(bulk, bool) or bulk == "auto"):
        _fail(f"target.bulk must be true, false or auto, not {bulk!r}", file)
    threshold = raw.get("bulk_threshold")
    if threshold is not None:
        _expect(threshold, (int,), "target.bulk_threshold", "a whole number of rows", file)
        if threshold < 0:
            _fail("target.bulk_threshold must be 0 or more rows", file)
    fields: dict[str, dict[str, str | None]] = {}
    given = raw.get("fields")
    if given is not None:
        _expect(given, (dict,), "target.fields", "a mapping of field -> target field", file)
        for key, value in given.items():
            if isinstance(value, dict) and key in OBJECTS:
                for name, target_field in value.items():
                    _target_field(fields.setdefault(str(key), {}), f"target.fields.{key}",
                                  name, target_field, file)
            else:
                _target_field(fields.setdefault(object_name, {}), "target.fields", key, value, file)
    return TargetSettings(version, bulk, threshold, {k: v for k, v in fields.items() if v})


def _target_field(into: dict[str, str | None], where: str, name: Any, value: Any,
                  file: str | None) -> None:
    if not isinstance(name, str) or not name.strip():
        _fail(f"{where}: {name!r} is not a field name", file)
    if value is not None:
        _expect(value, (str,), f"{where}.{name}", "a target field name (or null)", file)
        if not _TARGET_FIELD.match(value.strip()):
            _fail(f"{where}.{name}: {value!r} is not a field's API name (e.g. Website__c)", file)
        value = value.strip()
    into[name.strip()] = value


def save_profile(profile: Profile, path: str | Path) -> None:
    """Write a profile as YAML (or JSON when the name ends in .json)."""
    target = Path(path)
    data = profile.to_dict()
    if target.suffix.lower() == ".json":
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        text = PROFILE_HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    write_private_text(target, text)  # owner-only: column names can be personal data


# ---- loading: strict, one-line errors naming the key at fault ----

TOP_KEYS = {"version", "object", "default_region", "country_format", "date_format", "fields",
            "dedupe", "sources"}
# free-form keys other parts of the tool may write; kept in Profile.extra
EXTRA_KEYS = {"name", "description", "target", "notes", "created_by", "match_on"}
FIELD_KEYS = {"column", "field", "split_into", "transforms", "confidence", "sensitive"}
COUNTRY_FORMATS = ("as_given", "alpha2", "alpha3", "name")
SURVIVORSHIP_RULES = ("most_complete", "newest", "first", "keep_all")

PROFILE_HEADER = """\
# crm-migrate mapping profile (edit by hand freely; `crm-migrate clean/push --profile` reads it)
#   version        profile format version (1)
#   object         contacts | companies | deals
#   default_region ISO country code used for phone numbers written without +country code
#   fields         one entry per source column to use; a column not listed is left out
#     column       the column's header as shown by `crm-migrate inspect`
#     field        the target field (canonical HubSpot name), or null to leave the column out
#     split_into   instead of field: a full name -> [firstname, lastname],
#                  "City, ST 12345" -> [city, state, zip]
#     transforms   applied in order: trim, lower, upper, title, phone: {region: US}, email,
#                  date: {dayfirst: true} or {format: "%d.%m.%Y"}, split_name,
#                  join: {columns: [A, B], separator: " "}, map_values: {mapping: {...}, fuzzy: false},
#                  default: {value: X}, regex: {pattern: "...", group: 1}
#     confidence   how sure the auto-mapper was (informational)
#   dedupe         duplicate detection and merge rules
#   sources        per file (by file name): sheet, header_row, encoding, delimiter, and its own
#                  `fields` (same form as above) replacing the shared ones for that file
#   target         target settings (Salesforce): api_version (v61.0), bulk (true | false | auto),
#                  bulk_threshold (rows), fields {canonical: TargetField__c, companies: {...}}
"""


def _type_name(value: Any) -> str:
    return {type(None): "null", bool: "a boolean", int: "a number", float: "a number",
            str: "text", list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)


def _fail(message: str, file: str | None) -> NoReturn:
    raise ProfileError(message, file=file)


def _expect(value: Any, kinds: tuple[type, ...], where: str, want: str, file: str | None) -> Any:
    if isinstance(value, bool) and bool not in kinds:
        _fail(f"{where} must be {want}, not {_type_name(value)}", file)
    if not isinstance(value, kinds):
        _fail(f"{where} must be {want}, not {_type_name(value)}", file)
    return value


def _load_fields(raw: Any, where: str, file: str | None) -> list[FieldMapping]:
    """A `fields` list (shared, or a file's own under `sources`), each column listed once."""
    _expect(raw, (list,), where, "a list", file)
    fields = [_load_field(i, item, file, where) for i, item in enumerate(raw)]
    seen: dict[str, int] = {}
    for i, mapping in enumerate(fields):
        if mapping.column in seen:
            _fail(f"{where}[{i}] (column {mapping.column!r}): the column is listed twice "
                  f"(also {where}[{seen[mapping.column]}])", file)
        seen[mapping.column] = i
    return fields


def _load_field(index: int, raw: Any, file: str | None, prefix: str = "fields") -> FieldMapping:
    where = f"{prefix}[{index}]"
    if not isinstance(raw, dict):
        _fail(f"{where} must be a mapping with 'column' and 'field', not {_type_name(raw)}", file)
    column = raw.get("column")
    if column is None:
        _fail(f"{where}: missing key 'column'", file)
    if isinstance(column, (int, float)) and not isinstance(column, bool):
        column = str(column)
    _expect(column, (str,), f"{where}.column", "text", file)
    where = f"{prefix}[{index}] (column {column!r})"
    unknown = sorted(str(k) for k in set(raw) - FIELD_KEYS)
    if unknown:
        _fail(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(FIELD_KEYS))})", file)
    if "field" not in raw and "split_into" not in raw:
        _fail(f"{where}: needs 'field' (or null to leave it out) or 'split_into'", file)
    field_name = raw.get("field")
    if field_name is not None:
        _expect(field_name, (str,), f"{where}.field", "a field name or null", file)
    split = raw.get("split_into")
    if split is not None:
        _expect(split, (list,), f"{where}.split_into", "a list of field names", file)
        if not split or not all(isinstance(s, str) and s for s in split):
            _fail(f"{where}.split_into must be a non-empty list of field names", file)
        if field_name:
            _fail(f"{where}: give either 'field' or 'split_into', not both", file)
    transforms = raw.get("transforms") or []
    _expect(transforms, (list,), f"{where}.transforms", "a list", file)
    try:
        parse_transforms(transforms)
    except ProfileError as exc:
        _fail(f"{where}.transforms: {exc.message}", file)
    confidence = raw.get("confidence")
    if confidence is not None:
        _expect(confidence, (int, float), f"{where}.confidence", "a number", file)
    sensitive = raw.get("sensitive", False)
    _expect(sensitive, (bool,), f"{where}.sensitive", "true or false", file)
    return FieldMapping(column=column, field=field_name, split_into=list(split) if split else None,
                        transforms=list(transforms), confidence=confidence, sensitive=sensitive)


def _load_dedupe(raw: Any, file: str | None) -> DedupeSettings:
    _expect(raw, (dict,), "dedupe", "a mapping", file)
    known = {"enabled", "fuzzy", "threshold", "default_rule", "survivorship", "newest_by",
             "not_duplicates"}
    unknown = sorted(str(k) for k in set(raw) - known)
    if unknown:
        _fail(f"dedupe: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(known))})", file)
    out = DedupeSettings()
    for key in ("enabled", "fuzzy"):
        if key in raw:
            setattr(out, key, _expect(raw[key], (bool,), f"dedupe.{key}", "true or false", file))
    if "threshold" in raw:
        value = _expect(raw["threshold"], (int, float), "dedupe.threshold", "a number", file)
        if not 0 < value <= 1:
            _fail("dedupe.threshold must be between 0 and 1", file)
        out.threshold = float(value)
    if "default_rule" in raw:
        rule = _expect(raw["default_rule"], (str,), "dedupe.default_rule", "text", file)
        if rule not in SURVIVORSHIP_RULES:
            _fail(f"dedupe.default_rule: unknown rule {rule!r} (use {', '.join(SURVIVORSHIP_RULES)})", file)
        out.default_rule = rule
    if raw.get("survivorship") is not None:
        rules = _expect(raw["survivorship"], (dict,), "dedupe.survivorship", "a mapping", file)
        for name, rule in rules.items():
            if rule not in SURVIVORSHIP_RULES:
                _fail(f"dedupe.survivorship.{name}: unknown rule {rule!r} "
                      f"(use {', '.join(SURVIVORSHIP_RULES)})", file)
        out.survivorship = {str(k): str(v) for k, v in rules.items()}
    if raw.get("newest_by") is not None:
        out.newest_by = _expect(raw["newest_by"], (str,), "dedupe.newest_by", "a field name", file)
    if raw.get("not_duplicates") is not None:
        groups = _expect(raw["not_duplicates"], (list,), "dedupe.not_duplicates", "a list of lists", file)
        for i, group in enumerate(groups):
            _expect(group, (list,), f"dedupe.not_duplicates[{i}]", "a list of row ids", file)
        out.not_duplicates = [[str(x) for x in g] for g in groups]
    return out


def _load_sources(raw: Any, file: str | None) -> dict[str, SourceOverride]:
    _expect(raw, (dict,), "sources", "a mapping of file name to overrides", file)
    out: dict[str, SourceOverride] = {}
    for name, item in raw.items():
        _expect(item, (dict,), f"sources.{name}", "a mapping", file)
        known = {"sheet", "header_row", "encoding", "delimiter", "fields"}
        unknown = sorted(str(k) for k in set(item) - known)
        if unknown:
            _fail(f"sources.{name}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(known))})", file)
        header_row = item.get("header_row")
        if header_row is not None:
            _expect(header_row, (int,), f"sources.{name}.header_row", "a whole number", file)
        for key in ("sheet", "encoding", "delimiter"):
            if item.get(key) is not None:
                _expect(item[key], (str,), f"sources.{name}.{key}", "text", file)
        own = (_load_fields(item["fields"], f"sources.{name}.fields", file)
               if item.get("fields") is not None else None)
        out[str(name)] = SourceOverride(sheet=item.get("sheet"), header_row=header_row,
                                        encoding=item.get("encoding"), delimiter=item.get("delimiter"),
                                        fields=own)
    return out


def profile_from_dict(data: Any, file: str | None = None) -> Profile:
    """Build a Profile from parsed YAML/JSON, rejecting anything unknown or mistyped."""
    if not isinstance(data, dict):
        _fail(f"a profile must be a mapping of keys (version, object, fields...), not {_type_name(data)}", file)
    unknown = sorted(str(k) for k in data if k not in TOP_KEYS and k not in EXTRA_KEYS
                     and not str(k).startswith("x-"))
    if unknown:
        _fail(f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(TOP_KEYS))})", file)
    version = data.get("version", PROFILE_VERSION)
    _expect(version, (int,), "version", "a whole number", file)
    if version > PROFILE_VERSION or version < 1:
        _fail(f"version {version} is not supported (this crm-migrate reads version {PROFILE_VERSION})", file)
    object_name = data.get("object")
    if object_name is None:
        _fail(f"missing key 'object' ({', '.join(OBJECTS)})", file)
    _expect(object_name, (str,), "object", "text", file)
    if object_name not in OBJECTS:
        _fail(f"object: unknown object {object_name!r} (use {', '.join(OBJECTS)})", file)
    region = data.get("default_region")
    if region is not None:
        _expect(region, (str,), "default_region", "a two-letter country code", file)
        if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
            _fail(f"default_region: {region!r} is not a known region code (e.g. US, DE, GB)", file)
        region = region.upper()
    country_format = data.get("country_format") or "as_given"
    if country_format not in COUNTRY_FORMATS:
        _fail(f"country_format: {country_format!r} is not one of {', '.join(COUNTRY_FORMATS)}", file)
    date_format = data.get("date_format")
    if date_format is not None:
        _expect(date_format, (str,), "date_format", "text", file)
        if date_format not in ("dayfirst", "monthfirst") and "%" not in date_format:
            _fail(f"date_format: {date_format!r} must be dayfirst, monthfirst or a pattern like %d.%m.%Y", file)
    fields_raw = data.get("fields")
    if fields_raw is None:
        _fail("missing key 'fields' (a list of {column, field} entries)", file)
    fields = _load_fields(fields_raw, "fields", file)
    dedupe = _load_dedupe(data["dedupe"], file) if data.get("dedupe") is not None else DedupeSettings()
    sources = _load_sources(data["sources"], file) if data.get("sources") is not None else {}
    if not fields and not any(source.fields for source in sources.values()):
        _fail("'fields' is empty: list at least one {column, field} entry", file)
    load_target_settings(data.get("target"), object_name, file)
    extra = {k: v for k, v in data.items() if k not in TOP_KEYS}
    return Profile(object=object_name, fields=fields, default_region=region, version=version,
                   country_format=country_format, date_format=date_format, dedupe=dedupe,
                   sources=sources, extra=extra)


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (*name): a few hundred bytes of nested aliases expand to
    gigabytes (the "billion laughs"), and a profile never needs them."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.events.AliasEvent):
            event: Any = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in a profile; write the values out",
                event.start_mark)
        return super().compose_node(parent, index)


def load_profile(path: str | Path) -> Profile:
    """Read and check a profile (YAML, or JSON when the name ends in .json): a regular file of
    at most MAX_PROFILE_BYTES, YAML without aliases."""
    source = Path(path)
    file = str(path)
    try:
        info = source.stat()
    except FileNotFoundError:
        return _fail("profile not found", file)
    except OSError as exc:
        return _fail(f"cannot read the profile: {exc.strerror or exc}", file)
    if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would block or never end
        return _fail("the profile is not a regular file (a folder, pipe or device)", file)
    if info.st_size > MAX_PROFILE_BYTES:
        return _fail(f"the profile is {info.st_size:,} bytes; a profile is at most "
                     f"{MAX_PROFILE_BYTES:,}", file)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return _fail("profile not found", file)
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"cannot read the profile: {exc}", file)
    if source.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            return _fail(f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", file)
    else:
        try:
            data = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or "syntax error"
            return _fail(f"not valid YAML{where}: {problem}", file)
    return profile_from_dict(data, file)
