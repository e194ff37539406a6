"""Loading files, inspecting one, building and writing a profile: actions.files and actions.profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_migrate.actions.files import inspect_file, load_files, source_issues
from crm_migrate.actions.profiles import (
    build_profile,
    check_region,
    key_field,
    load_profile,
    mapping_warnings,
    object_schema,
    plan_profile,
    read_schema,
)
from crm_migrate.errors import CrmMigrateError, SourceError
from tests.conftest import SAMPLE_DATA


def test_load_files_keeps_a_problem_per_file_and_loads_the_others(tmp_path: Path) -> None:
    broken = tmp_path / "page.xls"
    broken.write_text("<html><body>not a table</body></html>")
    good = str(SAMPLE_DATA / "outlook_contacts.csv")
    loaded = load_files([good, str(broken), good])
    assert [t.label for t in loaded.tables] == ["outlook_contacts.csv", "outlook_contacts.csv#2"]
    assert list(loaded.problems) == [str(broken)]
    assert "HTML" in loaded.problems[str(broken)]
    with pytest.raises(SourceError):
        load_files([good, str(broken)], strict=True)


def test_source_issues_name_the_file_when_there_are_several() -> None:
    tables = load_files([str(SAMPLE_DATA / "erp_export.csv"), str(SAMPLE_DATA / "deals.csv")]).tables
    issues = source_issues(tables)
    for issue in issues:
        assert issue.problem.split(":")[0] in ("erp_export.csv", "deals.csv")
        assert issue.row is None or str(issue.row).split(":")[0] in ("erp_export.csv", "deals.csv")
    single = source_issues(tables[:1])
    assert len(single) == len(tables[0].issues)
    assert all(i.row is None or isinstance(i.row, int) for i in single)


def test_inspect_file_reports_detection_and_a_suggestion_per_column() -> None:
    report = inspect_file(str(SAMPLE_DATA / "outlook_contacts.csv"))
    assert report["format"] == "csv"
    by_name = {c["name"]: c for c in report["columns"]}
    assert by_name["E-mail Address"]["suggested_field"] == "email"
    assert 0 < by_name["E-mail Address"]["confidence"] <= 1


def test_build_profile_lists_every_column_when_asked() -> None:
    tables = load_files([str(SAMPLE_DATA / "outlook_contacts.csv")]).tables
    lean = build_profile(tables, "contacts")
    full = build_profile(tables, "contacts", every_column=True)
    assert {m.column for m in full.fields} == set(tables[0].columns)
    assert len(full.fields) > len(lean.fields)
    assert not [w for w in mapping_warnings(full, object_schema("contacts"), tables) if "email" in w]


def test_plan_profile_writes_a_profile_that_reads_back(tmp_path: Path) -> None:
    out = tmp_path / "p.yaml"
    plan = plan_profile([str(SAMPLE_DATA / "outlook_contacts.csv")], str(out), region="us")
    assert plan.profile.object == "contacts" and plan.schema_note is None
    again = load_profile(out)
    assert again.default_region == plan.profile.default_region
    assert [m.column for m in again.fields] == [m.column for m in plan.profile.fields]


def test_region_and_key_field() -> None:
    assert check_region("de") == "DE" and check_region(None) is None
    with pytest.raises(CrmMigrateError):
        check_region("XX1")
    assert key_field("contacts") == "email" and key_field("companies") == "domain"


def test_a_target_that_does_not_answer_costs_only_its_custom_fields() -> None:
    notes: list[str] = []
    live = read_schema("sandbox", "contacts", "http://127.0.0.1:9")
    notes.append(live.note or "")
    assert live.schema.key == "email"
    assert "sandbox schema not read" in notes[0]
