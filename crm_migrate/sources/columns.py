"""Column names (unique, never blank) and per-column profiles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crm_migrate.table import SourceTable


@dataclass
class ColumnProfile:
    """What a column holds: counts of non-empty and distinct values, and a few samples."""

    name: str
    non_empty: int
    unique: int
    sample: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "non_empty": self.non_empty,
            "unique": self.unique,
            "sample": list(self.sample),
        }


def unique_names(headers: list[str]) -> list[str]:
    """Headers trimmed, blanks named "Column N" (1-based position), repeats "Name (2)"."""
    cleaned = [" ".join(str(h).split()) for h in headers]
    taken = {h for h in cleaned if h}
    out: list[str] = []
    used: set[str] = set()
    next_number: dict[str, int] = {}  # per name, the first "(n)" not tried yet: no rescans
    for position, name in enumerate(cleaned, start=1):
        blank = not name
        if blank:
            name = f"Column {position}"
        candidate = name
        n = next_number.get(name, 2)
        while candidate in used or (candidate != name and candidate in taken) or (
            blank and candidate in taken
        ):
            candidate = f"{name} ({n})"
            n += 1
        if candidate != name:
            next_number[name] = n
        used.add(candidate)
        out.append(candidate)
    return out


SAMPLE_CHARS = 200


def _short(value: str) -> str:
    """A sample value cut to SAMPLE_CHARS characters (a marker shows it was cut)."""
    return value if len(value) <= SAMPLE_CHARS else value[: SAMPLE_CHARS - 1] + "…"


def profile_columns(table: SourceTable, samples: int = 5) -> list[ColumnProfile]:
    """Profile each column of a table: non-empty count, distinct non-empty count, samples."""
    frame = table.frame
    out: list[ColumnProfile] = []
    for name in frame.columns:
        series = frame[name]
        values = series[series != ""]
        distinct = values.drop_duplicates()
        out.append(
            ColumnProfile(
                name=str(name),
                non_empty=int(len(values)),
                unique=int(len(distinct)),
                sample=[_short(str(v)) for v in distinct.iloc[:samples].tolist()],
            )
        )
    return out
