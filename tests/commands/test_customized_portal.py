"""Issue 12's rehearsal against a real-looking portal, end to end through the CLI: every sample
file is planned against `sandbox --portal customized` (its value maps pre-filled from the
portal's live schema), pushed with 0 failed rows, and every enumeration value read back over
the API is one of the portal's internal values (deal stages of the deal's own pipeline, owners
by id, multi-selects part by part). A clone of that portal (`sandbox --clone hubspot`) takes
the same files exactly as the source does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from crm_migrate.cli import run
from crm_migrate.identity import RUN_PROPERTY
from crm_migrate.sandbox import DEFAULT_TOKEN
from crm_migrate.sandbox.serve import SandboxServer
from crm_migrate.sources import load

REPO = Path(__file__).resolve().parent.parent.parent
SAMPLES = REPO / "sample_data"
CONTACT_FILES = ["contacts.vcf", "customers.xlsx", "erp_export.csv", "google_contacts.csv",
                 "outlook_contacts.csv"]
ALL_FILES = [*CONTACT_FILES, "companies.xlsx", "deals.csv"]
OBJECTS = ("contacts", "companies", "deals")
AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
# what differs between two portals given the same rows: ids, clocks, the run's own id
VOLATILE = {"hs_object_id", "createdate", "lastmodifieddate", "hs_lastmodifieddate", RUN_PROPERTY,
            "crm_migrate_id"}


def _run_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    capsys.readouterr()
    assert run(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def _plan_and_push(sample: str, url: str, folder: Path,
                   capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], Path]:
    """plan --target sandbox (value maps pre-filled from the live schema), push, status --json."""
    folder.mkdir(parents=True, exist_ok=True)
    path = SAMPLES / sample
    profile = folder / f"{sample}.profile.yaml"
    journal = folder / f"{sample}.journal"
    assert run(["plan", str(path), "--target", "sandbox", "--url", url,
                "--out", str(profile)]) == 0
    capsys.readouterr()
    code = run(["push", str(path), "--profile", str(profile), "--target", "sandbox", "--url", url,
                "--journal", str(journal)])
    captured = capsys.readouterr()
    errors = Path(f"{journal}.errors.csv")
    shown = errors.read_text(encoding="utf-8")[:2000] if errors.exists() else captured.err
    assert code == 0, f"{sample}: push exited {code}: {shown}"
    return _run_json(capsys, "status", str(journal), "--json"), profile


def _portal(client: httpx.Client) -> dict[str, Any]:
    """The portal's properties per object, deal pipelines and owners, as its API serves them."""
    props = {obj: client.get(f"/crm/v3/properties/{obj}").json()["results"] for obj in OBJECTS}
    pipelines = client.get("/crm/v3/pipelines/deals").json()["results"]
    owners = client.get("/crm/v3/owners").json()["results"]
    return {"properties": props, "pipelines": pipelines, "owners": owners}


def _records(client: httpx.Client, obj: str, names: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = None
    while True:
        params: list[tuple[str, str]] = [("limit", "100"), *(("properties", n) for n in names)]
        if after:
            params.append(("after", after))
        data = client.get(f"/crm/v3/objects/{obj}", params=params).json()
        out += data["results"]
        after = (data.get("paging") or {}).get("next", {}).get("after")
        if not after:
            return out


def _enumeration_violations(client: httpx.Client) -> tuple[list[str], dict[str, int]]:
    """Every enumeration value stored in the portal that is none of its options (per record,
    property and part), and how many values of each object.property were checked."""
    portal = _portal(client)
    stages = {p["id"]: {s["id"] for s in p["stages"] if not s.get("archived")}
              for p in portal["pipelines"]}
    owner_ids = {o["id"] for o in portal["owners"]}
    bad: list[str] = []
    checked: dict[str, int] = {}
    for obj, props in portal["properties"].items():
        enums = {p["name"]: p for p in props if p["type"] == "enumeration"}
        for record in _records(client, obj, sorted(enums)):
            values = record["properties"]
            for name, prop in enums.items():
                value = values.get(name)
                if value in (None, ""):
                    continue
                if name == "dealstage":
                    allowed = stages.get(values.get("pipeline") or "", set())
                elif prop.get("referencedObjectType") == "OWNER":
                    allowed = owner_ids
                else:
                    allowed = {o["value"] for o in prop.get("options") or [] if not o.get("hidden")}
                parts = value.split(";") if prop.get("fieldType") == "checkbox" else [value]
                for part in parts:
                    checked[f"{obj}.{name}"] = checked.get(f"{obj}.{name}", 0) + 1
                    if part not in allowed:
                        bad.append(f"{obj} {record['id']} {name}={part!r}")
    return bad, checked


@pytest.fixture
def customized(tmp_path: Path) -> Any:
    with SandboxServer(tmp_path / "customized.sqlite3", portal="customized") as server:
        yield server


@pytest.mark.parametrize("sample", ALL_FILES)
def test_each_sample_file_pushes_into_the_customized_portal_with_options_only(
    sample: str, customized: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    status, profile = _plan_and_push(sample, customized.url, tmp_path / "run", capsys)
    rows = len(load(str(SAMPLES / sample)).frame)
    assert status["failed"] == 0 and status["state"] == "completed", status
    assert 0 < status["total"] <= rows  # duplicates within the file were merged by dedupe
    assert status["created"] + status["updated"] + status["skipped"] == status["total"]
    assert status["companies"]["failed"] == 0  # companies a contacts run creates
    with httpx.Client(base_url=customized.url, headers=AUTH) as client:
        bad, checked = _enumeration_violations(client)
        assert bad == [], bad[:10]
        if sample == "companies.xlsx":  # industry went out as HubSpot's internal values
            assert checked.get("companies.industry", 0) >= 100
        if sample == "deals.csv":
            for name in ("dealstage", "pipeline", "hubspot_owner_id"):
                assert checked.get(f"deals.{name}") == rows, name
            deals = _records(client, "deals", ["dealname", "pipeline", "dealstage",
                                               "forecast_probability"])
            assert {d["properties"]["pipeline"] for d in deals} == {"default", "705209413"}
            # the portal's required custom "Forecast Probability (%)" holds percent points
            probabilities = {float(d["properties"]["forecast_probability"]) for d in deals}
            assert probabilities == {float(n) for n in range(0, 101, 10)}  # "70%" -> 70
            by_name = {d["properties"]["dealname"]: d["properties"] for d in deals}
            one = by_name["North Outfitters Ltd - Renewal"]  # 10%, Contract Sent in Renewals
            assert float(one["forecast_probability"]) == 10
            assert one["pipeline"] == "705209413" and one["dealstage"] == "1032914265"
    text = profile.read_text(encoding="utf-8")
    if sample == "deals.csv":  # plan mapped the owner names and Probability from the live schema
        assert "field: hubspot_owner_id" in text and "field: forecast_probability" in text


def _outcome(url: str) -> dict[str, list[str]]:
    """Every record of every object, its properties without ids, clocks and run ids, sorted."""
    out: dict[str, list[str]] = {}
    with httpx.Client(base_url=url, headers=AUTH) as client:
        props = _portal(client)["properties"]
        for obj in OBJECTS:
            names = sorted(p["name"] for p in props[obj] if p["name"] not in VOLATILE)
            records = _records(client, obj, names)
            out[obj] = sorted(json.dumps({k: v for k, v in r["properties"].items()
                                          if k not in VOLATILE}, sort_keys=True) for r in records)
    return out


COUNTS = ("total", "created", "updated", "failed", "skipped", "state")


def test_the_sample_files_push_into_a_clone_exactly_as_into_its_source(
    tmp_path: Path, customized: Any, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CRM_MIGRATE_TOKEN", DEFAULT_TOKEN)  # the clone reads the source with it
    clone_db = tmp_path / "clone.sqlite3"
    assert run(["sandbox", "--clone", "hubspot", "--url", customized.url,
                "--db", str(clone_db)]) == 0
    samples = ["customers.xlsx", "companies.xlsx", "deals.csv"]
    with SandboxServer(clone_db) as clone:
        outcomes = {}
        for name, url in (("source", customized.url), ("clone", clone.url)):
            statuses = []
            for sample in samples:
                status, _ = _plan_and_push(sample, url, tmp_path / name, capsys)
                statuses.append({k: status[k] for k in COUNTS})
            outcomes[name] = (statuses, _outcome(url))
        source_status, source_records = outcomes["source"]
        clone_status, clone_records = outcomes["clone"]
    assert clone_status == source_status
    assert all(s["failed"] == 0 for s in source_status)
    for obj in OBJECTS:
        assert len(clone_records[obj]) == len(source_records[obj]) > 0, obj
        assert clone_records[obj] == source_records[obj], obj
    profiles = [(tmp_path / n / "deals.csv.profile.yaml").read_text(encoding="utf-8")
                for n in ("source", "clone")]
    assert profiles[0] == profiles[1]  # the clone's live schema planned the same value maps
