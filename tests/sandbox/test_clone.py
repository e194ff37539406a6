"""`sandbox --clone hubspot`: a customized sandbox over loopback plays the real portal; the clone
must serve the same properties, options, pipelines and owners, and copy records' keys."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from crm_migrate.actions.sandbox import clone_portal
from crm_migrate.errors import CrmMigrateError
from crm_migrate.sandbox import DEFAULT_TOKEN
from crm_migrate.sandbox.serve import SandboxServer
from tests.sandbox.conftest import AUTH

ID_PROP = {"name": "crm_migrate_id", "label": "id", "type": "string", "fieldType": "text",
           "groupName": "companyinformation", "hasUniqueValue": True}


def _portal_view(url: str) -> dict[str, Any]:
    """Everything a clone must reproduce, as the sandbox at url answers it."""
    with httpx.Client(base_url=url, headers=AUTH) as client:
        view: dict[str, Any] = {}
        for obj in ("contacts", "companies", "deals"):
            props = client.get(f"/crm/v3/properties/{obj}").json()["results"]
            view[f"properties/{obj}"] = {p["name"]: p for p in props}
        view["pipelines"] = client.get("/crm/v3/pipelines/deals").json()
        view["owners"] = client.get("/crm/v3/owners").json()
        view["owners/archived"] = client.get("/crm/v3/owners", params={"archived": "true"}).json()
        return view


def _seed(url: str) -> None:
    with httpx.Client(base_url=url, headers=AUTH) as client:
        assert client.post("/crm/v3/properties/companies", json=ID_PROP).status_code == 201
        contacts = [{"properties": {"email": f"c{i}@example.com", "firstname": f"F{i}",
                                    "lastname": f"L{i}", "nps_score": "9"}} for i in range(7)]
        assert client.post("/crm/v3/objects/contacts/batch/create",
                           json={"inputs": contacts}).status_code == 201
        companies = [{"properties": {"domain": f"co{i}.example", "name": f"Co {i}",
                                     "industry": "RETAIL", "crm_migrate_id": f"k{i}"}}
                     for i in range(4)]
        assert client.post("/crm/v3/objects/companies/batch/create",
                           json={"inputs": companies}).status_code == 201
        deal = {"dealname": "Renewal 1", "pipeline": "705209413", "dealstage": "1032914262",
                "forecast_probability": "40"}
        assert client.post("/crm/v3/objects/deals", json={"properties": deal}).status_code == 201


def test_a_clone_serves_what_the_source_serves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    monkeypatch.setenv("CRM_MIGRATE_TOKEN", DEFAULT_TOKEN)  # as for a push: env after keyring
    clone_db = tmp_path / "clone.sqlite3"
    with SandboxServer(tmp_path / "source.sqlite3", portal="customized") as source:
        _seed(source.url)
        before = _portal_view(source.url)
        counts_before = source.stats()["records"]
        summary = clone_portal(clone_db, url=source.url, with_records=5)
        assert _portal_view(source.url) == before  # read-only on the source
        assert source.stats()["records"] == counts_before
    assert summary.pipelines == 2 and summary.owners == 5
    assert summary.records == {"contacts": 5, "companies": 4, "deals": 1}
    assert "Cloned into" in summary.text()
    with SandboxServer(clone_db) as clone:
        after = _portal_view(clone.url)
        for key in before:
            assert after[key] == before[key], key
        with httpx.Client(base_url=clone.url, headers=AUTH) as client:
            people = client.get("/crm/v3/objects/contacts",
                                params={"properties": "email,firstname,nps_score"}).json()
            assert [p["properties"]["email"] for p in people["results"]] == [
                f"c{i}@example.com" for i in range(5)]
            assert people["results"][0]["properties"]["firstname"] == "F0"
            assert people["results"][0]["properties"]["nps_score"] is None  # keys and names only
            found = client.get("/crm/v3/objects/companies/k2",
                               params={"idProperty": "crm_migrate_id", "properties": "name"})
            assert found.json()["properties"]["name"] == "Co 2"
            # the clone validates as the source does
            bad = client.post("/crm/v3/objects/companies",
                              json={"properties": {"name": "X", "industry": "Retail"}})
            assert bad.status_code == 400
            assert bad.json()["errors"][0]["code"] == "INVALID_OPTION"
    with pytest.raises(CrmMigrateError, match="already exists"):
        clone_portal(clone_db, url="http://127.0.0.1:9")


def test_a_failed_clone_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_MIGRATE_TOKEN", "wrong-token")
    target = tmp_path / "never.sqlite3"
    with SandboxServer(tmp_path / "s.sqlite3", portal="customized") as source:
        with pytest.raises(CrmMigrateError):
            clone_portal(target, url=source.url)
    assert not target.exists()


def _cli(args: list[str], tmp_path: Path, token: str | None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CRM_MIGRATE_DATA_DIR": str(tmp_path / "data")}
    env.pop("CRM_MIGRATE_TOKEN", None)
    if token:
        env["CRM_MIGRATE_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "crm_migrate", "sandbox", *args],
                          capture_output=True, text=True, env=env, timeout=60)


def test_cli_clone_and_its_usage_errors(tmp_path: Path) -> None:
    with SandboxServer(tmp_path / "s.sqlite3", portal="customized") as source:
        db = tmp_path / "cli-clone.sqlite3"
        done = _cli(["--clone", "hubspot", "--url", source.url, "--db", str(db),
                     "--with-records", "2"], tmp_path, DEFAULT_TOKEN)
        assert done.returncode == 0, done.stderr
        assert "Cloned into" in done.stdout and "2 deal pipelines" in done.stdout
        assert db.exists()
        again = _cli(["--clone", "hubspot", "--url", source.url, "--db", str(db)], tmp_path,
                     DEFAULT_TOKEN)
        assert again.returncode == 2 and "already exists" in again.stderr
        no_db = _cli(["--clone", "hubspot", "--url", source.url], tmp_path, DEFAULT_TOKEN)
        assert no_db.returncode == 2 and "--db" in no_db.stderr
        no_token = _cli(["--clone", "hubspot", "--url", source.url, "--db",
                         str(tmp_path / "x.sqlite3")], tmp_path, None)
        assert no_token.returncode == 2 and "credentials" in no_token.stderr
        for result in (again, no_db, no_token):
            assert "Traceback" not in result.stderr
            assert len(result.stderr.strip().splitlines()) == 1


def test_cli_bad_portal_file_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("properties:\n  contacts:\n    - {name: a, type: enumeration, options: [x\n",
                   encoding="utf-8")
    done = _cli(["--port", "0", "--db", str(tmp_path / "d.sqlite3"), "--portal", str(bad)],
                tmp_path, None)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "not valid YAML" in lines[0]
    scopes = _cli(["--port", "0", "--token-scopes", "nothing-here"], tmp_path, None)
    assert scopes.returncode == 2 and "TOKEN=SCOPE" in scopes.stderr
