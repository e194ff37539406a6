"""The clean pipeline on small real files: mapping, normalising, validation, dedupe, records, matching."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crm_migrate.clean.pipeline import clean_files
from crm_migrate.mapping.profile import DedupeSettings, FieldMapping, Profile
from crm_migrate.schema import builtin_schema

CONTACTS = """\
Full Name,E-mail,Phone,Country,Birthday,Stage
"SMITH, JOHN",John Smith <John.Smith@Acme.com>,(415) 555-0123,USA,13/04/1985,customer
Jane van der Berg,jane@berg.nl,030 1234567,Deutschland,03/04/1990,Lead
John Smith,john.smith@acme.com,415.555.0123,USA,,Kunde
Bob Jones,bob@,12,USA,01/02/1970,
,,,,,lead
"""


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return str(path)


def _profile(**kw: Any) -> Profile:
    fields = [
        FieldMapping("Full Name", split_into=["firstname", "lastname"]),
        FieldMapping("E-mail", "email"),
        FieldMapping("Phone", "phone"),
        FieldMapping("Country", "country"),
        FieldMapping("Birthday", "date_of_birth"),
        FieldMapping("Stage", "lifecyclestage"),
    ]
    return Profile(object="contacts", fields=fields, default_region="US", **kw)


def _issues(result: Any, field: str) -> list[tuple[Any, str, str]]:
    return [(i.row, i.value, i.problem) for i in result.issues if i.field == field]


def test_contacts_end_to_end(tmp_path: Path) -> None:
    path = _write(tmp_path, "contacts.csv", CONTACTS)
    result = clean_files([path], _profile())
    assert result.rows_in == 5
    assert result.duplicate_groups == [[1, 3]]  # same email once normalised
    frame = result.frame
    assert list(frame.columns) == ["firstname", "lastname", "email", "phone", "country",
                                   "date_of_birth", "lifecyclestage", "_source"]
    john = frame[frame["_source"] == "contacts.csv:1"].iloc[0]
    assert (john["firstname"], john["lastname"], john["email"]) == ("John", "Smith", "john.smith@acme.com")
    assert john["phone"] == "+14155550123"
    assert john["date_of_birth"] == "1985-04-13"
    assert john["lifecyclestage"] == "customer"
    jane = frame[frame["_source"] == "contacts.csv:2"].iloc[0]
    # the default region is US but the country column says DE for this row
    assert jane["phone"] == "+49301234567"
    assert jane["lastname"] == "van der Berg"
    assert jane["date_of_birth"] == "1990-04-03"  # the column is day-first (13/04/1985)
    assert jane["lifecyclestage"] == "lead"
    assert result.invalid == {"email": 1, "phone": 1, "lifecyclestage": 1}
    assert ("4", "bob@", "not a valid email address") in [(str(r), v, p) for r, v, p in _issues(result, "email")]
    assert any(r == 4 and p.startswith("not a valid phone number for US") for r, _, p in _issues(result, "phone"))
    assert any(r == 3 and "not an option of lifecyclestage" in p for r, _, p in _issues(result, "lifecyclestage"))
    # the empty row is kept and reported, not dropped silently
    assert result.rows_out == 4
    assert any(i.row == 5 and i.problem.startswith("nothing identifies this record") for i in result.issues)
    records = {r.source: r for r in result.records}
    assert records["contacts.csv:1"].key == "john.smith@acme.com"
    assert records["contacts.csv:1"].members == ["contacts.csv:1", "contacts.csv:3"]
    assert "email" not in records["contacts.csv:4"].properties
    report = result.report()
    assert report["rows_in"] == 5 and report["rows_out"] == 4
    assert set(report["issues"][0]) == {"row", "column", "field", "value", "problem"}


def test_issues_name_the_source_column_and_value(tmp_path: Path) -> None:
    result = clean_files([_write(tmp_path, "c.csv", CONTACTS)], _profile())
    issue = next(i for i in result.issues if i.field == "phone")
    assert (issue.row, issue.column, issue.value) == (4, "Phone", "12")


def test_several_files_use_file_row_refs(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.csv", CONTACTS)
    b = _write(tmp_path, "b.csv", "Full Name,E-mail,Phone,Country,Birthday,Stage\n"
                                  "J. Smith,JOHN.SMITH@acme.com,,,,\n"
                                  "Ann Lee,jane@berg.nl,,,,\n")
    result = clean_files([a, b], _profile())
    assert result.rows_in == 7
    assert ["a.csv:1", "a.csv:3", "b.csv:1"] in result.duplicate_groups
    assert any(i.row == "a.csv:4" and i.field == "email" for i in result.issues)
    # another person with Jane's address: it stays with Jane, named by file and row
    assert not any("b.csv:2" in g for g in result.duplicate_groups)
    assert any(i.row == "b.csv:2" and "row a.csv:2," in i.problem for i in result.issues)


def test_transforms_run_once_and_profile_date_format(tmp_path: Path) -> None:
    text = "Name,Mail,Tel,Born\nAnn Lee,ann@x.com,0301234567,03/04/1990\n"
    profile = Profile(object="contacts", default_region="US", fields=[
        FieldMapping("Name", split_into=["firstname", "lastname"]),
        FieldMapping("Mail", "email", transforms=["email"]),
        FieldMapping("Tel", "phone", transforms=[{"phone": {"region": "DE"}}]),
        FieldMapping("Born", "date_of_birth", transforms=[{"date": {"dayfirst": True}}]),
    ])
    result = clean_files([_write(tmp_path, "t.csv", text)], profile)
    row = result.frame.iloc[0]
    assert row["phone"] == "+49301234567"
    assert row["date_of_birth"] == "1990-04-03"
    assert not result.issues
    profile.fields[3].transforms = []
    profile.date_format = "monthfirst"
    assert clean_files([_write(tmp_path, "t.csv", text)], profile).frame.iloc[0]["date_of_birth"] == "1990-03-04"


def test_dedupe_settings_are_honoured(tmp_path: Path) -> None:
    path = _write(tmp_path, "contacts.csv", CONTACTS)
    result = clean_files([path], _profile(dedupe=DedupeSettings(enabled=False)))
    assert result.duplicate_groups == [] and result.rows_out == 5
    split = DedupeSettings(not_duplicates=[["contacts.csv:1", "contacts.csv:3"]])
    result = clean_files([path], _profile(dedupe=split))
    assert result.duplicate_groups == []


def test_companies_domain_numbers_and_required(tmp_path: Path) -> None:
    text = ("Company,Web,Employees,Revenue\n"
            "Acme Inc,https://www.Acme.com/about,\"1,200\",\"€ 1.234.567,50\"\n"
            "Beta GmbH,beta.de,50-100,12k\n")
    profile = Profile(object="companies", fields=[
        FieldMapping("Company", "name"), FieldMapping("Web", "website"),
        FieldMapping("Employees", "numberofemployees"), FieldMapping("Revenue", "annualrevenue")])
    result = clean_files([_write(tmp_path, "co.csv", text)], profile)
    assert list(result.frame["domain"]) == ["acme.com", "beta.de"]
    assert list(result.frame["numberofemployees"]) == ["1200", ""]
    assert list(result.frame["annualrevenue"]) == ["1234567.5", "12000"]
    assert [r.key for r in result.records] == ["acme.com", "beta.de"]
    assert result.invalid == {"numberofemployees": 1}


def test_deals_required_fields_and_picklists(tmp_path: Path) -> None:
    text = "Deal,Stage,Amount,Close\nBig one,Won,\"$1,000\",2025-03-01\n,closedwon,5,2025-13-01\n"
    profile = Profile(object="deals", fields=[
        FieldMapping("Deal", "dealname"),
        FieldMapping("Stage", "dealstage", transforms=[{"map_values": {"mapping": {"Won": "closedwon"}}}]),
        FieldMapping("Amount", "amount"), FieldMapping("Close", "closedate")])
    result = clean_files([_write(tmp_path, "d.csv", text)], profile)
    assert list(result.frame["dealstage"]) == ["closedwon", "closedwon"]
    assert list(result.frame["amount"]) == ["1000", "5"]
    problems = [(i.row, i.field, i.problem) for i in result.issues]
    # the target's only pipeline is the one every deal goes into; a deal without a name would fail
    assert list(result.frame["pipeline"]) == ["default", "default"]
    assert (2, "dealname", "required field dealname is empty") in problems
    assert any(r == 2 and f == "closedate" for r, f, _ in problems)
    assert [r.blocked for r in result.records] == [None, "dealname: required field dealname is empty"]


def test_matching_against_the_sandbox(tmp_path: Path, sandbox_server: Any) -> None:
    import asyncio

    from crm_migrate.clean.matching import run_async
    from crm_migrate.connectors import open_connector
    from crm_migrate.connectors.hubspot import HubSpotConnector

    async def seed() -> None:
        async with open_connector("sandbox", url=sandbox_server.url,
                                  token=sandbox_server.token) as connector:
            await connector.create("contacts", [
                {"email": "john.smith@acme.com", "firstname": "John", "lastname": "Smith",
                 "phone": "+14155550123", "country": "USA", "date_of_birth": "1985-04-13",
                 "lifecyclestage": "customer"},
                {"email": "jane@berg.nl", "firstname": "Jane", "lastname": "Old"},
                {"email": "bob.jones@elsewhere.com", "firstname": "Bob", "lastname": "Jones"},
            ])

    asyncio.run(seed())
    connector = HubSpotConnector(url=sandbox_server.url, token=sandbox_server.token,
                                 target="sandbox")
    try:
        result = clean_files([_write(tmp_path, "contacts.csv", CONTACTS)], _profile(), connector=connector)
    finally:
        run_async(connector.aclose())
    actions = {r.source: (r.action, bool(r.target_id)) for r in result.records}
    assert actions["contacts.csv:1"] == ("skip", True)  # the target already holds every value
    assert actions["contacts.csv:2"] == ("update", True)
    assert actions["contacts.csv:4"] == ("create", False)
    near = [m for m in result.near_matches if m["kind"] == "target"]
    assert [m["source"] for m in near] == ["contacts.csv:4"]
    assert result.report()["actions"] == {"skip": 1, "update": 1, "create": 2}


def test_not_duplicates_by_report_row_number_and_progress(tmp_path: Path) -> None:
    path = _write(tmp_path, "contacts.csv", CONTACTS)
    seen: list[tuple[str, float]] = []
    profile = _profile(dedupe=DedupeSettings(not_duplicates=[["1", "3"]]))
    result = clean_files([path], profile,
                         on_progress=lambda p: seen.append((p.phase, p.fraction or 0.0)))
    assert result.duplicate_groups == []
    stages = [s for s, _ in seen]
    assert stages[0] == "load" and stages[-1] == "done"
    assert {"map", "normalise", "dedupe"} <= set(stages)
    assert all(0.0 <= f <= 1.0 for _, f in seen)
    # the map stage moves column by column (a million rows spend most of a minute there)
    maps = [f for s, f in seen if s == "map"]
    assert len(maps) >= len(profile.fields) and maps == sorted(maps)


def test_a_name_suffix_goes_to_a_suffix_field_or_is_reported_dropped(tmp_path: Path) -> None:
    path = _write(tmp_path, "s.csv", "Full Name,E-mail\n\"Jane Roe, PhD\",jane@roe.example\nAl Poe,al@poe.example\n")
    result = clean_files([path], Profile(object="contacts", fields=[
        FieldMapping("Full Name", split_into=["firstname", "lastname"]), FieldMapping("E-mail", "email")]))
    jane = result.frame.iloc[0]
    assert (jane["firstname"], jane["lastname"]) == ("Jane", "Roe")
    assert _issues(result, "firstname") == [(1, "Jane Roe, PhD", "name suffix 'PhD' dropped (no suffix field mapped)")]


def test_a_name_suffix_is_kept_where_the_target_has_a_suffix_field(tmp_path: Path) -> None:
    path = _write(tmp_path, "s.csv", "Full Name,E-mail\n\"Jane Roe, PhD\",jane@roe.example\n")
    schema = builtin_schema("contacts").merge_live([{"name": "suffix", "label": "Suffix", "type": "string"}])
    result = clean_files([path], Profile(object="contacts", fields=[
        FieldMapping("Full Name", split_into=["firstname", "lastname", "suffix"]),
        FieldMapping("E-mail", "email")]), schema=schema)
    jane = result.frame.iloc[0]
    assert (jane["firstname"], jane["lastname"], jane["suffix"]) == ("Jane", "Roe", "PhD")
    assert _issues(result, "firstname") == []
