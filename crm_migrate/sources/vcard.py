"""vCard 2.1/3.0/4.0 reader: one row per card, typed values in readable columns."""

from __future__ import annotations

import quopri
import re
from pathlib import Path

from crm_migrate.errors import SourceError
from crm_migrate.sources.encoding import (
    SAMPLE_BYTES,
    detect_encoding,
    from_name,
    mixed_encoding_issues,
)
from crm_migrate.sources.frames import records_table
from crm_migrate.table import Detection, SourceIssue, SourceTable

FIRST_COLUMNS = [
    "First Name", "Last Name", "Middle Name", "Name Prefix", "Name Suffix", "Full Name",
    "Nickname", "Organization", "Department", "Title", "Role",
]
_NAME_PARTS = ["Last Name", "First Name", "Middle Name", "Name Prefix", "Name Suffix"]
_ADR_PARTS = ["PO Box", "Extended Address", "Street", "City", "Region", "Postal Code", "Country"]
_SIMPLE = {
    "FN": "Full Name", "NICKNAME": "Nickname", "TITLE": "Title", "ROLE": "Role",
    "BDAY": "Birthday", "ANNIVERSARY": "Anniversary", "NOTE": "Note", "CATEGORIES": "Categories",
    "GENDER": "Gender", "URL": "URL",
}
_KINDS = ["work", "home", "cell", "fax", "pager", "main", "other"]
_KIND_ALIASES = {"mobile": "cell", "iphone": "cell", "cellular": "cell", "business": "work",
                 "private": "home", "personal": "home"}
_APPLE_LABEL = re.compile(r"^_\$!<(.+)>!\$_$")
_ESCAPES = re.compile(r"\\(.)")
_SKIP = {"BEGIN", "END", "VERSION", "PRODID", "REV", "PHOTO", "LOGO", "SOUND", "KEY", "UID",
         "X-ABLABEL", "X-ABUID", "X-ABSHOWAS", "X-ABADR", "SORT-STRING", "KIND", "SOURCE"}


def _unescape(value: str) -> str:
    """vCard text escapes: \\n \\, \\; \\\\."""
    return _ESCAPES.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _split_structured(value: str) -> list[str]:
    """Split on unescaped ';' and unescape each part."""
    parts = re.split(r"(?<!\\);", value)
    return [_unescape(p).strip() for p in parts]


_QP_MARK = "QUOTED-PRINTABLE"


class _LogicalLine:
    """The pieces of one logical line, and whether they hold QUOTED-PRINTABLE and a ':' so far."""

    def __init__(self, first: str) -> None:
        self.pieces = [first]
        self.quoted_printable = _QP_MARK in first.upper()
        self.colon = ":" in first

    def add(self, piece: str) -> None:
        """Append a piece (a mark split across the join is still seen)."""
        seam = (self.pieces[-1][-len(_QP_MARK):] + piece[: len(_QP_MARK)]).upper()
        self.quoted_printable = self.quoted_printable or _QP_MARK in seam or _QP_MARK in piece.upper()
        self.colon = self.colon or ":" in piece
        self.pieces.append(piece)


def unfold(text: str) -> list[str]:
    """Logical lines: folded continuations joined, QUOTED-PRINTABLE soft breaks joined.

    A logical line gathers its pieces in a list joined once: joining by += copied the
    line for every fold (quadratic in a long folded value).
    """
    physical = re.split(r"\r\n|\n|\r", text)
    logical: list[_LogicalLine] = []
    for line in physical:
        last = logical[-1] if logical else None
        if line[:1] in (" ", "\t") and last is not None:
            last.add(line[1:])
        elif last is not None and last.pieces[-1].endswith("=") and last.quoted_printable and last.colon:
            last.pieces[-1] = last.pieces[-1][:-1]
            last.add(line)
        else:
            logical.append(_LogicalLine(line))
    lines = ["".join(entry.pieces) for entry in logical]
    return [ln for ln in lines if ln.strip()]


def _parse_line(line: str) -> tuple[str, str, dict[str, list[str]], str] | None:
    """(group, NAME, params, raw value) of a content line, or None when malformed."""
    in_quote = False
    colon = -1
    for i, ch in enumerate(line):
        if ch == '"':
            in_quote = not in_quote
        elif ch == ":" and not in_quote:
            colon = i
            break
    if colon < 0:
        return None
    head, value = line[:colon], line[colon + 1 :]
    pieces = head.split(";")
    name = pieces[0].strip()
    group = ""
    if "." in name:
        group, name = name.rsplit(".", 1)
    params: dict[str, list[str]] = {}
    for piece in pieces[1:]:
        if "=" in piece:
            key, val = piece.split("=", 1)
            values = [v.strip().strip('"') for v in val.split(",")]
            params.setdefault(key.strip().upper(), []).extend(values)
        elif piece.strip():
            bare = piece.strip()
            key = "ENCODING" if bare.upper() in ("QUOTED-PRINTABLE", "BASE64", "8BIT") else "TYPE"
            params.setdefault(key, []).append(bare)
    return group.upper(), name.upper(), params, value


def _decode_value(value: str, params: dict[str, list[str]], file_codec: str) -> str:
    """Apply QUOTED-PRINTABLE and CHARSET params to a raw value."""
    encoding = {v.upper() for v in params.get("ENCODING", [])}
    charset = next(iter(params.get("CHARSET") or []), None)
    if "QUOTED-PRINTABLE" in encoding:
        raw = quopri.decodestring(value.encode("latin-1", errors="replace"))
        return raw.decode(charset or "utf-8", errors="replace").replace("\r\n", "\n")
    if charset and charset.lower().replace("_", "-") not in (file_codec, "utf-8"):
        try:
            return value.encode(file_codec).decode(charset)
        except (UnicodeError, LookupError):
            return value
    return value


def _kind(params: dict[str, list[str]], group_label: str | None) -> str:
    """A readable type label ('work', 'cell', 'work fax'...) from TYPE params or an Apple label."""
    found: list[str] = []
    for raw in params.get("TYPE", []):
        for part in raw.lower().split(","):
            part = _KIND_ALIASES.get(part.strip(), part.strip())
            if part in _KINDS and part not in found:
                found.append(part)
    if not found and group_label:
        return group_label
    return " ".join(k for k in _KINDS if k in found)


def _put(card: dict[str, str], column: str, value: str) -> None:
    """Store a value; repeats of a column become 'Column 2', 'Column 3'."""
    if not value:
        return
    name = column
    n = 2
    while name in card:
        name = f"{column} {n}"
        n += 1
    card[name] = value


def _bday(value: str) -> str:
    """YYYYMMDD and YYYY-MM-DDT... birthdays as ISO dates; anything else as given."""
    value = value.strip()
    if re.fullmatch(r"\d{8}", value):
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})T00:00:00(Z|\.000Z)?", value)
    return match.group(1) if match else value


def parse_cards(text: str, file_codec: str = "utf-8") -> list[dict[str, str]]:
    """Every card in a vCard text as a column -> value dict."""
    cards: list[dict[str, str]] = []
    current: list[tuple[str, str, dict[str, list[str]], str]] | None = None
    for line in unfold(text):
        parsed = _parse_line(line)
        if parsed is None:
            continue
        group, name, params, value = parsed
        if name == "BEGIN" and value.strip().upper() == "VCARD":
            current = []
        elif name == "END" and value.strip().upper() == "VCARD":
            if current is not None:
                cards.append(_card(current, file_codec))
            current = None
        elif current is not None:
            current.append(parsed)
    return cards


def _card(lines: list[tuple[str, str, dict[str, list[str]], str]], codec: str) -> dict[str, str]:
    """One card's content lines as a row."""
    labels: dict[str, str] = {}
    for group, name, params, value in lines:
        if name == "X-ABLABEL" and group:
            raw = _unescape(_decode_value(value, params, codec)).strip()
            match = _APPLE_LABEL.match(raw)
            labels[group] = (match.group(1) if match else raw).lower()
    card: dict[str, str] = {}
    for group, name, params, raw in lines:
        if name in _SKIP or (name.startswith("X-") and name != "X-ABDATE"):
            continue
        value = _decode_value(raw, params, codec)
        label = labels.get(group) if group else None
        if name == "N":
            for column, part in zip(_NAME_PARTS, _split_structured(value), strict=False):
                _put(card, column, part)
        elif name == "ORG":
            parts = _split_structured(value)
            _put(card, "Organization", parts[0] if parts else "")
            _put(card, "Department", "; ".join(p for p in parts[1:] if p))
        elif name in ("EMAIL", "TEL"):
            kind = _kind(params, label)
            base = "Email" if name == "EMAIL" else "Phone"
            text = _unescape(value).strip()
            if name == "TEL" and text.lower().startswith("tel:"):
                text = text[4:]
            _put(card, f"{base} ({kind})" if kind else base, text)
        elif name == "ADR":
            kind = _kind(params, label)
            suffix = f" ({kind})" if kind else ""
            parts = _split_structured(value)
            for column, part in zip(_ADR_PARTS, parts, strict=False):
                _put(card, column + suffix, part)
        elif name in _SIMPLE:
            text = _unescape(value).strip()
            if name == "BDAY" or name == "ANNIVERSARY":
                text = _bday(text)
            _put(card, _SIMPLE[name], text)
    return card


def read_vcard(path: Path, *, file: str, label: str, encoding: str | None = None) -> SourceTable:
    """Load a .vcf file: one row per card."""
    data = path.read_bytes()
    head = data[:SAMPLE_BYTES]
    detected = from_name(encoding, head) if encoding else detect_encoding(head, file)
    try:
        text = data[detected.bom_length :].decode(detected.codec)
        issues: list[SourceIssue] = []
    except UnicodeDecodeError:
        text = data[detected.bom_length :].decode(detected.codec, errors="replace")
        issues = [SourceIssue(file, None, None, f"undecodable bytes replaced ({detected.name})")]
    cards = parse_cards(text, detected.codec)
    if not cards:
        raise SourceError("no vCard (BEGIN:VCARD ... END:VCARD) found", file=file)
    detection = Detection(path=str(path), format="vcf", encoding=detected.name)
    table = records_table(cards, detection=detection, label=label, first=FIRST_COLUMNS)
    table.issues[:0] = issues + mixed_encoding_issues(data[detected.bom_length :], detected.codec, file)
    return table
