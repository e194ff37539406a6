"""The `file` target: a ready-to-import CSV/XLSX laid out for a CRM's own import wizard.

`url` is the output path (.csv or .xlsx); option `layout` (hubspot|salesforce|
pipedrive) picks the column headers that CRM's import wizard maps by itself
(without it, a CRM named in the file name, else hubspot).
The records live in a sidecar `<output>.crm-migrate.json` (owner-only, written
first) from which the output is regenerated after every batch and when a run is
reopened; both are replaced atomically (temp file + os.replace), so a crash at any
instant leaves a valid file and `resume` finds the rows already written. Writes
are idempotent on the object's key (email/domain): a key written again replaces
its row. Ids are "file:<n>"; `archive` removes rows (rollback).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from crm_migrate.connectors.base import RateHint, RemoteRecord, WriteResult
from crm_migrate.connectors.fieldmap import ID_PROPERTY, iso_date
from crm_migrate.errors import TargetError
from crm_migrate.schema import DEAL_STAGES, builtin_schema

LAYOUTS = ("hubspot", "salesforce", "pipedrive")
SUFFIXES = (".csv", ".xlsx")
KEYS: dict[str, str | None] = {"contacts": "email", "companies": "domain", "deals": None}
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


def _display_value(layout: str, object_name: str, name: str, value: str) -> str:
    if layout != "hubspot" and object_name == "deals":
        if name == "dealstage":
            return _STAGE_LABEL.get(value, value)
        if name == "closedate" and value:
            return iso_date(value)
    return value


def _write_private(path: Path, writer: Any) -> None:
    """Write through `writer(temp_path)`, make it owner-only, then os.replace it into place."""
    temp = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        writer(temp)
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()


class FileConnector:
    """Writes a CSV/XLSX for a CRM's import wizard instead of calling an API."""

    target = "file"
    max_batch = 5000
    rate = RateHint(requests=1_000_000, per_seconds=1.0, concurrency=1)

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        transport: object | None = None,
        *,
        layout: str | None = None,
        object_name: str | None = None,
        **options: Any,
    ) -> None:
        if not url:
            raise TargetError("the file target needs the output path: --url out/contacts.csv")
        self.path = Path(url).expanduser()
        if self.path.suffix.lower() not in SUFFIXES:
            raise TargetError(
                f"the file target writes .csv or .xlsx, not {self.path.suffix or 'no extension'!r}",
                file=str(self.path),
            )
        layout = (layout or infer_layout(self.path)).lower()
        if layout not in LAYOUTS:
            raise TargetError(f"unknown file layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
        self.layout = layout
        self.object_name = object_name
        self.sidecar = self.path.with_name(self.path.name + ".crm-migrate.json")
        self.rows: dict[str, dict[str, str]] = {}
        self.next_number = 1
        self._lock = asyncio.Lock()
        self._loaded = False
        self.options = options

    # -- state ------------------------------------------------------------------------

    def _load(self, object_name: str) -> None:
        """Pick up the rows a previous (maybe crashed) run wrote, and heal the output."""
        if self._loaded:
            self._check_object(object_name)
            return
        self.object_name = self.object_name or object_name
        self._check_object(object_name)
        if self.sidecar.exists():
            try:
                state = json.loads(self.sidecar.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise TargetError(
                    f"cannot read {self.sidecar}: {exc}", file=str(self.sidecar)
                ) from None
            if state.get("object") != self.object_name or state.get("layout") != self.layout:
                raise TargetError(
                    f"{self.path} was written for {state.get('object')} ({state.get('layout')} layout); "
                    "choose another output path",
                    file=str(self.path),
                )
            self.rows = {str(k): dict(v) for k, v in state.get("rows", [])}
            self.next_number = int(state.get("next", len(self.rows) + 1))
            self._loaded = True
            self._flush()  # the output may lag the sidecar after a crash
        elif self.path.exists():
            raise TargetError(
                f"{self.path} already exists and was not written by crm-migrate; "
                "choose another output path or remove it",
                file=str(self.path),
            )
        self._loaded = True

    def _check_object(self, object_name: str) -> None:
        if self.object_name and object_name != self.object_name:
            raise TargetError(
                f"{self.path} holds {self.object_name}; write {object_name} to another file",
                file=str(self.path),
            )

    def _flush(self) -> None:
        """Rewrite the sidecar, then the output, each atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        state = {
            "version": 1,
            "object": self.object_name,
            "layout": self.layout,
            "next": self.next_number,
            "rows": [[rid, props] for rid, props in self.rows.items()],
        }

        def write_state(temp: Path) -> None:
            temp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")

        _write_private(self.sidecar, write_state)
        headers, table = self.table()
        _write_table(self.path, headers, table)

    def table(self) -> tuple[list[str], list[list[str]]]:
        """The output's header row and data rows, in the order written."""
        assert self.object_name is not None
        layout = headers_for(self.layout, self.object_name)
        filled = {
            name
            for props in self.rows.values()
            for name, value in props.items()
            if value and name != ID_PROPERTY  # the engine's key stays in the sidecar
        }
        if not self.rows:
            filled = set(layout)
        order = [name for name in layout if name in filled] + sorted(filled - set(layout))
        sources: dict[str, list[str]] = {}  # header -> canonical fields feeding it, by priority
        for name in order:
            sources.setdefault(layout.get(name, name), []).append(name)
        rows: list[list[str]] = []
        for props in self.rows.values():
            row = []
            for names in sources.values():
                name = next((n for n in names if props.get(n)), names[0])
                row.append(_display_value(self.layout, self.object_name, name, props.get(name, "")))
            rows.append(row)
        return list(sources), rows

    def _key_index(self, key: str) -> dict[str, str]:
        return {
            props[key].strip().lower(): rid for rid, props in self.rows.items() if props.get(key)
        }

    # -- Connector protocol -----------------------------------------------------------

    async def check(self) -> None:
        """The output directory must be writable."""
        parent = self.path.parent
        probe = parent
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if not os.access(probe, os.W_OK):
            raise TargetError(f"cannot write to {parent}", file=str(self.path))

    async def read_schema(self, object_name: str) -> list[dict[str, Any]]:
        """The canonical schema, HubSpot-shaped (the import wizard maps the rest)."""
        schema = builtin_schema(object_name)
        return [
            {
                "name": spec.name,
                "label": spec.label,
                "type": spec.type,
                "fieldType": spec.field_type,
                "groupName": spec.group,
                "description": "",
                "options": [
                    {"label": label, "value": value, "hidden": False, "displayOrder": n}
                    for n, (value, label) in enumerate(spec.options)
                ],
                "hasUniqueValue": spec.unique,
                "hubspotDefined": True,
            }
            for spec in schema.fields.values()
        ]

    async def ensure_id_property(self, object_name: str) -> str | None:
        """The object's key (email/domain); deals have none."""
        return KEYS.get(object_name)

    async def lookup(
        self,
        object_name: str,
        field_name: str,
        values: list[str],
        properties: list[str] | None = None,
    ) -> dict[str, RemoteRecord]:
        """Rows this file already holds whose `field_name` matches (case-insensitive)."""
        async with self._lock:
            self._load(object_name)
            index = self._key_index(field_name)
            found = {}
            for value in values:
                rid = index.get(value.strip().lower()) if value else None
                if rid is not None:
                    found[value] = RemoteRecord(rid, dict(self.rows[rid]))
            return found

    async def read(
        self, object_name: str, ids: list[str], properties: list[str]
    ) -> dict[str, RemoteRecord]:
        """Rows by id."""
        async with self._lock:
            self._load(object_name)
            found = {}
            for rid in ids:
                if rid in self.rows:
                    props = self.rows[rid]
                    if properties:
                        props = {k: v for k, v in props.items() if k in properties}
                    found[rid] = RemoteRecord(rid, dict(props))
            return found

    async def _write(
        self, object_name: str, key: str | None, records: list[dict[str, str]]
    ) -> list[WriteResult]:
        async with self._lock:
            self._load(object_name)
            index = self._key_index(key) if key else {}
            results = []
            for position, props in enumerate(records):
                clean = {k: ("" if v is None else str(v)) for k, v in props.items()}
                folded = clean.get(key, "").strip().lower() if key else ""
                rid = index.get(folded) if folded else None
                if rid is not None:
                    self.rows[rid] = {**self.rows[rid], **clean}
                    results.append(WriteResult(position, ok=True, id=rid, created=False))
                    continue
                rid = f"file:{self.next_number}"
                self.next_number += 1
                self.rows[rid] = clean
                if folded:
                    index[folded] = rid
                results.append(WriteResult(position, ok=True, id=rid, created=True))
            await asyncio.to_thread(self._flush)
            return results

    async def upsert(
        self, object_name: str, id_property: str, records: list[dict[str, str]]
    ) -> list[WriteResult]:
        """Append rows; a key already in the file replaces that row (idempotent on resume)."""
        return await self._write(object_name, id_property, records)

    async def create(self, object_name: str, records: list[dict[str, str]]) -> list[WriteResult]:
        """Append rows (replacing a row with the same key, when the object has one)."""
        return await self._write(object_name, KEYS.get(object_name), records)

    async def update(
        self, object_name: str, items: list[tuple[str, dict[str, str]]]
    ) -> list[WriteResult]:
        """Merge new values into rows by id."""
        async with self._lock:
            self._load(object_name)
            results = []
            for position, (rid, props) in enumerate(items):
                if rid not in self.rows:
                    results.append(
                        WriteResult(position, ok=False, error=f"NOT_FOUND: no row {rid}")
                    )
                    continue
                self.rows[rid].update({k: str(v) for k, v in props.items()})
                results.append(WriteResult(position, ok=True, id=rid, created=False))
            await asyncio.to_thread(self._flush)
            return results

    async def archive(self, object_name: str, ids: list[str]) -> list[WriteResult]:
        """Remove rows from the file (ids already gone count as removed)."""
        async with self._lock:
            self._load(object_name)
            for rid in ids:
                self.rows.pop(rid, None)
            await asyncio.to_thread(self._flush)
            return [WriteResult(i, ok=True, id=rid) for i, rid in enumerate(ids)]

    async def associate(
        self, from_object: str, to_object: str, pairs: list[tuple[str, str]]
    ) -> list[WriteResult]:
        """Nothing to do: the import wizard links records by the company column."""
        return [WriteResult(i, ok=True) for i in range(len(pairs))]

    async def aclose(self) -> None:
        """Nothing to release (every batch is already on disk)."""


def _write_table(path: Path, headers: list[str], rows: list[list[str]]) -> None:
    """Write the table with the project's formula-safe, atomic, owner-only writer."""
    import pandas as pd

    from crm_migrate.output import write_table

    frame = pd.DataFrame(rows, columns=headers, dtype=object)
    write_table(frame, path, private=True)
