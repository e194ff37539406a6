"""What identifies a record on the target: its natural key field, else a stable crm_migrate_id.

The one place for the key field of each object (derived from the built-in schemas), the id
property the push writes, and how that id is derived; clean (matching) and push both use it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from crm_migrate.schema import OBJECTS, builtin_schema

# object -> its unique key field (contacts: email, companies: domain, deals: None)
KEY_FIELDS: Final[Mapping[str, str | None]] = MappingProxyType(
    {name: builtin_schema(name).key for name in OBJECTS})
# the property holding the stable id of records without a natural key
ID_PROPERTY: Final = "crm_migrate_id"
# the property a push writes on the records it creates (its run id), so that after a lost answer
# it can tell its own create from a record another writer made meanwhile
RUN_PROPERTY: Final = "crm_migrate_run"
# what identifies a record that has no natural key, per object (first non-empty basis wins)
IDENTITY: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType({
    "contacts": ("firstname", "lastname", "company", "phone", "mobilephone", "city"),
    "companies": ("name", "city", "country"),
    "deals": ("dealname", "pipeline"),
})


def key_field(object_name: str) -> str | None:
    """The natural key field of an object (email, domain), None when it has none."""
    return KEY_FIELDS.get(object_name)


def _fold(value: Any) -> str:
    return " ".join(str(value or "").split()).casefold()


def natural_key(object_name: str, props: Mapping[str, Any]) -> str:
    """A record's natural key value, folded (spaces collapsed, case-folded); "" when it has none."""
    field_name = key_field(object_name)
    return _fold(props.get(field_name)) if field_name else ""


def identity_basis(object_name: str, props: Mapping[str, Any], source: str) -> str:
    """The text a record's crm_migrate_id is derived from: its natural key (email, domain),
    else the values that name it (IDENTITY), else its file name and row."""
    natural = natural_key(object_name, props)
    if natural:
        return f"{object_name}|{key_field(object_name)}|{natural}"
    values = [_fold(props.get(name)) for name in IDENTITY.get(object_name, ())]
    if any(values):
        return f"{object_name}|" + "|".join(values)
    return f"{object_name}|source|{Path(source).name}"


def identity_keys(object_name: str, items: list[tuple[dict[str, Any], str]]) -> list[str]:
    """Stable crm_migrate_id values for (properties, source) pairs, in order: the same record
    pushed again in a later run gets the same key, so the re-push updates it instead of
    creating it twice. Records of one run sharing a basis get -2, -3... in file order."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for props, source in items:
        basis = identity_basis(object_name, props, source)
        seen[basis] = n = seen.get(basis, 0) + 1
        digest = hashlib.sha256(basis.encode("utf-8")).hexdigest()[:20]
        out.append(f"cm-{digest}" if n == 1 else f"cm-{digest}-{n}")
    return out
