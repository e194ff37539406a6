"""Stray quotes in delimited text: a quote that opens a cell and swallows the records after it.

When a quoted cell spans line breaks and the lines inside it parse as whole records
of the file's shape, the quote is taken as a literal character and every line stays
its own row. A quoted cell whose inner lines are records but that cannot be read
apart is kept merged, and the merged source lines are reported.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

QUOTE = '"'
_PLACEHOLDER = "\x00"


def _scan(text: str, delimiter: str, in_quote: bool) -> tuple[bool, int | None, int | None]:
    """(inside a quoted cell at the end, last quote that opened one, first quote that closed one)."""
    opened: int | None = None
    closed: int | None = None
    field_start = not in_quote
    k = 0
    while k < len(text):
        ch = text[k]
        if in_quote:
            if ch == QUOTE:
                if text[k + 1 : k + 2] == QUOTE:
                    k += 2
                    continue
                in_quote = False
                closed = k if closed is None else closed
        elif ch == QUOTE and field_start:
            in_quote, opened = True, k
        field_start = not in_quote and ch in (delimiter, "\r", "\n")
        k += 1
    return in_quote, opened, closed


def open_quote(text: str, delimiter: str, in_quote: bool = False) -> tuple[bool, int | None]:
    """(still inside a quoted cell at the end, where the last quote that opened one stands)."""
    still_open, opened, _ = _scan(text, delimiter, in_quote)
    return still_open, opened


def closes_like_a_cell(line: str, delimiter: str) -> bool:
    """True when the quote ending a cell from an earlier line stands where a closing quote would.

    A stray quote is later "closed" by a quote that, read on its own line, opens a
    cell (`5,"Bar",...`); a real multi-line cell ends in text before its quote (`two",Boston`).
    """
    _, _, closed = _scan(line, delimiter, True)
    return closed is not None and closed > 0 and line[closed - 1] != delimiter


def fields_of(line: str, delimiter: str) -> list[str]:
    """The cells of one physical line, a quote that never closes on it read as a literal."""
    text = line.rstrip("\r\n")
    for _ in range(text.count(QUOTE) + 1):
        still_open, opened = open_quote(text, delimiter)
        if not still_open or opened is None:
            break
        text = text[:opened] + _PLACEHOLDER + text[opened + 1 :]
    row = next(csv.reader([text], delimiter=delimiter), [])
    return [cell.replace(_PLACEHOLDER, QUOTE) for cell in row]


def _parse(lines: list[str], delimiter: str) -> list[str]:
    return next(csv.reader(["".join(lines)], delimiter=delimiter), [])


@dataclass
class Recovered:
    """Rows read line by line, and the source lines behind what was repaired or merged."""

    rows: list[list[str]] = field(default_factory=list)
    row_lines: list[int] = field(default_factory=list)  # 0-based line of the data text each row starts on
    stray: list[int] = field(default_factory=list)  # row numbers (1-based) whose quote was read as text
    merged: dict[int, list[int]] = field(default_factory=dict)  # row number -> its record-like lines


def recover(lines: list[str], delimiter: str, width: int) -> Recovered | None:
    """Rows of the data lines with stray quotes read as text; None when there is no stray quote."""
    out = Recovered()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        still_open, _ = open_quote(line, delimiter)
        if not still_open:
            out.rows.append(_parse([line], delimiter))
            out.row_lines.append(i)
            i += 1
            continue
        end = i + 1
        while end < len(lines):
            still_open, _ = open_quote(lines[end], delimiter, in_quote=True)
            if not still_open:
                break
            end += 1
        inner = [k for k in range(i + 1, min(end + 1, len(lines))) if lines[k].strip()]
        whole = [k for k in inner if len(fields_of(lines[k], delimiter)) == width]
        real_cell = end < len(lines) and closes_like_a_cell(lines[end], delimiter)
        if inner and len(whole) == len(inner) and not real_cell:
            out.rows.append(fields_of(line, delimiter))
            out.row_lines.append(i)
            out.stray.append(len(out.rows))
            i += 1
            continue
        out.rows.append(_parse(lines[i : end + 1], delimiter))
        out.row_lines.append(i)
        if whole:
            out.merged[len(out.rows)] = [i, *whole]
        i = end + 1
    return out if out.stray or out.merged else None
