"""Issue 14's small items, each on the real commands: rollback asks (and refuses to guess when
nobody can answer), plan keeps a hand-edited profile, no lock file outlives its run, one number
format, the help says what a plain `crm-migrate` does and the real page size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crm_migrate.cli import run
from tests.push.conftest import write_contacts

CORPUS = Path(__file__).resolve().parent.parent / "data" / "headers"


def _pushed(tmp_path: Path, rows: int) -> Path:
    csv, prof = write_contacts(tmp_path, rows)
    journal = tmp_path / "run.journal"
    assert run(["push", str(csv), "--profile", str(prof), "--target", "sandbox",
                "--journal", str(journal), "--no-associations"]) == 0
    return journal


def test_rollback_asks_and_no_means_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch,
                                            isolated_env: dict[str, Any]) -> None:
    journal = _pushed(tmp_path, 1)
    assert not journal.with_name("run.journal.lock").exists()  # the run's lock went with it
    capsys.readouterr()
    # stdin is no terminal (a pipe, a script): refuse without --yes rather than roll back
    assert run(["rollback", str(journal)]) == 2
    err = capsys.readouterr().err
    assert "--yes" in err and "run.journal" in err and len(err.strip().splitlines()) == 1
    assert run(["status", str(journal), "--json"]) == 0
    assert '"state": "completed"' in capsys.readouterr().out
    # at a terminal: "n" leaves the run alone, exit 1
    import crm_migrate.commands.push as push_commands

    monkeypatch.setattr(push_commands, "_stdin_is_terminal", lambda: True)
    monkeypatch.setattr("sys.stdin", _Answer("n\n"))
    assert run(["rollback", str(journal)]) == 1
    out = capsys.readouterr().out
    assert "Archive the 1 record this run created" in out and "nothing rolled back" in out
    monkeypatch.setattr("sys.stdin", _Answer("y\n"))
    assert run(["rollback", str(journal)]) == 0
    out = capsys.readouterr().out
    assert "rolled back: 1 record undone" in out and out.count("rolled back") == 1
    assert not journal.with_name("run.journal.lock").exists()
    assert run(["status", str(journal)]) == 0
    out = capsys.readouterr().out
    assert "rolled back" in out and out.count("rolled back") == 1
    assert "undone by the rollback: 1 record" in out
    # again: no question promising to archive the record once more, no second "rolled back: 1
    # record undone" as if it happened now
    monkeypatch.setattr("sys.stdin", _Answer("y\n"))
    assert run(["rollback", str(journal)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == ["already rolled back: 1 record undone earlier; nothing to do"]


class _Answer:
    """A stdin that answers one line."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines(keepends=True)

    def readline(self, *args: Any) -> str:
        return self.lines.pop(0) if self.lines else ""

    def isatty(self) -> bool:
        return True


def test_counts_have_thousands_separators(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          isolated_env: dict[str, Any]) -> None:
    journal = _pushed(tmp_path, 1_200)
    out = capsys.readouterr().out
    assert "completed: 1,200/1,200 done (created 1,200" in out
    assert run(["status", str(journal)]) == 0
    assert "1,200/1,200 done" in capsys.readouterr().out


def test_plan_keeps_an_existing_profile_without_force(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "profile.yaml"
    out.write_text("# edited by hand\nversion: 1\nobject: contacts\nfields: []\n")
    args = ["plan", str(CORPUS / "german_erp.csv"), "--object", "contacts", "--out", str(out)]
    assert run(args) == 2
    err = capsys.readouterr().err
    assert "--force" in err and "profile.yaml" in err
    assert out.read_text().startswith("# edited by hand")
    assert run([*args, "--force"]) == 0
    assert out.read_text().startswith("# crm-migrate mapping profile")


def test_help_says_a_plain_command_opens_the_wizard(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "With no command, crm-migrate opens the interactive wizard" in text


def test_a_file_where_a_command_goes_gets_the_commands_that_take_it(
        capsys: pytest.CaptureFixture[str]) -> None:
    """`crm-migrate contacts.csv` (a new user's first try) names the wizard's and inspect's way."""
    assert run(["sample_data/outlook contacts.csv"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("crm-migrate: No such command 'sample_data/outlook contacts.csv'. To open it in the "
                   "wizard: crm-migrate tui 'sample_data/outlook contacts.csv'; to look at it: "
                   "crm-migrate inspect 'sample_data/outlook contacts.csv'")
    assert run(["bogus"]) == 2
    assert capsys.readouterr().err.strip() == "crm-migrate: No such command 'bogus'."


def test_a_piped_push_says_finished_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    _pushed(tmp_path, 30)
    lines = capsys.readouterr().err.splitlines()
    finished = [line for line in lines if line.startswith("finished")]
    assert len(finished) == 1, lines


def test_rollback_asks_about_the_companies_a_run_made_too(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        isolated_env: dict[str, Any]) -> None:
    """A contacts run that created companies archives them too: the question says so (its
    progress counted 21,948 writes after asking about 19,948 records)."""
    import crm_migrate.commands.push as push_commands

    csv, prof = write_contacts(tmp_path, 3)
    journal = tmp_path / "run.journal"
    assert run(["push", str(csv), "--profile", str(prof), "--target", "sandbox", "--journal", str(journal)]) == 0
    capsys.readouterr()
    monkeypatch.setattr(push_commands, "_stdin_is_terminal", lambda: True)
    monkeypatch.setattr("sys.stdin", _Answer("n\n"))
    assert run(["rollback", str(journal)]) == 1
    assert "Archive the 3 records and 3 companies this run created" in capsys.readouterr().out


def test_the_help_screen_gives_the_real_page_size() -> None:
    from crm_migrate.tui.screens.help import GENERAL
    from crm_migrate.tui.widgets.paged_table import PAGE_SIZE, PagedTable

    assert f"Tables show {PAGE_SIZE} rows at a time" in GENERAL
    assert PagedTable().page_size == PAGE_SIZE
