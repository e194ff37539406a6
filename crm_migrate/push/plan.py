"""Cleaned records -> journal rows (and, for contacts with a company, company rows first)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crm_migrate.model import OutputRecord

KEY_FIELDS = {"contacts": "email", "companies": "domain"}
ID_PROPERTY = "crm_migrate_id"


def write_key(run_id: str, seq: int) -> str:
    """The crm_migrate_id value a record without a natural key is upserted by."""
    return f"cm-{run_id[:12]}-{seq}"


def company_of(props: dict[str, str]) -> tuple[str | None, str | None]:
    """(name, domain) of the company a contact names, either may be None."""
    from crm_migrate.clean.websites import domain_from_website

    name = (props.get("company") or "").strip() or None
    domain = domain_from_website(props.get("website") or "") or None
    return name, domain


def build_rows(
    records: list[OutputRecord], object_name: str, run_id: str, *, associate: bool = True
) -> list[dict[str, Any]]:
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
    rows: list[dict[str, Any]] = []
    company_seq: dict[str, int] = {}
    for group, entry in companies.items():
        seq = len(rows) + 1
        company_seq[group] = seq
        payload = {k: v for k, v in (("name", entry["name"]), ("domain", entry["domain"])) if v}
        rows.append({
            "seq": seq, "kind": "company", "source": entry["sources"][0],
            "members": entry["sources"], "key": entry["domain"],
            "write_key": write_key(run_id, seq), "op": None, "payload": payload,
        })
    for rec, group in zip(records, links, strict=True):
        seq = len(rows) + 1
        props = {k: v for k, v in rec.properties.items() if v != "" and not k.startswith("_")}
        key = (props.get(key_field) or "").strip().lower() if key_field else ""
        if key and key_field:
            props[key_field] = key
        row: dict[str, Any] = {
            "seq": seq, "kind": "record", "source": rec.source,
            "members": list(rec.members or [rec.source]), "key": key or None,
            "payload": props, "company_seq": company_seq.get(group) if group else None,
            "assoc": "pending" if group else None,
        }
        if object_name == "contacts" and key:
            row["op"], row["write_key"] = "upsert:email", key
        else:
            row["op"], row["write_key"] = f"upsert:{ID_PROPERTY}", write_key(run_id, seq)
        if rec.action == "skip":
            row["state"] = "skipped"
        elif not props:
            row["state"], row["error"] = "failed", "the record has no values to write"
        rows.append(row)
    return rows
