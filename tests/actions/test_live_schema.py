"""One way to read a target's schema (actions.profiles.read_schema), used by plan, clean and
the wizard: the live properties, pipelines and owners; `plan --target` pre-fills a value map for
every enumeration from exact and folded matches only; `clean --target` reports each value
with no option once per column with its count."""

from __future__ import annotations

from pathlib import Path

import httpx

from crm_migrate.actions.cleaning import clean_files
from crm_migrate.actions.profiles import plan_profile, read_schema, value_map_rows, value_map_text
from crm_migrate.actions.sandbox import SandboxServer
from crm_migrate.sandbox import DEFAULT_TOKEN

CSV = """Email,First Name,Tier
a@x.com,Ann,Gold
b@x.com,Bob,gold
c@x.com,Cid,  SILVER
d@x.com,Dee,Platinium
e@x.com,Eve,Platinium
f@x.com,Fay,Bronze
"""


def _tier(url: str) -> None:
    body = {"name": "customer_tier", "label": "Tier", "type": "enumeration", "fieldType": "select",
            "groupName": "contactinformation",
            "options": [{"label": "Gold", "value": "tier_gold"}, {"label": "Silver", "value": "tier_silver"},
                        {"label": "Platinum", "value": "tier_platinum"}]}
    answer = httpx.post(f"{url}/crm/v3/properties/contacts", json=body,
                        headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"})
    assert answer.status_code == 201, answer.text


def test_read_schema_of_a_plain_sandbox(sandbox: SandboxServer) -> None:
    live = read_schema("sandbox", "deals", sandbox.url)
    assert live.note is None and live.schema.source == "sandbox (live)"
    assert [p.id for p in live.schema.pipelines] == ["default"]  # no pipelines API: built-in one
    assert live.schema.owners == ()


def test_read_schema_of_an_unreachable_target_is_the_built_in_one_with_a_note() -> None:
    live = read_schema("sandbox", "contacts", "http://127.0.0.1:9")
    assert live.schema.source == "built-in" and live.note and "not read" in live.note


def test_plan_prefills_exact_matches_and_clean_reports_the_rest(sandbox: SandboxServer,
                                                                tmp_path: Path) -> None:
    _tier(sandbox.url)
    source = tmp_path / "people.csv"
    source.write_text(CSV, encoding="utf-8")
    out = tmp_path / "profile.yaml"
    plan = plan_profile([str(source)], str(out), object_name="contacts", target="sandbox",
                        url=sandbox.url)
    tier = next(m for m in plan.profile.fields if m.column == "Tier")
    assert tier.field == "customer_tier"
    # folded matches only: "Platinium" looks like Platinum but is not applied
    assert tier.transforms == [{"map_values": {"mapping": {"Gold": "tier_gold",
                                                           "SILVER": "tier_silver"}}}]
    cleaned = clean_files([str(source)], str(out), target="sandbox", url=sandbox.url)
    report = cleaned.result.report()
    assert [(u["column"], u["value"], u["count"]) for u in report["unmapped_values"]] == [
        ("Tier", "Platinium", 2), ("Tier", "Bronze", 1)]
    assert report["would_fail"] == 3

    rows, left_off = value_map_rows(plan.tables, "Tier", plan.schema.fields["customer_tier"],
                                    plan.schema)
    assert left_off == 0
    assert [(r.value, r.count, r.option, r.decided) for r in rows] == [
        ("Platinium", 2, "", False), ("Gold", 2, "tier_gold", True),
        ("Bronze", 1, "", False), ("SILVER", 1, "tier_silver", True)]
    assert rows[0].suggestions[0] == "tier_platinum"  # suggested, not decided
    assert "Platinium:   # undecided, 2 rows; did you mean tier_platinum" in value_map_text(rows)
