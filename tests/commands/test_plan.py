"""`crm-migrate plan`: real files in, a profile that loads and validates out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crm_migrate.cli import run
from crm_migrate.mapping.profile import load_profile
from crm_migrate.mapping.validate import validate_profile
from crm_migrate.schema import builtin_schema
from crm_migrate.sources import load

REPO = Path(__file__).resolve().parent.parent.parent
SAMPLES = sorted(p for p in (REPO / "sample_data").glob("*") if p.suffix in (".csv", ".xlsx", ".vcf"))
CORPUS = REPO / "tests" / "data" / "headers"


def test_plan_writes_an_editable_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "profile.yaml"
    code = run(["plan", str(CORPUS / "german_erp.csv"), "--object", "contacts", "--out", str(out)])
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# crm-migrate mapping profile")
    profile = load_profile(out)
    fields = {m.column: m.field for m in profile.fields}
    assert fields["E-Mail"] == "email" and fields["Handy"] == "mobilephone" and fields["PLZ"] == "zip"
    assert "Kundennummer" not in fields  # ids are left out
    assert profile.default_region == "DE"
    assert "wrote" in capsys.readouterr().out


def test_plan_json_several_files_and_region(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "profile.json"
    files = [str(CORPUS / "salesforce_report.csv"), str(CORPUS / "hubspot_export.csv")]
    code = run(["plan", *files, "--object", "contacts", "--region", "us", "--out", str(out), "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["object"] == "contacts" and summary["default_region"] == "US"
    profile = load_profile(out)
    columns = [m.column for m in profile.fields]
    assert columns.count("Email") == 1  # in both files, mapped once
    assert {"Lifecycle Stage", "Mailing City", "City"} <= set(columns)
    tables = [load(f) for f in files]
    validate_profile(profile, builtin_schema("contacts"), column_sets=[t.columns for t in tables])


def test_plan_guesses_the_object(tmp_path: Path) -> None:
    out = tmp_path / "deals.yaml"
    assert run(["plan", str(CORPUS / "hubspot_deals.csv"), "--out", str(out)]) == 0
    profile = load_profile(out)
    assert profile.object == "deals"
    stage = next(m for m in profile.fields if m.field == "dealstage")
    assert stage.transforms == [{"map_values": {"mapping": {
        "Contract Sent": "contractsent", "Qualified To Buy": "qualifiedtobuy", "Closed Won": "closedwon"}}}]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "missing.csv", "--out", "p.yaml"], "no such file"),
        (["plan", "{corpus}/french.csv", "--region", "XX", "--out", "p.yaml"], "--region"),
        (["plan", "{corpus}/french.csv", "--object", "people", "--out", "p.yaml"], "people"),
        (["plan", "{corpus}/french.csv"], "--out"),
    ],
)
def test_plan_input_errors_exit_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    args: list[str], message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    code = run([a.replace("{corpus}", str(CORPUS)) for a in args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and err.count("\n") == 1
    assert "Traceback" not in err


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.name for p in SAMPLES])
def test_plan_on_every_sample_file(tmp_path: Path, sample: Path) -> None:
    out = tmp_path / "profile.yaml"
    assert run(["plan", str(sample), "--out", str(out)]) == 0
    profile = load_profile(out)
    table = load(sample)
    validate_profile(profile, builtin_schema(profile.object), table.columns)
    assert len(profile.fields) >= 5
    key = {"contacts": "email", "companies": "name", "deals": "dealname"}[profile.object]
    assert key in profile.mapped_fields()
    cleaned = tmp_path / "clean.csv"
    report = tmp_path / "report.json"
    assert run(["clean", str(sample), "--profile", str(out), "--out", str(cleaned), "--report", str(report)]) == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["rows_out"] > 0.8 * data["rows_in"]
    # a wrong mapping (phones in email...) would make most of a field invalid, messy data only some
    assert all(count < 0.25 * data["rows_in"] for count in data["invalid"].values()), data["invalid"]


def test_plan_unreachable_target_falls_back_to_builtin_fields(tmp_path: Path) -> None:
    out = tmp_path / "p.yaml"
    code = run(["plan", str(CORPUS / "french.csv"), "--target", "sandbox", "--url", "http://127.0.0.1:9",
                "--out", str(out)])
    assert code == 0
    assert load_profile(out).object == "contacts"


def test_plan_maps_custom_properties_of_a_live_sandbox(
    tmp_path: Path, sandbox_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    monkeypatch.setenv("CRM_MIGRATE_TOKEN", sandbox_server.token)
    response = httpx.post(
        f"{sandbox_server.url}/crm/v3/properties/contacts",
        headers={"Authorization": f"Bearer {sandbox_server.token}"},
        json={"name": "customer_tier", "label": "Customer Tier", "type": "string",
              "fieldType": "text", "groupName": "contactinformation"},
    )
    assert response.status_code in (200, 201)
    src = tmp_path / "tiers.csv"
    src.write_text("Email,Customer Tier\na@x.com,Gold\nb@y.com,Silver\n", encoding="utf-8")
    out = tmp_path / "p.yaml"
    assert run(["plan", str(src), "--object", "contacts", "--target", "sandbox", "--url",
                sandbox_server.url, "--out", str(out)]) == 0
    fields = {m.column: m.field for m in load_profile(out).fields}
    assert fields == {"Email": "email", "Customer Tier": "customer_tier"}


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("field: email", "field: emial", "unknown field 'emial' for contacts; did you mean 'email'"),
        ("column: E-mail Address", "column: E-mail Adress", "no such column in the file(s); did you mean"),
        ("  - email\n", "  - email: {strict: true}\n", "transform 'email': unknown argument 'strict'"),
    ],
)
def test_a_hand_edited_profile_with_a_mistake_is_named_by_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, message: str
) -> None:
    src = str(CORPUS / "outlook_desktop.csv")
    profile = tmp_path / "p.yaml"
    assert run(["plan", src, "--object", "contacts", "--out", str(profile)]) == 0
    text = profile.read_text(encoding="utf-8")
    assert old in text
    profile.write_text(text.replace(old, new, 1), encoding="utf-8")
    capsys.readouterr()
    code = run(["clean", src, "--profile", str(profile), "--out", str(tmp_path / "out.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and err.count("\n") == 1 and str(profile) in err


def test_planned_profile_pushes_unchanged_to_the_sandbox(tmp_path: Path, sandbox_server: Any) -> None:
    import httpx

    sample = REPO / "sample_data" / "erp_export.csv"
    if not sample.exists():
        pytest.skip("sample data not generated")
    profile = tmp_path / "p.yaml"
    assert run(["plan", str(sample), "--out", str(profile)]) == 0
    code = run(["push", str(sample), "--profile", str(profile), "--target", "sandbox", "--url",
                sandbox_server.url, "--journal", str(tmp_path / "run.journal")])
    assert code == 0
    stats = httpx.get(f"{sandbox_server.url}/_sandbox/stats").json()
    assert stats["records"]["contacts"] > 100
    found = httpx.post(
        f"{sandbox_server.url}/crm/v3/objects/contacts/search",
        headers={"Authorization": f"Bearer {sandbox_server.token}"},
        json={"filterGroups": [], "properties": ["email", "firstname", "lastname", "zip", "city"], "limit": 5},
    ).json()
    props = found["results"][0]["properties"]
    assert props["email"] and props["lastname"] and props["zip"] and props["city"]


def test_inspect_shows_the_suggestions(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["inspect", str(CORPUS / "composite.csv"), "--json"]) == 0
    columns = {c["name"]: c for c in json.loads(capsys.readouterr().out)["columns"]}
    assert columns["Email Address"]["suggested_field"] == "email"
    assert columns["Email Address"]["confidence"] >= 0.9
    assert columns["Contact"]["suggested_field"] is None
    assert columns["Contact"]["split_into"] == ["firstname", "lastname"]
    assert columns["City State Zip"]["split_into"] == ["city", "state", "zip"]
    assert columns["Notes"]["suggested_field"] is None
