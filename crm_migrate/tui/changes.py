"""The Clean step's before/after table: each value cleaning changed, next to its source cell."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from crm_migrate.tui.state import WizardState


def changes_frame(state: WizardState, limit: int = 20000) -> pd.DataFrame:
    """Source id, field, before, after of each changed value (several columns: the first filled)."""
    import pandas as pd

    result = state.clean_result
    profile = state.profile
    rows: list[list[str]] = []
    if result is not None and profile is not None:
        direct: dict[str, list[str]] = {}  # field -> its columns (several: the first filled one)
        for m in profile.fields:
            if m.field:
                direct.setdefault(m.field, []).append(m.column)
        for record in result.records:
            where = state.locate(record.source)
            if where is None:
                continue
            for field_name, columns in direct.items():
                before = next((v for v in (state.source_value(where[0], where[1], c) for c in columns)
                               if v), "")
                after = record.properties.get(field_name, "")
                if before != after and (before or after):
                    rows.append([record.source, field_name, before, after])
            if len(rows) >= limit:
                break
    frame = pd.DataFrame(rows, columns=["source", "field", "before", "after"])
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame
