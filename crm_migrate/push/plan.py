"""Cleaned records -> journal rows (and, for contacts with a company, company rows first)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from crm_migrate.clean.websites import domain_from_website
from crm_migrate.identity import ID_PROPERTY, KEY_FIELDS, identity_keys, natural_key
from crm_migrate.push.journal import (
    NOT_SENT,
    UPDATE,
    UPSERT_EMAIL,
    AssocState,
    JournalRow,
    Op,
    RowKind,
    RowState,
)

if TYPE_CHECKING:
    from crm_migrate.model import OutputRecord

def company_of(props: dict[str, str]) -> tuple[str | None, str | None]:
    """(name, domain) of the company a contact names, either may be None."""
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
            write_key=company_key, payload=payload, op=Op.upsert(ID_PROPERTY),
        ))
    record_props = [{k: v for k, v in rec.properties.items() if v != "" and not k.startswith("_")}
                    for rec in records]
    # contacts with an email go by it; the rest get a stable crm_migrate_id (an email-keyed
    # contact gets one only if the target cannot upsert by email: see remap_id_property)
    by_email = [object_name == "contacts" and bool(natural_key(object_name, p)) for p in record_props]
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
        if rec.merge_into:  # the user merged it into this target record: an update of it
            row.op, row.write_key = UPDATE, rec.merge_into
        elif object_name == "contacts" and key:
            row.op, row.write_key = UPSERT_EMAIL, key
        else:
            row.op, row.write_key = Op.upsert(ID_PROPERTY), ident
        if rec.action == "skip":
            row.state = RowState.SKIPPED
        elif rec.blocked:  # the target would refuse it: failed here, reported, never sent
            row.state, row.error = RowState.FAILED, NOT_SENT + rec.blocked
        elif not props:
            row.state, row.error = RowState.FAILED, "the record has no values to write"
        rows.append(row)
    return rows
