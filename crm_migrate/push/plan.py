"""Cleaned records -> journal rows (and, for contacts with a company, company rows first)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_migrate.push.journal import UPSERT_EMAIL, AssocState, JournalRow, Op, RowKind, RowState

if TYPE_CHECKING:
    from crm_migrate.model import OutputRecord

KEY_FIELDS = {"contacts": "email", "companies": "domain"}
ID_PROPERTY = "crm_migrate_id"


# what identifies a record that has no natural key, per object (first non-empty basis wins)
IDENTITY = {
    "contacts": ("firstname", "lastname", "company", "phone", "mobilephone", "city"),
    "companies": ("name", "city", "country"),
    "deals": ("dealname", "pipeline"),
}


def _fold(value: Any) -> str:
    return " ".join(str(value or "").split()).casefold()


def identity_basis(object_name: str, props: dict[str, Any], source: str) -> str:
    """The text a record's crm_migrate_id is derived from: its natural key (email, domain),
    else the values that name it (IDENTITY), else its file name and row."""
    key_field = KEY_FIELDS.get(object_name)
    natural = _fold(props.get(key_field)) if key_field else ""
    if natural:
        return f"{object_name}|{key_field}|{natural}"
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


def company_of(props: dict[str, str]) -> tuple[str | None, str | None]:
    """(name, domain) of the company a contact names, either may be None."""
    from crm_migrate.clean.websites import domain_from_website

    name = (props.get("company") or "").strip() or None
    domain = domain_from_website(props.get("website") or "") or None
    return name, domain


def build_rows(
    records: list[OutputRecord], object_name: str, run_id: str, *, associate: bool = True
) -> list[JournalRow]:
    """Journal rows: company rows (contacts runs naming companies) then one row per record."""
    key_field = KEY_FIELDS.get(object_name)
    companies: dict[str, dict[str, Any]] = {}
    links: list[str | None] = []
    for rec in records:
        group = None
        if associate and object_name == "contacts" and rec.action != "skip":
            name, domain = company_of(rec.properties)
            if name or domain:
                group = f"d:{domain}" if domain else f"n:{name.lower()}"  # type: ignore[union-attr]
                entry = companies.setdefault(group, {"name": name, "domain": domain,
                                                     "sources": []})
                entry["name"] = entry["name"] or name
                entry["sources"].append(rec.source)
        links.append(group)
    rows: list[JournalRow] = []
    company_seq: dict[str, int] = {}
    payloads = [{k: v for k, v in (("name", e["name"]), ("domain", e["domain"])) if v}
                for e in companies.values()]
    company_keys = identity_keys("companies", [(p, e["sources"][0]) for p, e
                                               in zip(payloads, companies.values(), strict=True)])
    for (group, entry), payload, company_key in zip(companies.items(), payloads, company_keys,
                                                    strict=True):
        seq = len(rows) + 1
        company_seq[group] = seq
        rows.append(JournalRow(
            seq=seq, kind=RowKind.COMPANY, source=entry["sources"][0],
            members_json=json.dumps(entry["sources"]), key=entry["domain"],
            write_key=company_key, payload=payload,
        ))
    record_props = [{k: v for k, v in rec.properties.items() if v != "" and not k.startswith("_")}
                    for rec in records]
    # contacts with an email go by it; the rest get a stable crm_migrate_id (an email-keyed
    # contact gets one only if the target cannot upsert by email: see remap_id_property)
    by_email = [object_name == "contacts" and bool(_fold(p.get("email"))) for p in record_props]
    record_keys = iter(identity_keys(object_name, [
        (p, rec.source) for p, rec, skip in zip(record_props, records, by_email, strict=True)
        if not skip]))
    for rec, group, props, email in zip(records, links, record_props, by_email, strict=True):
        ident: str | None = None if email else next(record_keys)
        key = (props.get(key_field) or "").strip().lower() if key_field else ""
        if key and key_field:
            props[key_field] = key
        row = JournalRow(
            seq=len(rows) + 1, source=rec.source,
            members_json=json.dumps(list(rec.members or [rec.source])), key=key or None,
            payload=props, company_seq=company_seq.get(group) if group else None,
            assoc=AssocState.PENDING if group else None,
        )
        if object_name == "contacts" and key:
            row.op, row.write_key = UPSERT_EMAIL, key
        else:
            row.op, row.write_key = Op.upsert(ID_PROPERTY), ident
        if rec.action == "skip":
            row.state = RowState.SKIPPED
        elif not props:
            row.state, row.error = RowState.FAILED, "the record has no values to write"
        rows.append(row)
    return rows
