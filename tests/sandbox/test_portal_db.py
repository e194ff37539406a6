"""`crm-migrate sandbox --portal customized` without --db gets its own database beside the
default one, so the next plain `crm-migrate sandbox` (and the embedded sandbox pushes use)
still serves the uncustomized portal; --db keeps the portal stored in that file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from crm_migrate.actions.sandbox import load_portal, portal_db_path
from crm_migrate.paths import sandbox_db_path


def _serve_once(args: list[str], data: Path) -> dict[str, str]:
    """Start the sandbox command, read its banner, ask for the deals pipelines, stop it."""
    env = {**os.environ, "CRM_MIGRATE_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "crm_migrate", "sandbox", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip() for _ in range(3)]
        banner = dict(line.split(": ", 1) for line in lines[1:])
        url, token = lines[0].split(" on ", 1)[1].split(" (token: ")
        answer = httpx.get(f"{url}/crm/v3/properties/deals",
                           headers={"Authorization": f"Bearer {token.rstrip(')')}"})
        banner["deal properties"] = ",".join(sorted(p["name"] for p in answer.json()["results"]))
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    return banner


def test_a_portal_without_db_leaves_the_default_db_plain(tmp_path: Path) -> None:
    data = tmp_path / "data"
    custom = _serve_once(["--portal", "customized"], data)
    assert custom["Database"] == str(data / "sandbox-customized.sqlite3")
    assert custom["Portal"] == "customized" and "forecast_probability" in custom["deal properties"]
    assert not (data / "sandbox.sqlite3").exists()
    plain = _serve_once([], data)
    assert plain["Database"] == str(data / "sandbox.sqlite3")
    assert plain["Portal"] == "plain" and "forecast_probability" not in plain["deal properties"]
    again = _serve_once(["--db", str(data / "sandbox-customized.sqlite3")], data)
    assert again["Portal"] == "customized"  # the portal stays stored in its own db


def test_portal_db_path_names(tmp_path: Path) -> None:
    default = sandbox_db_path()
    assert portal_db_path(None) == default == portal_db_path(load_portal("plain"))
    assert portal_db_path(load_portal("customized")) == default.with_name("sandbox-customized.sqlite3")
    acme = tmp_path / "Acme Corp.yaml"
    acme.write_text("name: Acme Corp!\n", encoding="utf-8")
    assert portal_db_path(load_portal(acme)).name == "sandbox-acme-corp.sqlite3"
