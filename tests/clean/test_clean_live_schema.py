"""Cleaning against a target's live schema: enumeration options by internal value or folded
label, multi-select parts, owners, deal stages of the row's own pipeline, lengths, required
custom properties; every value the target would refuse is reported per row and column, its row
marked as one that fails, and each unmapped value counted once per column in the report."""

from __future__ import annotations

from pathlib import Path

from crm_migrate.clean.pipeline import clean_files
from crm_migrate.mapping.profile import FieldMapping, Profile
from crm_migrate.schema import ObjectSchema, Owner, Pipeline, Stage, builtin_schema


def _write(tmp_path: Path, text: str, name: str = "f.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _companies() -> ObjectSchema:
    return builtin_schema("companies").merge_live([
        {"name": "industry", "type": "enumeration", "fieldType": "select", "options": [
            {"value": "COMPUTER_HARDWARE", "label": "Computer Hardware"},
            {"value": "BANKING", "label": "Banking"},
            {"value": "TOBACCO", "label": "Tobacco", "hidden": True}]},
        {"name": "regions", "type": "enumeration", "fieldType": "checkbox", "hubspotDefined": False,
         "options": [{"value": "emea", "label": "EMEA"}, {"value": "apac", "label": "Asia Pacific"}]},
        {"name": "erp_code", "type": "string", "fieldType": "text", "hubspotDefined": False,
         "maxLength": 5},
        {"name": "account_tier", "type": "string", "fieldType": "text", "hubspotDefined": False,
         "required": True},
    ]).with_live(owners=(Owner("501", "ann@acme.example", "Ann Owner"),
                         Owner("502", "bob@acme.example", "Bob Owner")), source="test (live)")


COMPANIES = """Domain,Name,Industry,Regions,Owner,ERP,Tier
a.com,A,Computer Hardware,EMEA,ann@acme.example,A1,t
b.com,B,computer   hardware,emea; asia-pacific,Bob Owner,B2,t
c.com,C,Banking Services,EMEA,nobody@acme.example,C3,t
d.com,D,Banking Services,,ann@acme.example,TOOLONG,t
e.com,E,Tobacco,Mars,,E5,
f.com,F,BANKING,,,F6,t
"""


def _profile(*extra: FieldMapping) -> Profile:
    return Profile(object="companies", fields=[
        FieldMapping("Domain", "domain"), FieldMapping("Name", "name"),
        FieldMapping("Industry", "industry"), FieldMapping("Regions", "regions"),
        FieldMapping("Owner", "hubspot_owner_id"), *extra])


def test_live_options_owners_and_what_would_fail(tmp_path: Path) -> None:
    path = _write(tmp_path, COMPANIES)
    result = clean_files([path], _profile(FieldMapping("ERP", "erp_code"),
                                          FieldMapping("Tier", "account_tier")), schema=_companies())
    rows = {r.properties["domain"]: r for r in result.records}
    assert rows["a.com"].properties["industry"] == "COMPUTER_HARDWARE"
    assert rows["b.com"].properties["industry"] == "COMPUTER_HARDWARE"  # case and spacing folded
    assert rows["b.com"].properties["regions"] == "emea;apac"  # each part on its own
    assert rows["f.com"].properties["industry"] == "BANKING"
    assert rows["a.com"].properties["hubspot_owner_id"] == "501"  # owner by e-mail
    assert rows["b.com"].properties["hubspot_owner_id"] == "502"  # owner by name
    assert rows["e.com"].properties["industry"] == "TOBACCO"  # a hidden option: kept, reported
    assert any(i.field == "industry" and "hides" in i.problem for i in result.issues)
    assert {d for d, r in rows.items() if r.blocked} == {"c.com", "d.com", "e.com"}
    assert "Banking Services" in (rows["c.com"].blocked or "")
    assert "erp_code" in (rows["d.com"].blocked or "") or "industry" in (rows["d.com"].blocked or "")
    # fuzzy look-alikes are named in the issue, never applied
    banking = next(i for i in result.issues if i.field == "industry" and i.value == "Banking Services")
    assert "did you mean 'Banking'" in banking.problem and banking.column == "Industry"
    report = result.report()
    assert report["would_fail"] == 3
    unmapped = {(u["column"], u["value"]): u["count"] for u in report["unmapped_values"]}
    assert unmapped == {("Industry", "Banking Services"): 2, ("Owner", "nobody@acme.example"): 1,
                        ("Regions", "Mars"): 1}
    problems = {(i.row, i.field) for i in result.issues}
    assert (4, "erp_code") in problems and (5, "account_tier") in problems


def test_truncate_cuts_instead_of_failing(tmp_path: Path) -> None:
    path = _write(tmp_path, COMPANIES)
    result = clean_files([path], Profile(object="companies", fields=[
        FieldMapping("Domain", "domain"), FieldMapping("Tier", "account_tier"),
        FieldMapping("ERP", "erp_code", transforms=["truncate"])]), schema=_companies())
    rows = {r.properties["domain"]: r for r in result.records}
    assert rows["d.com"].properties["erp_code"] == "TOOLO" and not rows["d.com"].blocked
    assert any(i.field == "erp_code" and "cut to 5" in i.problem for i in result.issues)
    assert rows["e.com"].blocked == "account_tier: required field account_tier is empty"


def _deals() -> ObjectSchema:
    pipelines = (
        Pipeline("default", "Sales Pipeline", (Stage("appointmentscheduled", "Appointment Scheduled"),
                                               Stage("closedwon", "Closed Won"))),
        Pipeline("75e28846", "Renewals", (Stage("1009", "Up for renewal"), Stage("1011", "Closed Won"),
                                          Stage("1010", "Old", archived=True))),
    )
    return builtin_schema("deals").with_live(pipelines=pipelines, source="test (live)")


DEALS = """Deal,Stage,Pipeline
One,Closed Won,Renewals
Two,closed won,Sales Pipeline
Three,Up for renewal,default
Four,1009,75e28846
Five,Nope,Renewals
Six,Up for renewal,
"""


def test_stages_map_to_the_rows_own_pipeline(tmp_path: Path) -> None:
    path = _write(tmp_path, DEALS)
    profile = Profile(object="deals", fields=[
        FieldMapping("Deal", "dealname"), FieldMapping("Stage", "dealstage"),
        FieldMapping("Pipeline", "pipeline")])
    result = clean_files([path], profile, schema=_deals())
    rows = {r.properties["dealname"]: r for r in result.records}
    assert (rows["One"].properties["pipeline"], rows["One"].properties["dealstage"]) == ("75e28846", "1011")
    assert rows["Two"].properties["dealstage"] == "closedwon"
    assert rows["Four"].properties["dealstage"] == "1009" and not rows["Four"].blocked
    three = next(i for i in result.issues if i.row == 3 and i.field == "dealstage")
    assert "belongs to pipeline 'Renewals'" in three.problem and three.column == "Stage"
    assert {name for name, r in rows.items() if r.blocked} == {"Three", "Five", "Six"}
    six = [i.problem for i in result.issues if i.row == 6]
    assert "required field pipeline is empty" in six and any("names no pipeline" in p for p in six)
    unmapped = {(u["column"], u["value"]) for u in result.report()["unmapped_values"]}
    assert unmapped == {("Stage", "Up for renewal"), ("Stage", "Nope")}  # Three's and Five's


def test_a_pipeline_transform_names_the_pipeline_of_every_row(tmp_path: Path) -> None:
    path = _write(tmp_path, "Deal,Stage\nA,Up for renewal\nB,Closed Won\n")
    profile = Profile(object="deals", fields=[
        FieldMapping("Deal", "dealname"),
        FieldMapping("Stage", "dealstage", transforms=[{"pipeline": "renewals"}])])
    result = clean_files([path], profile, schema=_deals())
    assert [(r.properties["pipeline"], r.properties["dealstage"], r.blocked)
            for r in result.records] == [("75e28846", "1009", None), ("75e28846", "1011", None)]
