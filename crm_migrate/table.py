"""The one table type every reader returns: strings, stable source-row ids, detection facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class SourceIssue:
    """A problem found while reading a file (ragged row, footer dropped...), not fatal."""

    file: str
    row: int | None
    column: str | None
    problem: str
    value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "problem": self.problem,
        }


@dataclass
class Detection:
    """What was detected about a file; the fields of `inspect --json` minus columns."""

    path: str
    format: str  # csv|tsv|xlsx|xls|ods|vcf|json|ndjson
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    header_row: int | None = None
    rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "sheets": list(self.sheets),
            "header_row": self.header_row,
            "rows": self.rows,
        }


@dataclass
class SourceTable:
    """A loaded file.

    `frame` holds one column per (unique) header, every cell a `str` ("" when empty),
    and is indexed by the 1-based data-row number of the source file (the first data
    row after the header is 1; blank lines are not data rows and are not numbered).
    `label` names the file in `file:row` source ids (its base name, made unique
    across the files of one run by the caller when two share a name).
    """

    frame: pd.DataFrame
    detection: Detection
    label: str
    issues: list[SourceIssue] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    @property
    def row_numbers(self) -> list[int]:
        return [int(i) for i in self.frame.index]

    def source_id(self, row: int) -> str:
        """The stable id of a data row: `file:row`."""
        return f"{self.label}:{row}"

    def __len__(self) -> int:
        return len(self.frame)
