"""Workbook reader (.xlsx/.xlsm/.xls/.ods) through python-calamine; cells become strings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import python_calamine as pc

from crm_migrate.errors import SourceError
from crm_migrate.sources.frames import finish_frame
from crm_migrate.sources.header import detect_header
from crm_migrate.sources.limits import (
    check_columns,
    check_sheet_area,
    ods_sheet_areas,
    xlsx_sheet_area,
)
from crm_migrate.table import Detection, SourceTable

HEADER_SAMPLE_ROWS = 60


def cell_text(value: Any) -> str:
    """One workbook cell as text: ISO dates, integers without '.0', TRUE/FALSE."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    return str(value)


def _number_text(value: float | int) -> str:
    """A numeric cell as text (integers without '.0')."""
    if value.__class__ is int:
        return str(value)
    if value.is_integer() and abs(value) < 1e21:  # type: ignore[union-attr]
        return str(int(value))
    return cell_text(value)


def _open(path: Path, file: str, fmt: str) -> Any:
    """Open a workbook; SourceError when it is corrupt, truncated, encrypted or hostile."""
    if fmt == "ods":  # an ODS workbook allocates every sheet's used area when it is opened
        for name, area in ods_sheet_areas(path).items():
            check_sheet_area(area, name, file)
    try:
        return pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise SourceError("workbook is password-protected", file=file) from None
    except Exception as exc:  # calamine raises several types for broken files
        raise SourceError(f"cannot read workbook (truncated or corrupt?): {_short(exc)}",
                          file=file) from None


def _short(exc: BaseException) -> str:
    """An exception's message on one short line."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


def sheet_names(path: Path, file: str, fmt: str) -> list[str]:
    """All sheet names of a workbook, in order."""
    return list(_open(path, file, fmt).sheet_names)


def _load_sheet(book: Any, name: str, file: str, path: Path, fmt: str) -> Any:
    """One sheet object; SourceError when it cannot be read or its area is not worth allocating."""
    if fmt == "xlsx":  # the reader allocates the sheet's whole used area: judge its real cells first
        area = xlsx_sheet_area(path, name)
        if area is not None:
            check_sheet_area(area, name, file)
    try:
        return book.get_sheet_by_name(name)
    except Exception as exc:
        raise SourceError(f"cannot read sheet {name!r}: {_short(exc)}", file=file) from None


def _sheet_score(sheet: Any) -> float:
    """How record-like a sheet looks: its used area, favouring multi-column tables."""
    height = int(sheet.height)
    width = int(sheet.width)
    if height == 0 or width == 0:
        return 0.0
    return height * width if width >= 2 else height * 0.5


def _grid(sheet: Any, file: str, nrows: int | None = None) -> list[list[Any]]:
    """Raw cell values of a sheet, rows from the sheet's first row (row 0 = sheet row 1)."""
    try:
        if nrows is None:
            return list(sheet.to_python(skip_empty_area=False))
        return list(sheet.to_python(skip_empty_area=False, nrows=nrows))
    except Exception as exc:
        raise SourceError(f"cannot read sheet {sheet.name!r}: {_short(exc)}", file=file) from None


def _frame(rows: list[list[Any]], width: int) -> pd.DataFrame:
    """A frame of strings from raw rows, converting column by column."""
    if not rows:
        return pd.DataFrame({i: pd.Series([], dtype=str) for i in range(width)})
    padded = rows if all(len(r) == width for r in rows) else [
        list(r) + [""] * (width - len(r)) for r in rows
    ]
    data: dict[int, list[str]] = {}
    for i, column in enumerate(zip(*padded, strict=True)):
        types = set(map(type, column))
        if types == {str}:
            data[i] = list(column)
        elif types <= {str, float, int}:
            data[i] = [_number_text(v) if v.__class__ is not str else v for v in column]
        else:
            data[i] = [cell_text(v) for v in column]
    return pd.DataFrame(data, dtype=str)


def read_spreadsheet(
    path: Path,
    *,
    fmt: str,
    file: str,
    label: str,
    sheet: str | None = None,
    header_row: int | None = None,
) -> SourceTable:
    """Load one sheet of a workbook (the most table-like when `sheet` is None)."""
    book = _open(path, file, fmt)
    names = list(book.sheet_names)
    if not names:
        raise SourceError("workbook has no sheets", file=file)
    if sheet is not None:
        if sheet not in names:
            raise SourceError(f"no sheet named {sheet!r} (sheets: {', '.join(names)})", file=file)
        chosen = _load_sheet(book, sheet, file, path, fmt)
    else:
        visible = _visible(book, names)
        loaded = [_load_sheet(book, n, file, path, fmt) for n in visible]
        scores = [_sheet_score(s) for s in loaded]
        chosen = loaded[scores.index(max(scores))]
    rows = _grid(chosen, file)
    width = max((len(r) for r in rows), default=0)
    check_columns(width, file)
    head = [[cell_text(v) for v in r] for r in rows[:HEADER_SAMPLE_ROWS]]
    if header_row is None:
        header_index = detect_header(head) if head else 0
    else:
        if header_row < 0 or header_row >= max(len(rows), 1):
            raise SourceError(f"header row {header_row} is past the end of the sheet", file=file)
        header_index = header_row
    header = [cell_text(v) for v in rows[header_index]] if rows else []
    frame = _frame(rows[header_index + 1 :], width)
    detection = Detection(
        path=str(path),
        format=fmt,
        encoding=None,
        delimiter=None,
        sheet=str(chosen.name),
        sheets=names,
        header_row=header_index,
    )
    return finish_frame(frame, header, detection=detection, label=label, file=file)


def _visible(book: Any, names: list[str]) -> list[str]:
    """Visible worksheet names (all names when metadata is unavailable or none is visible)."""
    try:
        meta = book.sheets_metadata
        visible = [m.name for m in meta if str(m.visible).endswith("Visible") and
                   not str(m.visible).endswith("Hidden")]
    except Exception:
        return names
    return visible or names
