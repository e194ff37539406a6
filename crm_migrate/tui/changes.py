"""The Clean step's before/after table: each value cleaning changed, next to its source cell."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from crm_migrate.mapping.profile import FieldMapping
    from crm_migrate.model import OutputRecord

Locate = Callable[[Any], "tuple[str, int] | None"]  # row reference -> (table label, row)
SourceValue = Callable[[str, int, str], str]  # (table label, row, column) -> the cell's text


def changes_frame(records: list[OutputRecord], mappings: list[FieldMapping], locate: Locate,
                  source_value: SourceValue, limit: int = 20000) -> pd.DataFrame:
    """Source id, field, before, after of each changed value (several columns: the first filled)."""
    rows: list[list[str]] = []
    direct: dict[str, list[str]] = {}  # field -> its columns (several: the first filled one)
    for m in mappings:
        if m.field:
            direct.setdefault(m.field, []).append(m.column)
    for record in records:
        where = locate(record.source)
        if where is None:
            continue
        for field_name, columns in direct.items():
            before = next((v for v in (source_value(where[0], where[1], c) for c in columns) if v), "")
            after = record.properties.get(field_name, "")
            if before != after and (before or after):
                rows.append([record.source, field_name, before, after])
        if len(rows) >= limit:
            break
    frame = pd.DataFrame(rows, columns=["source", "field", "before", "after"])
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame
