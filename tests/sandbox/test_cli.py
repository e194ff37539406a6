"""`crm-migrate sandbox` as a subprocess: prints its URL, serves, stops cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

LINE = re.compile(r"^Sandbox CRM listening on (http://[\d.]+:\d+) \(token: (\S+)\)$")


def _start(args: list[str], env_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "CRM_MIGRATE_DATA_DIR": str(env_dir), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "crm_migrate", "sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_cli_serves_and_stops_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    db = tmp_path / "cli.sqlite3"
    proc = _start(["--port", "0", "--db", str(db), "--token", "t0k"], tmp_path)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        match = LINE.match(first)
        assert match, first
        url, token = match.groups()
        assert token == "t0k"
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
            created = client.post(
                "/crm/v3/objects/contacts", json={"properties": {"email": "cli@example.com"}}
            )
            assert created.status_code == 201
            assert client.get("/_sandbox/stats").json()["records"]["contacts"] == 1
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "stopped" in out
    assert db.exists()


def test_cli_default_db_and_busy_port(tmp_path: Path) -> None:
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    try:
        proc = _start(["--port", str(port)], tmp_path / "data")
        out, err = proc.communicate(timeout=20)
    finally:
        busy.close()
    assert proc.returncode == 2
    assert f"127.0.0.1:{port}" in err and "--port" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert (tmp_path / "data").is_dir()  # the default db's dir is created when needed
