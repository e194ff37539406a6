"""Helpers for push-engine tests: build cleaned records directly, read the sandbox back, run
a real push subprocess up to a pause point."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from crm_migrate.cli import run
from crm_migrate.mapping.profile import FieldMapping, Profile
from crm_migrate.model import CleanResult, OutputRecord


def contact(i: int, **extra: str) -> OutputRecord:
    """A cleaned contact record."""
    props = {"email": f"person{i}@example.com", "firstname": f"First{i}",
             "lastname": f"Last{i}", **extra}
    return OutputRecord(source=f"people.csv:{i}", properties=props, key=props["email"],
                        members=[f"people.csv:{i}"])


def clean_result(records: list[OutputRecord], object_name: str = "contacts") -> CleanResult:
    """A CleanResult around records."""
    frame = pd.DataFrame([{**r.properties, "_source": r.source} for r in records]).fillna("")
    return CleanResult(object=object_name, frame=frame, rows_in=len(records), records=records)


def profile(object_name: str = "contacts") -> Profile:
    return Profile(object=object_name, fields=[FieldMapping(column="Email", field="email")])


def all_records(url: str, object_name: str = "contacts",
                properties: tuple[str, ...] = ("email", "firstname", "lastname", "company", "jobtitle",
                                               "crm_migrate_id", "name", "domain"),
                ) -> list[dict[str, Any]]:
    """Every live record of an object in the sandbox, over HTTP."""
    from crm_migrate.sandbox import DEFAULT_TOKEN

    out: list[dict[str, Any]] = []
    after = None
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}) as c:
        while True:
            params: list[tuple[str, str]] = [("limit", "100")]
            params += [("properties", p) for p in properties]
            if after:
                params.append(("after", after))
            data = c.get(f"/crm/v3/objects/{object_name}", params=params).json()
            out += data["results"]
            after = (data.get("paging") or {}).get("next", {}).get("after")
            if not after:
                return out


@pytest.fixture
def input_file(tmp_path: Any) -> str:
    """A stand-in input file (its hash is journalled)."""
    path = tmp_path / "people.csv"
    path.write_text("Email\nx@example.com\n")
    return str(path)


CONTACTS_PROFILE = """version: 1
object: contacts
fields:
  - column: Email
    field: email
  - column: First Name
    field: firstname
  - column: Company
    field: company
"""


def write_contacts(folder: Path, rows: int) -> tuple[Path, Path]:
    """people.csv (Email, First Name, Company over four companies) and its profile."""
    csv = folder / "people.csv"
    lines = ["Email,First Name,Company"]
    lines += [f"p{i}@example.com,Ann{i},Org{i % 4}" for i in range(1, rows + 1)]
    csv.write_text("\n".join(lines) + "\n")
    prof = folder / "profile.yaml"
    prof.write_text(CONTACTS_PROFILE)
    return csv, prof


def push_until_paused(folder: Path, url: str, point: str, rows: int,
                      *extra: str) -> tuple[subprocess.Popen[str], Path]:
    """A real `python -m crm_migrate push` subprocess of `rows` contacts, held at a pause point
    (see push.sender.pause_point); returns the process and its journal."""
    csv, prof = write_contacts(folder, rows)
    journal = folder / "run.journal"
    marker = folder / "paused"
    env = {**os.environ, "CRM_MIGRATE_TEST_PAUSE_AT": point,
           "CRM_MIGRATE_TEST_PAUSE_FILE": str(marker)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "crm_migrate", "push", str(csv), "--profile", str(prof),
         "--target", "sandbox", "--url", url, "--journal", str(journal), *extra],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    while not marker.exists():
        if proc.poll() is not None:
            assert proc.stderr is not None
            pytest.fail(f"push ended before pausing at {point}: {proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"push never reached {point}")
        time.sleep(0.05)
    return proc, journal


def kill_9(proc: subprocess.Popen[str]) -> None:
    """SIGKILL, as a crash or power loss would stop it."""
    import signal

    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the CLI: exit 2 and one line on stderr, no traceback; that line."""
    code = run(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    return err
