"""Input limits every reader enforces: columns, JSON nesting, workbook area against its real cells."""

from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from crm_migrate.errors import SourceError

MAX_COLUMNS = 16_384  # Excel's widest sheet (XFD); no export of records is wider
MAX_JSON_DEPTH = 64  # records nest a few levels; deeper is not a table
MAX_SHEET_ROWS = 1_048_576  # Excel's limits: a cell reference beyond them is corrupt
MAX_SHEET_COLUMNS = 16_384
# a sheet's used area (rows x columns from A1) is allocated whole by the workbook reader:
# over this many cells it must be mostly filled, or a stray cell far away inflated it
SPARSE_AREA_CELLS = 5_000_000
SPARSE_FILL_SHARE = 0.25  # at least this share of a big area must be real cells
MAX_AREA_CELLS = 150_000_000  # even a full sheet larger than this does not fit in memory
XML_CHUNK = 1 << 20

_SHEET_TAG = re.compile(rb'<(?:\w+:)?sheet\b[^>]*>')
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')
_RELATIONSHIP = re.compile(rb'<(?:\w+:)?Relationship\b[^>]*>')
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,4})(\d{1,9})"')
_CELL_TAG = re.compile(rb'<(?:\w+:)?c[\s>/]')
_ODS_TAG = re.compile(rb'<table:table\b[^>]*>|<table:table-row\b[^>]*>|</table:table-row>'
                      rb'|<table:(?:covered-)?table-cell\b[^>]*>')
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')
_ODS_ROWS = re.compile(rb'table:number-rows-repeated="(\d+)"')
_ODS_COLUMNS = re.compile(rb'table:number-columns-repeated="(\d+)"')


def check_regular_file(path: Path, file: str) -> int:
    """The size of a regular file; SourceError for a missing file, a directory, FIFO or device."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise SourceError("no such file", file=file) from None
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}", file=file) from None
    if stat.S_ISDIR(info.st_mode):
        raise SourceError("is a directory, not a file", file=file)
    if not stat.S_ISREG(info.st_mode):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode) else \
            "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else \
            "a socket" if stat.S_ISSOCK(info.st_mode) else "a special file"
        raise SourceError(f"is {kind}, not a regular file: save the data to a file first", file=file)
    return info.st_size


def check_columns(count: int, file: str, what: str = "columns", hint: str = "") -> None:
    """SourceError when a table has more columns than any sheet can hold."""
    if count > MAX_COLUMNS:
        raise SourceError(f"{count:,} {what}, more than the {MAX_COLUMNS:,} a table may have"
                          + (f" ({hint})" if hint else ""), file=file)


def column_letters(number: int) -> str:
    """1-based column number as letters (1 -> A, 16384 -> XFD)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: bytes | str) -> int:
    """Column letters as a 1-based number (A -> 1, XFD -> 16384)."""
    number = 0
    for ch in letters if isinstance(letters, str) else letters.decode("ascii"):
        number = number * 26 + ord(ch) - 64
    return number


@dataclass
class SheetArea:
    """What a sheet's XML holds: its real cells and the farthest row and column they reach."""

    cells: int = 0
    rows: int = 0
    columns: int = 0

    @property
    def area(self) -> int:
        return self.rows * self.columns


def _scan_sheet_xml(stream: IO[bytes]) -> SheetArea:
    """Count the cells of a worksheet part and find its farthest reference, in one streamed pass."""
    found = SheetArea()
    column_names: set[bytes] = set()
    row_numbers: set[bytes] = set()
    carry = b""
    while chunk := stream.read(XML_CHUNK):
        data = carry + chunk
        cut = data.rfind(b">") + 1
        data, carry = data[:cut], data[cut:]
        found.cells += len(_CELL_TAG.findall(data))
        refs = _CELL_REF.findall(data)
        column_names.update(letters for letters, _ in refs)
        row_numbers.update(number for _, number in refs)
        if len(carry) > XML_CHUNK:  # no '>' in a whole chunk: not worksheet XML we can judge
            carry = carry[-64:]
    found.columns = max((column_number(c) for c in column_names), default=0)
    found.rows = max((int(r) for r in row_numbers), default=0)
    found.columns = max(found.columns, 1 if found.cells else 0)
    found.rows = max(found.rows, 1 if found.cells else 0)
    return found


def _attributes(tag: bytes) -> dict[str, str]:
    return {key.decode("utf-8", "replace").rsplit(":", 1)[-1] if key != b"r:id" else "r:id":
            value.decode("utf-8", "replace") for key, value in _ATTRIBUTE.findall(tag)}


def xlsx_sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet part path inside an xlsx package (empty when unreadable)."""
    try:
        workbook = book.read("xl/workbook.xml")
        relations = book.read("xl/_rels/workbook.xml.rels")
    except (KeyError, OSError, zipfile.BadZipFile):
        return {}
    targets: dict[str, str] = {}
    for tag in _RELATIONSHIP.findall(relations):
        attributes = _attributes(tag)
        target = attributes.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        targets[attributes.get("Id", "")] = os.path.normpath(target).replace(os.sep, "/")
    parts: dict[str, str] = {}
    for tag in _SHEET_TAG.findall(workbook):
        attributes = _attributes(tag)
        relation = next((v for k, v in attributes.items() if k in ("r:id", "id")), "")
        if relation in targets:
            parts[attributes.get("name", "")] = targets[relation]
    return parts


def xlsx_sheet_area(path: Path, sheet: str) -> SheetArea | None:
    """The real cells and reach of one sheet of an xlsx file; None when it cannot be judged."""
    try:
        with zipfile.ZipFile(path) as book:
            part = xlsx_sheet_parts(book).get(sheet)
            if part is None or part not in book.namelist():
                return None
            with book.open(part) as stream:
                return _scan_sheet_xml(stream)
    except (OSError, zipfile.BadZipFile, RuntimeError, EOFError, ValueError):
        return None  # the workbook reader reports a broken package in its own words


class _OdsScan:
    """The running state of a streamed pass over an ODS content.xml."""

    def __init__(self) -> None:
        self.areas: dict[str, SheetArea] = {}
        self.current = SheetArea()
        self.row = self.row_repeats = self.column = self.row_reach = self.row_cells = 0

    def tag(self, tag: bytes) -> None:
        """Account for one table, row or cell tag."""
        if tag.startswith(b"<table:table ") or tag.startswith(b"<table:table>"):
            name = _ODS_NAME.search(tag)
            self.current = SheetArea()
            self.areas[name.group(1).decode("utf-8", "replace") if name else ""] = self.current
            self.row = 0
        elif tag.startswith(b"<table:table-row"):
            repeats = _ODS_ROWS.search(tag)
            self.row_repeats = int(repeats.group(1)) if repeats else 1
            self.column = self.row_reach = self.row_cells = 0
        elif tag == b"</table:table-row>":
            if self.row_reach:
                self.current.rows = self.row + self.row_repeats
                self.current.columns = max(self.current.columns, self.row_reach)
                self.current.cells += self.row_cells * self.row_repeats
            self.row += self.row_repeats
        else:
            repeats = _ODS_COLUMNS.search(tag)
            count = int(repeats.group(1)) if repeats else 1
            if not tag.endswith(b"/>") or b"value-type" in tag:
                self.row_cells += count
                self.row_reach = self.column + count
            self.column += count


def ods_sheet_areas(path: Path) -> dict[str, SheetArea]:
    """Sheet name -> real cells and reach of every table of an ODS file ({} when unreadable)."""
    scan = _OdsScan()
    try:
        with zipfile.ZipFile(path) as book, book.open("content.xml") as stream:
            carry = b""
            while chunk := stream.read(XML_CHUNK):
                data = carry + chunk
                cut = data.rfind(b">") + 1
                data, carry = data[:cut], data[cut:][-XML_CHUNK:]
                for match in _ODS_TAG.finditer(data):
                    scan.tag(match.group(0))
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, EOFError, ValueError):
        return {}
    return scan.areas


def check_sheet_area(area: SheetArea, sheet: str, file: str) -> None:
    """SourceError when a sheet's used area is corrupt, too big, or inflated by stray cells."""
    where = f"sheet {sheet!r}"
    far = f"{column_letters(area.columns)}{area.rows}"
    if area.rows > MAX_SHEET_ROWS or area.columns > MAX_SHEET_COLUMNS:
        raise SourceError(f"{where} has a cell at {far}, beyond the largest sheet possible "
                          f"({MAX_SHEET_ROWS:,} rows x {MAX_SHEET_COLUMNS:,} columns): the workbook "
                          "is corrupt", file=file)
    if area.area > SPARSE_AREA_CELLS and area.cells < SPARSE_FILL_SHARE * area.area:
        raise SourceError(f"{where} reaches {far} ({area.rows:,} rows x {area.columns:,} columns) "
                          f"but holds only {area.cells:,} cell{'' if area.cells == 1 else 's'}: a stray cell far from the table? "
                          "delete the rows and columns past the table and save again", file=file)
    if area.area > MAX_AREA_CELLS:
        raise SourceError(f"{where} spans {area.rows:,} rows x {area.columns:,} columns "
                          f"(to {far}), too large to load: split it or export it as CSV", file=file)
