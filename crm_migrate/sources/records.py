"""JSON (array of records, or an object holding one) and NDJSON readers; nested keys dotted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crm_migrate.errors import SourceError
from crm_migrate.sources.encoding import (
    SAMPLE_BYTES,
    detect_encoding,
    from_name,
    mixed_encoding_issues,
)
from crm_migrate.sources.frames import records_table
from crm_migrate.sources.limits import MAX_JSON_DEPTH, check_columns
from crm_migrate.table import Detection, SourceIssue, SourceTable


def scalar_text(value: Any) -> str:
    """A JSON scalar as text: null -> '', booleans as true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


class TooDeepError(ValueError):
    """A JSON value nests deeper than MAX_JSON_DEPTH."""


def _too_deep() -> str:
    return f"nested deeper than {MAX_JSON_DEPTH} levels (not a table of records)"


def flatten(value: Any, prefix: str = "", out: dict[str, str] | None = None,
            depth: int = 0) -> dict[str, str]:
    """Nested objects to dotted keys; scalar lists joined with '; '; object lists indexed."""
    if out is None:
        out = {}
    if depth > MAX_JSON_DEPTH:
        raise TooDeepError(_too_deep())
    if isinstance(value, dict):
        if not value and prefix:
            out[prefix] = ""
        for key, item in value.items():
            flatten(item, f"{prefix}.{key}" if prefix else str(key), out, depth + 1)
    elif isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            out[prefix or "value"] = "; ".join(scalar_text(v) for v in value if v is not None)
        else:
            for i, item in enumerate(value):
                flatten(item, f"{prefix}.{i}" if prefix else str(i), out, depth + 1)
    else:
        out[prefix or "value"] = scalar_text(value)
    return out


def _find_records(document: Any, depth: int = 0) -> list[Any] | None:
    """The list of records in a document: itself, or the largest list of objects inside it."""
    if isinstance(document, list):
        return document
    if not isinstance(document, dict) or depth > 3:
        return None
    best: list[Any] | None = None
    for item in document.values():
        found = None
        if isinstance(item, list) and any(isinstance(v, dict) for v in item):
            found = item
        elif isinstance(item, dict):
            found = _find_records(item, depth + 1)
        if found is not None and (best is None or len(found) > len(best)):
            best = found
    return best


def _text(path: Path, file: str, encoding: str | None) -> tuple[str, str, list[SourceIssue]]:
    """The decoded text of a file, the encoding name to report and the lines of a mixed encoding."""
    data = path.read_bytes()
    head = data[:SAMPLE_BYTES]
    detected = from_name(encoding, head) if encoding else detect_encoding(head, file)
    try:
        body = data[detected.bom_length :]
        return body.decode(detected.codec), detected.name, mixed_encoding_issues(body, detected.codec, file)
    except UnicodeDecodeError as exc:
        raise SourceError(f"cannot decode as {detected.name} at byte {exc.start}", file=file) from None


def read_records(
    path: Path, *, fmt: str, file: str, label: str, encoding: str | None = None
) -> SourceTable:
    """Load a JSON or NDJSON file: one row per record."""
    text, encoding_name, encoding_issues = _text(path, file, encoding)
    issues: list[SourceIssue] = []
    if fmt == "ndjson":
        rows: list[dict[str, str]] = []
        number = 0
        for line_no, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            number += 1
            try:
                rows.append(flatten(json.loads(line)))
            except RecursionError:
                issues.append(SourceIssue(file, number, None, f"line {line_no} is {_too_deep()}; skipped"))
                rows.append({})
            except TooDeepError as exc:
                issues.append(SourceIssue(file, number, None, f"line {line_no} is {exc}; skipped"))
                rows.append({})
            except ValueError as exc:
                issues.append(SourceIssue(file, number, None,
                                          f"line {line_no} is not valid JSON ({getattr(exc, 'msg', exc)}); skipped"))
                rows.append({})
        if not rows:
            raise SourceError("no JSON records found", file=file)
    else:
        try:
            document = json.loads(text)
        except RecursionError:
            raise SourceError(f"JSON {_too_deep()}", file=file) from None
        except ValueError as exc:
            message = getattr(exc, "msg", str(exc))
            lineno = getattr(exc, "lineno", None)
            where = f" at line {lineno}" if lineno else ""
            raise SourceError(f"invalid JSON{where}: {message}", file=file) from None
        records = _find_records(document)
        if records is None:
            if isinstance(document, dict):
                records = [document]
            else:
                raise SourceError("no array of records found", file=file)
        rows = []
        for number, record in enumerate(records, start=1):
            try:
                rows.append(flatten(record))
            except TooDeepError as exc:
                raise SourceError(f"record {number} is {exc}", file=file) from None
    check_columns(len({key: None for row in rows for key in row}), file, "distinct keys (columns)")
    detection = Detection(path=str(path), format=fmt, encoding=encoding_name)
    table = records_table(rows, detection=detection, label=label)
    if fmt == "ndjson" and issues:
        bad = {i.row for i in issues}
        table.frame = table.frame.drop(index=[r for r in bad if r in table.frame.index])
        table.detection.rows = len(table.frame)
    table.issues.extend(encoding_issues + issues)
    return table
