"""The `file` target: a ready-to-import CSV/XLSX laid out for a CRM's own import wizard.

`url` is the output path (.csv or .xlsx) for the run's object; option `layout`
(hubspot|salesforce|pipedrive) picks the column headers that CRM's import wizard
maps by itself (without it, a CRM named in the file name, else hubspot). Other
objects the run writes (the companies a contacts run creates first) go beside it,
`<stem>-companies<suffix>`, to import first. The run's object is the one the
file name names (contacts_for_hubspot.csv), else the one a previous run wrote
there, else the first one the push engine asks about.

Each file's records live in a sidecar `<file>.crm-migrate.json` (owner-only,
written first) from which the file is regenerated after every batch and when a
run is reopened; both are replaced atomically (temp file + os.replace), so a
crash at any instant leaves a valid file and `resume` finds the rows already
written. Writes are idempotent on the upsert key (email/domain/crm_migrate_id): a
key written again replaces its row. Ids are "file:<n>"; `archive` removes rows.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from crm_migrate.connectors.base import Connector, RateHint, RemoteRecord, WriteResult
from crm_migrate.connectors.import_layouts import (
    LAYOUTS,
    display_value,
    headers_for,
    infer_layout,
    infer_object,
)
from crm_migrate.errors import TargetError
from crm_migrate.identity import ID_PROPERTY, key_field
from crm_migrate.output import write_private_text, write_table
from crm_migrate.schema import OBJECTS, builtin_schema

SUFFIXES = (".csv", ".xlsx")


def _sidecar_object(path: Path) -> str | None:
    sidecar = path.with_name(path.name + ".crm-migrate.json")
    try:
        return str(json.loads(sidecar.read_text(encoding="utf-8")).get("object") or "") or None
    except (OSError, ValueError):
        return None


class Sheet:
    """One output file and its sidecar: the rows written so far for one object."""

    def __init__(self, path: Path, object_name: str, layout: str) -> None:
        self.path = path
        self.object_name = object_name
        self.layout = layout
        self.sidecar = path.with_name(path.name + ".crm-migrate.json")
        self.rows: dict[str, dict[str, str]] = {}
        self.next_number = 1
        self.load()

    def load(self) -> None:
        """Pick up the rows a previous (maybe crashed) run wrote, and heal the output."""
        if not self.sidecar.exists():
            if self.path.exists():
                raise TargetError(
                    f"{self.path} already exists and was not written by crm-migrate; "
                    "choose another output path or remove it",
                    file=str(self.path),
                )
            return
        try:
            state = json.loads(self.sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TargetError(
                f"cannot read {self.sidecar}: {exc}", file=str(self.sidecar)
            ) from None
        if state.get("object") != self.object_name or state.get("layout") != self.layout:
            raise TargetError(
                f"{self.path} was written for {state.get('object')} ({state.get('layout')} "
                f"layout), not {self.object_name} ({self.layout}); choose another output path",
                file=str(self.path),
            )
        self.rows = {str(k): dict(v) for k, v in state.get("rows", [])}
        self.next_number = int(state.get("next", len(self.rows) + 1))
        self.flush()  # the output may lag the sidecar after a crash

    def flush(self) -> None:
        """Rewrite the sidecar, then the output, each atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        state = {
            "version": 1,
            "object": self.object_name,
            "layout": self.layout,
            "next": self.next_number,
            "rows": [[rid, props] for rid, props in self.rows.items()],
        }
        write_private_text(self.sidecar, json.dumps(state, ensure_ascii=False))
        headers, table = self.table()
        _write_table(self.path, headers, table)

    def table(self) -> tuple[list[str], list[list[str]]]:
        """The output's header row and data rows, in the order written."""
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
                value = props.get(name, "")
                row.append(display_value(self.layout, self.object_name, name, value))
            rows.append(row)
        return list(sources), rows

    def key_index(self, key: str) -> dict[str, str]:
        """Folded key value -> row id."""
        return {p[key].strip().lower(): rid for rid, p in self.rows.items() if p.get(key)}

    def write(self, key: str | None, records: list[dict[str, str]]) -> list[WriteResult]:
        """Append rows, replacing the row of a key already present; then flush."""
        index = self.key_index(key) if key else {}
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
        self.flush()
        return results


class FileConnector(Connector):
    """Writes CSV/XLSX files for a CRM's import wizard instead of calling an API."""

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
        self.object_name = object_name or infer_object(self.path) or _sidecar_object(self.path)
        self.sheets: dict[str, Sheet] = {}
        self._lock = asyncio.Lock()
        self.options = options

    def path_for(self, object_name: str) -> Path:
        """The file `object_name` goes to: `url` for the run's object, a sibling otherwise."""
        if object_name not in OBJECTS:
            raise TargetError(f"unknown object {object_name!r}")
        if self.object_name is None:
            self.object_name = object_name
        if object_name == self.object_name:
            return self.path
        return self.path.with_name(f"{self.path.stem}-{object_name}{self.path.suffix}")

    def _sheet(self, object_name: str) -> Sheet:
        sheet = self.sheets.get(object_name)
        if sheet is None:
            sheet = Sheet(self.path_for(object_name), object_name, self.layout)
            self.sheets[object_name] = sheet
        return sheet

    async def _run(self, object_name: str, work: Any) -> Any:
        async with self._lock:
            return await asyncio.to_thread(lambda: work(self._sheet(object_name)))

    # -- Connector protocol -----------------------------------------------------------

    async def account_id(self) -> str | None:
        """The output file stands for the account."""
        return str(self.path.resolve())

    def written_files(self) -> list[str]:
        """Every output file and sidecar this connector's sheets wrote."""
        return [str(p.resolve()) for sheet in self.sheets.values()
                for p in (sheet.path, sheet.sidecar) if p.exists()]

    async def check(self) -> None:
        """The output directory must be writable."""
        probe = self.path.parent
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if not os.access(probe, os.W_OK):
            raise TargetError(f"cannot write to {self.path.parent}", file=str(self.path))

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
        """The object's key (email/domain; deals none); the first object asked is the run's."""
        self.path_for(object_name)
        return key_field(object_name)

    async def lookup(
        self,
        object_name: str,
        field_name: str,
        values: list[str],
        properties: list[str] | None = None,
    ) -> dict[str, RemoteRecord]:
        """Rows already written whose `field_name` matches (case-insensitive)."""

        def work(sheet: Sheet) -> dict[str, RemoteRecord]:
            index = sheet.key_index(field_name)
            found = {}
            for value in values:
                rid = index.get(value.strip().lower()) if value else None
                if rid is not None:
                    found[value] = RemoteRecord(rid, dict(sheet.rows[rid]))
            return found

        result: dict[str, RemoteRecord] = await self._run(object_name, work)
        return result

    async def read(
        self, object_name: str, ids: list[str], properties: list[str]
    ) -> dict[str, RemoteRecord]:
        """Rows by id."""

        def work(sheet: Sheet) -> dict[str, RemoteRecord]:
            found = {}
            for rid in ids:
                if rid in sheet.rows:
                    props = sheet.rows[rid]
                    if properties:
                        props = {k: v for k, v in props.items() if k in properties}
                    found[rid] = RemoteRecord(rid, dict(props))
            return found

        result: dict[str, RemoteRecord] = await self._run(object_name, work)
        return result

    async def upsert(
        self, object_name: str, id_property: str, records: list[dict[str, str]]
    ) -> list[WriteResult]:
        """Append rows; a key already in the file replaces that row (idempotent on resume)."""
        result: list[WriteResult] = await self._run(
            object_name, lambda sheet: sheet.write(id_property, records)
        )
        return result

    async def create(self, object_name: str, records: list[dict[str, str]]) -> list[WriteResult]:
        """Append rows (replacing a row with the same key, when the object has one)."""
        result: list[WriteResult] = await self._run(
            object_name, lambda sheet: sheet.write(key_field(object_name), records)
        )
        return result

    async def update(
        self, object_name: str, items: list[tuple[str, dict[str, str]]]
    ) -> list[WriteResult]:
        """Merge new values into rows by id."""

        def work(sheet: Sheet) -> list[WriteResult]:
            results = []
            for position, (rid, props) in enumerate(items):
                if rid not in sheet.rows:
                    results.append(
                        WriteResult(position, ok=False, error=f"NOT_FOUND: no row {rid}")
                    )
                    continue
                sheet.rows[rid].update({k: str(v) for k, v in props.items()})
                results.append(WriteResult(position, ok=True, id=rid, created=False))
            sheet.flush()
            return results

        result: list[WriteResult] = await self._run(object_name, work)
        return result

    async def archive(self, object_name: str, ids: list[str]) -> list[WriteResult]:
        """Remove rows from the file (ids already gone count as removed)."""

        def work(sheet: Sheet) -> list[WriteResult]:
            for rid in ids:
                sheet.rows.pop(rid, None)
            sheet.flush()
            return [WriteResult(i, ok=True, id=rid) for i, rid in enumerate(ids)]

        result: list[WriteResult] = await self._run(object_name, work)
        return result

    async def associate(
        self, from_object: str, to_object: str, pairs: list[tuple[str, str]]
    ) -> list[WriteResult]:
        """Nothing to do: the import wizard links records by the company column."""
        return [WriteResult(i, ok=True) for i in range(len(pairs))]

    async def aclose(self) -> None:
        """Nothing to release (every batch is already on disk)."""


def _write_table(path: Path, headers: list[str], rows: list[list[str]]) -> None:
    """Write the table with the project's formula-safe, atomic, owner-only writer."""
    import pandas as pd  # deferred: pandas takes ~0.3 s to import; only file writes need it

    frame = pd.DataFrame(rows, columns=headers, dtype=object)
    write_table(frame, path, private=True)
