"""Hostile input files, small on disk, written by the tests and bench/bench_hostile.py."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

_XLSX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
    'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_XLSX_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_XLSX_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Contacts" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_XLSX_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def _xlsx_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _table_rows_xml(rows: int) -> str:
    """A Name/Email table of `rows` data rows as worksheet rows 1..rows+1."""
    out = [f'<row r="1">{_xlsx_cell("A1", "Name")}{_xlsx_cell("B1", "Email")}</row>']
    for n in range(2, rows + 2):
        out.append(f'<row r="{n}">{_xlsx_cell(f"A{n}", f"Person {n}")}'
                   f'{_xlsx_cell(f"B{n}", f"p{n}@example.com")}</row>')
    return "".join(out)


def xlsx_with_cell(path: Path, column: str, row: int, table_rows: int = 0) -> Path:
    """A tiny xlsx: an optional Name/Email table, then one cell at `column``row` (e.g. XFD1048576)."""
    stray = f'<row r="{row}">{_xlsx_cell(f"{column}{row}", "x")}</row>'
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main"><sheetData>{_table_rows_xml(table_rows) if table_rows else ""}'
             f'{stray}</sheetData></worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", _XLSX_CONTENT_TYPES)
        book.writestr("_rels/.rels", _XLSX_RELS)
        book.writestr("xl/workbook.xml", _XLSX_WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", _XLSX_WORKBOOK_RELS)
        book.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def _ods_cell(text: str) -> str:
    return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'


def ods_with_cell(path: Path, column: int, row: int) -> Path:
    """A tiny ODS: a Name/Email table, then one cell at 1-based (`row`, `column`) by repeated blanks."""
    table = ('<table:table-row>' + _ods_cell("Name") + _ods_cell("Email") + '</table:table-row>'
             '<table:table-row>' + _ods_cell("Ann") + _ods_cell("ann@example.com") + '</table:table-row>'
             f'<table:table-row table:number-rows-repeated="{row - 3}"><table:table-cell/></table:table-row>'
             f'<table:table-row><table:table-cell table:number-columns-repeated="{column - 1}"/>'
             + _ods_cell("x") + '</table:table-row>')
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:'
               'names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:'
               'table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="Contacts">{table}</table:table>'
               '</office:spreadsheet></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                'opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-'
                'type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-'
                'path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    with zipfile.ZipFile(path, "w") as book:
        book.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        book.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        book.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


def deep_json(path: Path, depth: int) -> Path:
    """A JSON record whose one field is a list nested `depth` deep."""
    path.write_text('[{"name": "Ann", "tags": ' + "[" * depth + "]" * depth + "}]", encoding="utf-8")
    return path


def deep_ndjson(path: Path, depth: int) -> Path:
    """NDJSON: a good record, one nested `depth` deep, another good one."""
    path.write_text('{"name": "Ann"}\n{"name": ' + "[" * depth + "]" * depth + '}\n{"name": "Bob"}\n',
                    encoding="utf-8")
    return path


def wide_csv(path: Path, columns: int, rows: int = 2) -> Path:
    """A CSV with `columns` distinct headers (First Name, Email, Phone, then Field N) and `rows` rows."""
    lines = [",".join(["First Name", "Email", "Phone"] + [f"Field {i}" for i in range(3, columns)])]
    lines += [",".join([f"Ann{r}", f"ann{r}@example.com", f"+1 415 555 01{r:02d}"]
                       + [f"r{r}c{i}" for i in range(3, columns)]) for r in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def wide_json(path: Path, keys: int) -> Path:
    """One JSON record with `keys` distinct keys."""
    path.write_text(json.dumps([{f"key{i}": i for i in range(keys)}]), encoding="utf-8")
    return path


def email_without_at_csv(path: Path, length: int) -> Path:
    """An Email cell of `length` characters with no '@' (a run of spaces inside a word)."""
    path.write_text("Name,Email\nAnn,a" + " " * length + "b\nBob,bob@example.com\n", encoding="utf-8")
    return path


def caps_header_csv(path: Path, length: int) -> Path:
    """A header of `length` capital letters beside Name and Email."""
    path.write_text(f"Name,Email,{'A' * length}\nAnn,ann@example.com,x\n", encoding="utf-8")
    return path


def big_cell_csv(path: Path, characters: int, column: str = "Notes") -> Path:
    """A Name/Email/`column` CSV whose `column` cell is `characters` long (words and spaces)."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write(f"Name,Email,{column}\nAnn,ann@example.com,")
        word = "word "
        fh.write(word * (characters // len(word)))
        fh.write("\nBob,bob@example.com,short\n")
    return path


MIXED_NAMES = ["José García", "Zoë Brontë", "Jürgen Müller", "François Lefèvre", "Søren Kierkegård"]


def mixed_encoding_csv(path: Path, cp1252_lines: tuple[int, ...] = (2, 4)) -> Path:
    """Name/Email rows in UTF-8, except the 1-based data rows in `cp1252_lines` written in cp1252."""
    out = [b"Name,Email\n"]
    for number, name in enumerate(MIXED_NAMES, start=1):
        codec = "cp1252" if number in cp1252_lines else "utf-8"
        out.append(f"{name},p{number}@example.com\n".encode(codec))
    path.write_bytes(b"".join(out))
    return path


def folded_vcard(path: Path, folds: int) -> Path:
    """One vCard whose NOTE is folded over `folds` continuation lines of 74 characters."""
    piece = "x" * 74
    path.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nNOTE:" + piece + ("\n " + piece) * folds
                    + "\nEND:VCARD\n", encoding="utf-8")
    return path
