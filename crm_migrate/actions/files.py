"""Load source files: tables plus per-file problems; inspect one file; reader issues as clean issues."""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_migrate.clean.pipeline import source_issues
from crm_migrate.errors import CrmMigrateError
from crm_migrate.mapping.personal import NOT_PERSONAL, PersonalFlag, detect_personal
from crm_migrate.mapping.profile import SourceOverride
from crm_migrate.mapping.suggest import guess_object, suggest_mappings
from crm_migrate.sources import load, profile_columns
from crm_migrate.sources.limits import check_regular_file
from crm_migrate.table import SourceTable

__all__ = ["LoadedFiles", "PersonalFlag", "SourceOverride", "check_input_files", "guess_object",
           "inspect_file", "load_files", "personal_columns", "settle_memory", "source_issues"]

PERSONAL_SAMPLE = 200  # first rows of a column read to flag personal data


@dataclass
class LoadedFiles:
    """The tables that loaded, and a one-line problem for each file that did not (path -> text)."""

    tables: list[SourceTable] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)


def check_input_files(paths: list[str]) -> None:
    """SourceError for the first path that is missing or no regular file (directory, FIFO, device)."""
    for path in paths:
        check_regular_file(Path(path), path)


def load_files(paths: list[str], overrides: dict[str, SourceOverride] | None = None, *,
               strict: bool = False) -> LoadedFiles:
    """Load each file with its override (keyed by base name); labels are unique.

    With `strict` the first file that cannot be read raises its error (the CLI stops there);
    otherwise its problem is kept and the other files still load (the wizard lists them).
    """
    overrides = overrides or {}
    loaded = LoadedFiles()
    used: set[str] = set()
    for path in paths:
        base = Path(path).name
        label, n = base, 2
        while label in used:
            label, n = f"{base}#{n}", n + 1
        used.add(label)
        override = overrides.get(base) or SourceOverride()
        try:
            table = load(path, sheet=override.sheet, header_row=override.header_row,
                         encoding=override.encoding, delimiter=override.delimiter, label=label)
        except CrmMigrateError as exc:
            if strict:
                raise
            loaded.problems[path] = exc.one_line()
            continue
        loaded.tables.append(table)
    return loaded


def settle_memory() -> None:
    """Exempt what was just loaded from the cyclic GC.

    A million-row table is millions of str objects; a full collection walks them all and
    stalls the UI for a key or two. Tables hold no cycles, so freezing them is safe.
    """
    gc.freeze()


def inspect_file(path: str, sheet: str | None = None, samples: int = 5) -> dict[str, Any]:
    """The `inspect --json` object of a file: what was detected, a profile per column, its issues."""
    table = load(path, sheet=sheet)
    suggestions = {s.column: s for s in suggest_mappings(table, object_name=None)}
    columns: list[dict[str, Any]] = []
    for column in profile_columns(table, samples=samples):
        entry: dict[str, Any] = column.to_dict()
        suggestion = suggestions.get(column.name)
        entry["suggested_field"] = suggestion.field if suggestion else None
        confidence = suggestion.confidence if suggestion else None
        entry["confidence"] = round(float(confidence), 2) if confidence is not None else None
        if suggestion is not None and suggestion.split_into is not None:
            entry["split_into"] = list(suggestion.split_into)
        entry.update(suggestion.personal.to_dict() if suggestion else NOT_PERSONAL.to_dict())
        entry["evidence"] = suggestion.evidence if suggestion else None
        entry["reason"] = suggestion.reason if suggestion else ""
        columns.append(entry)
    out = table.detection.to_dict()
    out["columns"] = columns
    out["issues"] = [issue.to_dict() for issue in table.issues]
    return out


def personal_columns(tables: list[SourceTable], object_name: str | None = None
                     ) -> dict[str, PersonalFlag]:
    """Each column's personal-data flag over the tables (header and first rows' values); where
    files disagree the graver flag wins."""
    rank = {None: 0, "personal": 1, "sensitive": 2}
    out: dict[str, PersonalFlag] = {}
    for table in tables:
        for column in table.columns:
            values = ["" if v is None or v != v else str(v)
                      for v in table.frame[column].head(PERSONAL_SAMPLE).tolist()]
            flag = detect_personal(column, values, object_name)
            if rank[flag.level] > rank[out.get(column, NOT_PERSONAL).level]:
                out[column] = flag
            out.setdefault(column, flag)
    return out
