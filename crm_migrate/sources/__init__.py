"""Readers for every source format, all returning a SourceTable of strings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from crm_migrate.errors import SourceError
from crm_migrate.sources.columns import ColumnProfile, profile_columns
from crm_migrate.sources.delimited import read_delimited
from crm_migrate.sources.detect import format_from_bytes, format_from_extension, format_from_text
from crm_migrate.sources.encoding import SAMPLE_BYTES, detect_encoding
from crm_migrate.sources.limits import check_regular_file
from crm_migrate.sources.records import read_records
from crm_migrate.sources.spreadsheet import read_spreadsheet, sheet_names
from crm_migrate.sources.vcard import read_vcard
from crm_migrate.table import SourceIssue, SourceTable

if TYPE_CHECKING:
    from crm_migrate.mapping.profile import SourceOverride

__all__ = [
    "ColumnProfile",
    "SourceError",
    "SourceIssue",
    "SourceTable",
    "list_sheets",
    "load",
    "load_many",
    "profile_columns",
]

SPREADSHEETS = ("xlsx", "xls", "ods")


def _check_file(path: Path, file: str) -> None:
    """SourceError for a missing file, a directory, a FIFO or device, or an empty file."""
    if check_regular_file(path, file) == 0:
        raise SourceError("file is empty (0 bytes)", file=file)


def sniff_format(path: str | Path) -> str:
    """The sniffed format: xlsx|xls|ods|vcf|json|ndjson|html|xml, or 'csv' for other text."""
    p = Path(path)
    file = str(path)
    _check_file(p, file)
    try:
        with p.open("rb") as fh:
            head = fh.read(SAMPLE_BYTES)
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror}", file=file) from None
    magic = format_from_bytes(p, head)
    if magic:
        return magic
    detected = detect_encoding(head, file)
    text = head[detected.bom_length : detected.bom_length + 65536].decode(detected.codec, "replace")
    return format_from_text(text, format_from_extension(p))


def load(
    path: str | Path,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    label: str | None = None,
) -> SourceTable:
    """Load any supported file, detecting whatever is not given; SourceError when unusable."""
    p = Path(path)
    file = str(path)
    label = label or p.name
    fmt = sniff_format(p)
    if fmt in ("html", "xml"):
        raise SourceError(
            f"this is an {fmt.upper()} document, not a table file (some tools save web pages as "
            ".xls): open it in a spreadsheet program and save it as .xlsx or .csv",
            file=file,
        )
    try:
        if fmt in SPREADSHEETS:
            return read_spreadsheet(p, fmt=fmt, file=file, label=label, sheet=sheet,
                                    header_row=header_row)
        if fmt == "vcf":
            return read_vcard(p, file=file, label=label, encoding=encoding)
        if fmt in ("json", "ndjson"):
            return read_records(p, fmt=fmt, file=file, label=label, encoding=encoding)
        return read_delimited(p, file=file, label=label, encoding=encoding, delimiter=delimiter,
                              header_row=header_row)
    except MemoryError:
        raise SourceError("file too large to load in memory", file=file) from None
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}", file=file) from None


def list_sheets(path: str | Path) -> list[str]:
    """The sheet names of a workbook ([] for text formats)."""
    p = Path(path)
    fmt = sniff_format(p)
    if fmt not in SPREADSHEETS:
        return []
    return sheet_names(p, str(path), fmt)


def load_many(
    paths: list[str], overrides: dict[str, SourceOverride] | None = None
) -> list[SourceTable]:
    """Load several files, applying per-file overrides (keyed by base name); labels are unique."""
    overrides = overrides or {}
    tables: list[SourceTable] = []
    used: set[str] = set()
    for path in paths:
        base = Path(path).name
        label = base
        n = 2
        while label in used:
            label = f"{base}#{n}"
            n += 1
        used.add(label)
        override = overrides.get(base)
        tables.append(
            load(
                path,
                sheet=override.sheet if override else None,
                header_row=override.header_row if override else None,
                encoding=override.encoding if override else None,
                delimiter=override.delimiter if override else None,
                label=label,
            )
        )
    return tables
