"""Usage mistakes are one line and exit 2 before anything happens: a malformed --url is not an
outage to resume, and a push onto an existing journal is refused before cleaning or any request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.push.conftest import one_line_error, write_contacts


@pytest.mark.parametrize("url", ["htp://127.0.0.1:8765", "http://", "localhost:8765",
                                 "http://127.0.0.1:99999", "http://exa mple.com"])
def test_a_malformed_url_is_a_usage_error_not_an_outage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    csv, prof = write_contacts(tmp_path, 3)
    journal = tmp_path / "run.journal"
    err = one_line_error(capsys, ["push", str(csv), "--profile", str(prof), "--target", "sandbox",
                            "--url", url, "--journal", str(journal)])
    assert "not a usable URL" in err and "resume" not in err
    assert not journal.exists()


def test_push_onto_an_existing_journal_is_refused_before_cleaning_or_any_request(
    sandbox_server: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, prof = write_contacts(tmp_path, 3)
    unreadable = tmp_path / "broken.csv"
    unreadable.write_bytes(b"\x00\x01garbage that cleaning would refuse\x00" * 10)
    journal = tmp_path / "run.journal"
    journal.write_text("an earlier run")
    before = httpx.get(f"{sandbox_server.url}/_sandbox/stats").json()["requests"]
    err = one_line_error(capsys, ["push", str(unreadable), "--profile", str(prof), "--target",
                            "sandbox", "--url", sandbox_server.url, "--journal", str(journal)])
    assert "already exists" in err
    assert httpx.get(f"{sandbox_server.url}/_sandbox/stats").json()["requests"] == before
    assert journal.read_text() == "an earlier run"
