"""Format sniffing (content first, extension second) and delimiter sniffing."""

from __future__ import annotations

import csv
import json
import math
import sys
from collections import Counter
from pathlib import Path

DELIMITERS = [",", ";", "\t", "|"]
SNIFF_RECORDS = 50

_EXTENSIONS = {
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xlsb": "xlsx",
    ".xls": "xls",
    ".ods": "ods",
    ".vcf": "vcf",
    ".vcard": "vcf",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "csv",
}

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def format_from_bytes(path: Path, head: bytes) -> str | None:
    """The spreadsheet family from magic bytes ('xlsx', 'ods', 'xls'), or None for text."""
    if head.startswith(ZIP_MAGIC):
        if b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in head[:200]:
            return "ods"
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        return "xls"
    return None


def format_from_extension(path: Path) -> str | None:
    """The format an extension suggests, or None when unknown."""
    return _EXTENSIONS.get(path.suffix.lower())


def format_from_text(text: str, extension_format: str | None) -> str:
    """'vcf', 'json', 'ndjson', 'html', 'xml' or 'csv' from the start of a decoded text file."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped[:15].lower().startswith(("<html", "<!doctype html", "<table", "<?xml")):
        return "html" if "<table" in stripped[:65536].lower() or "<html" in stripped[:64].lower() \
            else "xml"
    if stripped[:11].upper() == "BEGIN:VCARD":
        return "vcf"
    if stripped[:1] in ("[", "{"):
        first_line = stripped.split("\n", 1)[0].strip()
        if stripped[:1] == "{" and _is_json_object(first_line):
            rest = stripped[len(first_line) :].lstrip()
            if rest.startswith("{") or extension_format == "ndjson":
                return "ndjson"
            return "json"
        if extension_format in ("json", "ndjson") or stripped[:1] == "[" or stripped[:2] == "{\n":
            return "json"
        if _is_json_prefix(stripped):
            return "json"
    return "csv"


def _is_json_object(line: str) -> bool:
    """True when a line is one complete JSON object."""
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):  # nested too deep: the reader says so in its own words
        return False


def _is_json_prefix(text: str) -> bool:
    """True when text opens like a JSON object ('{' then a quoted key)."""
    body = text[1:].lstrip()
    return body.startswith('"') or body.startswith("}")


def parse_records(lines: list[str], delimiter: str, limit: int) -> list[tuple[int, list[str]]]:
    """Up to `limit` records as (0-based first physical line, fields); blank lines give []."""
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    out: list[tuple[int, list[str]]] = []
    while len(out) < limit:
        start = reader.line_num
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error:
            break
        out.append((start, fields))
    return out


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter among , ; tab | whose field counts are most consistent across records."""
    best = ","
    best_score = -1.0
    for delimiter in DELIMITERS:
        records = [
            f for _, f in parse_records(lines, delimiter, SNIFF_RECORDS * 2) if any(c.strip() for c in f)
        ]
        records = records[:SNIFF_RECORDS]
        counts = Counter(len(f) for f in records if len(f) >= 2)
        if not counts:
            continue
        mode, hits = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        score = hits / len(records) * math.sqrt(min(mode, 12))
        if score > best_score + 1e-9:
            best, best_score = delimiter, score
    return best
