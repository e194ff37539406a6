"""Formula-safe CSV/XLSX writers and the JSON report writer.

A cell that a spreadsheet would run as a formula gets a leading `'` (CONTRACT.md):
one starting with `=`, `@`, tab or carriage return, or with `+`/`-` followed by
anything that is not purely a number or a phone number. XLSX cells are also
always stored as strings, never as formulas.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from crm_migrate.errors import CrmMigrateError

_TRIGGER = re.compile(r"^[=@\t\r]")
# what may follow a leading +/- and stay as it is: a number, or a phone number (+ext)
_SAFE_SIGNED = re.compile(
    r"^[+-](?:\d+(?:[.,]\d+)*(?:[eE][+-]?\d+)?|\.\d+|[\d\s().\-]*\d[\d\s().\-]*(?:;ext=\d+)?)$"
)
XLSX_MAX_ROWS = 1_048_575


def neutralise(value: str) -> str:
    """The value with a leading `'` when a spreadsheet would run it as a formula."""
    if not value:
        return value
    first = value[0]
    if first in "=@\t\r":
        return "'" + value
    if first in "+-" and len(value) > 1 and not _SAFE_SIGNED.match(value):
        return "'" + value
    return value


def neutralise_series(values: pd.Series) -> pd.Series:
    """neutralise() over a column, vectorised."""
    text = values.fillna("").astype(str)
    signed = text.str.match(r"(?s)^[+-].") & ~text.str.match(_SAFE_SIGNED.pattern)
    risky = text.str.match(_TRIGGER.pattern) | signed
    if not risky.any():
        return text.astype(object)
    return text.where(~risky, "'" + text).astype(object)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame with every cell (and header) a formula-safe string."""
    columns = [neutralise(str(c)) for c in frame.columns]
    data = {name: neutralise_series(frame.iloc[:, pos]).to_numpy() for pos, name in enumerate(columns)}
    return pd.DataFrame(data, index=frame.index, columns=columns)


def _open_target(path: Path) -> tuple[Path, Any]:
    """An owner-only temporary file in `path`'s folder, to be renamed into place: a random name
    opened with O_CREAT|O_EXCL|O_NOFOLLOW (tempfile.mkstemp), so a file or symlink planted
    beside the target is never followed or overwritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    return Path(name), os.fdopen(fd, "wb")


def _into_place(temp: Path, target: Path, private: bool) -> None:
    """Durably rename a finished temporary file onto `target` (0600 unless not `private`)."""
    if not private:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
    os.replace(temp, target)


def write_private_text(path: str | Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` owner-only (0600), whole or not at all."""
    target = Path(path)
    temp, handle = _open_target(target)
    try:
        with handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        _into_place(temp, target, True)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_table(frame: pd.DataFrame, path: str | Path, *, private: bool = True) -> None:
    """Write a frame as CSV (UTF-8) or XLSX by extension, formula-safe; owner-only (0600: it
    holds personal data) unless `private` is False."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".tsv", ".txt"):
        raise CrmMigrateError("output must end in .csv or .xlsx", file=str(path))
    safe = neutralise_frame(frame)
    if suffix == ".xlsx" and len(safe) > XLSX_MAX_ROWS:
        raise CrmMigrateError(f"{len(safe)} rows do not fit in an .xlsx sheet; write a .csv",
                              file=str(path))
    try:
        temp, handle = _open_target(target)
    except OSError as exc:
        raise CrmMigrateError(f"cannot write: {exc.strerror or exc}", file=str(path)) from None
    try:
        with handle:
            if suffix == ".xlsx":
                _write_xlsx(safe, handle)
            else:
                text = safe.to_csv(index=False, sep="\t" if suffix == ".tsv" else ",", lineterminator="\r\n")
                handle.write(text.encode("utf-8"))
        _into_place(temp, target, private)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise CrmMigrateError(f"cannot write: {exc.strerror or exc}", file=str(path)) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _write_xlsx(frame: pd.DataFrame, handle: Any) -> None:
    # deferred: openpyxl is slow to import and only .xlsx output needs it
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet1")

    def cell(value: str) -> WriteOnlyCell:
        item = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        item.data_type = "s"  # never a formula, whatever the text starts with
        return item

    sheet.append([cell(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        sheet.append([cell(v) if v else None for v in row])
    workbook.save(handle)


def write_report(report: dict[str, Any], path: str | Path, *, private: bool = True) -> None:
    """Write a report dict as pretty UTF-8 JSON, owner-only (0600) unless `private` is False."""
    target = Path(path)
    text = json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n"
    try:
        temp, handle = _open_target(target)
    except OSError as exc:
        raise CrmMigrateError(f"cannot write the report: {exc.strerror or exc}",
                              file=str(path)) from None
    try:
        with handle:
            handle.write(text.encode("utf-8"))
        _into_place(temp, target, private)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise CrmMigrateError(f"cannot write the report: {exc.strerror or exc}",
                              file=str(path)) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
