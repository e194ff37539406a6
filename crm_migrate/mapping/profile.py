"""Mapping profiles: the dataclasses every step shares, and YAML/JSON load/save.

A profile is human-editable (see README). Validation of its contents against a
schema and the source columns lives in `validate_profile` (mapping engine).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any

PROFILE_VERSION = 1


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
    """Per-file overrides of what was detected (set in the wizard or by hand)."""

    sheet: str | None = None
    header_row: int | None = None
    encoding: str | None = None
    delimiter: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


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
        """Every target field some column fills, in profile order."""
        out: list[str] = []
        for m in self.fields:
            for name in m.split_into or ([m.field] if m.field else []):
                if name not in out:
                    out.append(name)
        return out

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


def save_profile(profile: Profile, path: str | Path) -> None:
    """Write a profile as YAML (or JSON when the name ends in .json)."""
    target = Path(path)
    data = profile.to_dict()
    if target.suffix.lower() == ".json":
        import json

        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        import yaml

        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    if target.parent and not target.parent.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
