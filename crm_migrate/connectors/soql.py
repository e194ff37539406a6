"""SOQL building: string literals, IN-lists chunked to keep URLs short, select lists."""

from __future__ import annotations

from urllib.parse import quote

from crm_migrate.connectors.fieldmap import SF_FIELDS, FieldMap, sf_field
from crm_migrate.identity import ID_PROPERTY

MAX_SOQL_URL = 8000  # stay far below Salesforce's 16,384-character URI limit


def soql_quote(value: str) -> str:
    """A SOQL string literal: backslashes and single quotes escaped, control chars spelled out."""
    escaped = (
        value.replace("\\", "\\\\")
        .replace("'", "\\'")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f"'{escaped}'"


def soql_chunks(prefix: str, column: str, values: list[str], overhead: int = 64) -> list[str]:
    """Statements `prefix WHERE column IN (...)` whose URL-encoded form stays under MAX_SOQL_URL."""
    statements: list[str] = []
    quoted: list[str] = []
    base = len(quote(f"{prefix} WHERE {column} IN ()")) + overhead
    size = base
    for value in values:
        literal = soql_quote(value)
        cost = len(quote(literal)) + 3
        if quoted and size + cost > MAX_SOQL_URL:
            statements.append(f"{prefix} WHERE {column} IN ({', '.join(quoted)})")
            quoted, size = [], base
        quoted.append(literal)
        size += cost
    if quoted:
        statements.append(f"{prefix} WHERE {column} IN ({', '.join(quoted)})")
    return statements


def select_list(
    object_name: str,
    properties: list[str] | None,
    field_map: FieldMap | None = None,
    *extra: str,
) -> str:
    """`Id, Field, ...` for canonical `properties` (all standard mapped fields when empty)
    plus `extra` names; names with no Salesforce field are left out."""
    names = ["Id"]
    wanted = properties or [n for n in SF_FIELDS.get(object_name, {}) if n != ID_PROPERTY]
    for name in [*wanted, *extra]:
        sf_name = sf_field(object_name, name, field_map)  # None: no Salesforce field
        if sf_name and sf_name not in names:
            names.append(sf_name)
    return ", ".join(names)


_ID_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def id18(record_id: str) -> str:
    """A Salesforce record id in its 18-character form (the 15-character, case-sensitive form
    gets its documented checksum suffix: one character per 5, from where the capitals are)."""
    rid = record_id.strip()
    if len(rid) != 15:
        return rid
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(rid[start : start + 5]) if "A" <= ch <= "Z")
        suffix += _ID_SUFFIX[bits]
    return rid + suffix
