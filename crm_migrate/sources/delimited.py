"""CSV/TSV/TXT reader: detect on a sample, then one pandas C-engine pass over the file."""

from __future__ import annotations

import csv
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from crm_migrate.errors import SourceError
from crm_migrate.sources.detect import parse_records, sniff_delimiter
from crm_migrate.sources.encoding import (
    SAMPLE_BYTES,
    DetectedEncoding,
    detect_encoding,
    from_name,
    mixed_codec,
    mixed_fallback,
    mixed_lines,
)
from crm_migrate.sources.frames import finish_frame
from crm_migrate.sources.header import detect_header
from crm_migrate.sources.limits import check_columns
from crm_migrate.sources.quotes import recover
from crm_migrate.table import Detection, SourceIssue, SourceTable

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r|$)")
_SAW = re.compile(r"saw (\d+)")
_EOF_IN_STRING = re.compile(r"EOF inside string starting at row (\d+)")
HEADER_SAMPLE_RECORDS = 60
_NAMED_DELIMITERS = {"\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
BIG_CELL = 1_000_000


def split_lines(text: str) -> list[str]:
    """Physical lines with their endings (\\r\\n, \\n or \\r)."""
    lines = _LINE.findall(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def read_delimited(
    path: Path,
    *,
    file: str,
    label: str,
    encoding: str | None = None,
    delimiter: str | None = None,
    header_row: int | None = None,
) -> SourceTable:
    """Load a delimited text file into a SourceTable."""
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    whole_file = len(sample) < SAMPLE_BYTES
    detected = from_name(encoding, sample) if encoding else detect_encoding(sample, file)
    body = sample[detected.bom_length :]
    if not whole_file:
        cut = body.rfind(b"\n")
        if cut > 0:
            body = body[: cut + 1]
    text = body.decode(detected.codec, errors="surrogateescape" if _is_8bit(detected) else "replace")
    if not text.strip():
        raise SourceError("file is empty (no header, no data)", file=file)
    lines = split_lines(text)
    if delimiter is None:
        delimiter = sniff_delimiter(lines[:400])
    else:
        delimiter = _NAMED_DELIMITERS.get(delimiter.lower(), delimiter)
        if len(delimiter) != 1:
            raise SourceError(f"delimiter must be one character, not {delimiter!r}", file=file)
    records = parse_records(lines[:2000], delimiter, HEADER_SAMPLE_RECORDS)
    if not whole_file and len(records) > 1:
        records = records[:-1]
    rows = [fields for _, fields in records]
    if header_row is None:
        header_index = detect_header(rows)
    else:
        header_index = _record_at_line(records, header_row, file)
    header_line, header = records[header_index]
    data_line = records[header_index + 1][0] if header_index + 1 < len(records) else None
    if data_line is None:
        data_line = header_line + 1 + _extra_lines(lines, header_line, delimiter)
    if mixed_fallback(detected.codec):  # no one codec gives the bytes back: count the lines' bytes
        offset = detected.bom_length + sum(len(line) for line in body.splitlines(keepends=True)[:data_line])
    else:
        offset = detected.bom_length + len(_encode("".join(lines[:data_line]), detected))
    sample_width = max([len(header)] + [len(r) for r in rows[header_index + 1 :]])
    check_columns(sample_width, file, "columns" if whole_file else "columns or more",
                  hint=f"is {delimiter!r} the delimiter?")
    codec_detected = detected.codec
    try:
        frame, issues = _read_frame(path, offset, delimiter, detected, sample_width, file)
        recovered = _recover_quotes(path, offset, delimiter, detected, len(header), data_line, file) \
            if _may_span_lines(frame, path, offset, detected) else None
    except _UnclosedQuoteError as exc:
        recovered = _recover_quotes(path, offset, delimiter, detected, len(header), data_line, file)
        if recovered is None:
            raise SourceError("unbalanced quote: a quoted cell opened here is never closed",
                              file=file, row=exc.row) from None
        issues = []
    if recovered is not None:
        frame, quote_issues = recovered
        issues.extend(quote_issues)
    records_read = len(frame)
    issues[:0] = _mixed_encoding_issues(path, detected, file, late=detected.codec != codec_detected)
    detection = Detection(
        path=str(path),
        format="tsv" if delimiter == "\t" else "csv",
        encoding=detected.name,
        delimiter=delimiter,
        header_row=header_line,
    )
    table = finish_frame(frame, header, detection=detection, label=label, file=file)
    table.issues[:0] = issues
    if _may_hold_big_cell(path, offset, records_read, detected):
        table.issues.extend(big_cells(table.frame, file))
    return table


def _mixed_encoding_issues(path: Path, detected: DetectedEncoding, file: str, late: bool) -> list[SourceIssue]:
    """For a file whose lines mix UTF-8 and a code page: the lines read in the minority's encoding.

    `late`: the sample was UTF-8 and later lines were not; when no line needs UTF-8 at
    all, the file is simply in the code page and is named so.
    """
    fallback = mixed_fallback(detected.codec)
    if fallback is None:
        return []
    with path.open("rb") as fh:
        fh.seek(detected.bom_length)
        data = fh.read()
    found = mixed_lines(data, fallback)
    if found.utf8_count == 0:
        detected.name = fallback
        return [SourceIssue(file, None, None, f"not UTF-8 past the first megabyte; read as {fallback}")] \
            if late else []
    detected.name = "utf-8" if found.majority_utf8 else fallback
    return [SourceIssue(file, None, None, problem) for _, problem in found.problems()]


class _UnclosedQuoteError(Exception):
    """pandas met the end of the file inside a quoted cell that opened on data row `row`."""

    def __init__(self, row: int) -> None:
        super().__init__(row)
        self.row = row


def _may_span_lines(frame: pd.DataFrame, path: Path, offset: int, detected: DetectedEncoding) -> bool:
    """True when some cell holds a line break (checked only when the file has more lines than rows)."""
    if _is_8bit(detected):
        newlines = carriage = 0
        with path.open("rb") as fh:
            fh.seek(offset)
            while chunk := fh.read(1 << 24):
                newlines += chunk.count(b"\n")
                carriage += chunk.count(b"\r")
        if max(newlines, carriage) <= len(frame):
            return False
    return any(frame[c].str.contains("[\r\n]", regex=True).any() for c in frame.columns)


def _recover_quotes(
    path: Path, offset: int, delimiter: str, detected: DetectedEncoding, width: int, data_line: int,
    file: str,
) -> tuple[pd.DataFrame, list[SourceIssue]] | None:
    """Re-read the data line by line when a quote swallowed records; None when none did."""
    with path.open("rb") as fh:
        fh.seek(offset)
        data = fh.read()
    text = data.decode(detected.codec, errors="surrogateescape" if _is_8bit(detected) else "replace")
    found = recover(split_lines(text), delimiter, width)
    if found is None:
        return None
    columns = max([width, *(len(r) for r in found.rows)])
    frame = pd.DataFrame([r + [""] * (columns - len(r)) for r in found.rows],
                         columns=list(range(columns)), dtype=str)
    issues = [SourceIssue(file, row, None, "unclosed quote, read as text "
                          f"(source line {data_line + found.row_lines[row - 1] + 1})")
              for row in found.stray]
    issues.extend(SourceIssue(file, row, None, "source lines "
                              + ", ".join(str(data_line + k + 1) for k in lines)
                              + " merged into one row by a quoted cell that spans them")
                  for row, lines in found.merged.items())
    return frame, issues


def _is_8bit(detected: DetectedEncoding) -> bool:
    """True for codecs where every byte decodes to one char (surrogateescape round-trips)."""
    return not detected.codec.startswith(("utf-16", "utf-32"))


def _encode(text: str, detected: DetectedEncoding) -> bytes:
    """Encode text back to the file's bytes (to find a byte offset)."""
    errors = "surrogateescape" if _is_8bit(detected) else "replace"
    return text.encode(detected.codec, errors=errors)


def _extra_lines(lines: list[str], start: int, delimiter: str) -> int:
    """Physical lines a header record spans beyond its first (quoted newlines)."""
    reader = csv.reader(lines[start:], delimiter=delimiter)
    next(reader, None)
    return max(reader.line_num - 1, 0)


def _record_at_line(records: list[tuple[int, list[str]]], line: int, file: str) -> int:
    """Index of the record starting at a 0-based physical line (a given header row)."""
    for i, (start, fields) in enumerate(records):
        if start == line:
            if not fields:
                raise SourceError(f"header row {line} is a blank line", file=file)
            return i
    raise SourceError(
        f"header row {line} is not the start of a record in the first lines of the file",
        file=file,
    )


def _read_frame(
    path: Path,
    offset: int,
    delimiter: str,
    detected: DetectedEncoding,
    width: int,
    file: str,
) -> tuple[pd.DataFrame, list[SourceIssue]]:
    """Read the data part with pandas (all cells str); widen once if a row is longer."""
    issues: list[SourceIssue] = []
    encoding_errors = "strict"
    codec = detected.codec
    for _attempt in range(4):
        with path.open("rb") as fh:
            fh.seek(offset)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    frame = pd.read_csv(
                        fh,
                        sep=delimiter,
                        header=None,
                        names=list(range(width)),
                        dtype=str,
                        keep_default_na=False,
                        na_filter=False,
                        engine="c",
                        quotechar='"',
                        doublequote=True,
                        skip_blank_lines=True,
                        encoding=codec,
                        encoding_errors=encoding_errors,
                        on_bad_lines="warn",
                    )
                except pd.errors.EmptyDataError:
                    frame = pd.DataFrame({i: pd.Series([], dtype=str) for i in range(width)})
                except UnicodeDecodeError as exc:
                    if encoding_errors == "replace":
                        raise SourceError(f"cannot decode as {detected.name}", file=file) from None
                    if codec == "utf-8":  # lines past the sample are not UTF-8: read those as cp1252
                        codec = detected.codec = mixed_codec("cp1252")
                    else:
                        encoding_errors = "replace"
                        issues.append(SourceIssue(file, None, None,
                                                  f"undecodable bytes replaced ({exc.reason})"))
                    continue
                except pd.errors.ParserError as exc:
                    message = str(exc)
                    match = _EOF_IN_STRING.search(message)
                    if match:
                        raise _UnclosedQuoteError(int(match.group(1)) + 1) from None
                    raise SourceError(f"cannot parse: {message.split('. ', 1)[-1]}", file=file) from None
        longest = [int(n) for w in caught for n in _SAW.findall(str(w.message))]
        if longest and max(longest) > width:
            width = max(longest)
            check_columns(width, file, hint=f"is {delimiter!r} the delimiter?")
            continue
        return frame, issues
    raise SourceError("cannot read the file consistently", file=file)


def _may_hold_big_cell(path: Path, offset: int, records: int, detected: DetectedEncoding) -> bool:
    """False when no cell can be BIG_CELL long: (multi-line extra lines + 1) x longest line."""
    size = path.stat().st_size
    if size - offset < BIG_CELL:
        return False
    if not _is_8bit(detected):
        return True
    longest = 0
    lines = 0
    line_start = 0  # absolute position (from offset) where the current line starts
    previous_byte = 0
    position = 0
    with path.open("rb") as fh:
        fh.seek(offset)
        while chunk := fh.read(1 << 24):
            data = np.frombuffer(chunk, dtype=np.uint8)
            inside = np.flatnonzero(data == 10)
            if len(inside):
                newlines = inside + position
                starts = np.concatenate(([line_start], newlines[:-1] + 1))
                lengths = newlines - starts
                before = data[np.maximum(inside - 1, 0)]
                if inside[0] == 0:
                    before[0] = previous_byte
                blank = (lengths == 0) | ((lengths == 1) & (before == 13))
                lines += int(len(newlines) - blank.sum())
                longest = max(longest, int(lengths.max()))
                line_start = int(newlines[-1]) + 1
            previous_byte = int(data[-1])
            position += len(data)
    tail = position - line_start
    if tail > 0:
        lines += 1
        longest = max(longest, tail)
    extra = max(lines - records, 0)
    return (extra + 1) * longest >= BIG_CELL


def big_cells(frame: pd.DataFrame, file: str, limit: int = BIG_CELL) -> list[SourceIssue]:
    """Issues for cells longer than `limit` characters (kept, but worth a look)."""
    out: list[SourceIssue] = []
    for name in frame.columns:
        lengths = frame[name].str.len()
        if len(lengths) and int(lengths.max()) > limit:
            for row, size in lengths[lengths > limit].items():
                out.append(SourceIssue(file, int(str(row)), str(name),
                                       f"very large cell ({int(size):,} characters)"))
    return out
