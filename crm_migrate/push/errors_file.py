"""Failed rows -> `<journal>.errors.csv` and `.xlsx`: original values, `_source`, `_error`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crm_migrate.output import write_table
from crm_migrate.push.journal import Journal, RowKind, RowState
from crm_migrate.sources import load_many


def _originals(paths: list[str], sources: list[str]) -> dict[str, dict[str, str]]:
    """The source files' original cells for each `file:row`, when the files can be re-read."""
    if not paths:
        return {}
    try:
        tables = load_many(list(paths))
    except Exception:  # noqa: BLE001 - the error file falls back to cleaned values
        return {}
    wanted = set(sources)
    out: dict[str, dict[str, str]] = {}
    for table in tables:
        frame = table.frame
        for row in frame.index:
            source = table.source_id(int(row))
            if source in wanted:
                out[source] = {str(k): str(v) for k, v in frame.loc[row].items()}
    return out


def write_errors_file(journal: Journal) -> str | None:
    """Write the failed rows next to the journal (owner-only); return the CSV path or None."""
    failed = journal.rows(RowKind.RECORD, RowState.FAILED)
    csv_path = Path(str(journal.path) + ".errors.csv")
    xlsx_path = Path(str(journal.path) + ".errors.xlsx")
    if not failed:  # a resume fixed them: drop the stale error files
        csv_path.unlink(missing_ok=True)
        xlsx_path.unlink(missing_ok=True)
        return None
    import pandas as pd  # deferred: pandas is slow to import, keeps --help fast

    originals = _originals(journal.meta().inputs_paths, [r.source for r in failed])
    records: list[dict[str, Any]] = []
    for row in failed:
        values = originals.get(row.source) or dict(row.payload)
        records.append({**values, "_source": row.source, "_error": row.error or ""})
    columns: list[str] = []
    for rec in records:
        columns += [c for c in rec if c not in columns and c not in ("_source", "_error")]
    frame = pd.DataFrame(records, columns=[*columns, "_source", "_error"]).fillna("")
    write_table(frame, csv_path, private=True)
    write_table(frame, xlsx_path, private=True)
    return str(csv_path)
