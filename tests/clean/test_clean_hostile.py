"""Hostile cells in the clean step: linear time, reported, never a traceback.

Sizes are where the old code was clearly slow (figures in bench/bench_hostile.py);
pytest-timeout is the guard, no test times itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from crm_migrate.clean.emails import _repair, normalize_emails
from crm_migrate.clean.numbers import _CURRENCY_AT_ENDS, normalize_numbers
from crm_migrate.clean.pipeline import clean_files
from crm_migrate.cli import run
from crm_migrate.mapping.profile import FieldMapping, Profile
from tests.sources import hostile


@pytest.mark.timeout(30)
def test_email_cell_without_at_of_60k_characters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # old: ~8 s at 20k characters, growing with the square (a run of spaces before no '@')
    path = hostile.email_without_at_csv(tmp_path / "email.csv", 60_000)
    profile = tmp_path / "p.yaml"
    profile.write_text("version: 1\nobject: contacts\nfields:\n  - {column: Name, field: firstname}\n"
                       "  - {column: Email, field: email}\n")
    report = tmp_path / "report.json"
    assert run(["clean", str(path), "--profile", str(profile), "--out", str(tmp_path / "out.csv"),
                "--report", str(report)]) == 0
    problems = [(i["row"], i["problem"]) for i in json.loads(report.read_text())["issues"]]
    assert (1, "not a valid email address (60,002 characters)") in problems
    assert "bob@example.com" in (tmp_path / "out.csv").read_text()


@pytest.mark.timeout(30)
def test_email_repairs_stay_linear_on_long_runs_of_spaces() -> None:
    spaces = " " * 200_000
    assert _repair("ann" + spaces + "(at)" + spaces + "example.com") == "ann@example.com"
    assert _repair("ann" + spaces + "at" + spaces + "example" + spaces + "(dot) com") == "ann@example.com"
    assert _repair("a" + spaces + "b") == "a" + spaces + "b"
    values = normalize_emails(pd.Series(["a" + spaces + "b", "Ann <ANN@Example.com>"]))
    assert values.values.tolist() == ["", "ann@example.com"]
    assert values.problems[0] == "not a valid email address (200,002 characters)"


@pytest.mark.timeout(30)
def test_number_cells_with_long_runs_of_spaces() -> None:
    # old: 90 s for one 32k-character cell (a currency looked for from every space)
    cell = "1" + " " * 100_000 + "x"
    assert _CURRENCY_AT_ENDS.sub("", cell) == cell
    assert _CURRENCY_AT_ENDS.sub("", "1 200" + " " * 100_000 + "€") == "1 200"
    result = normalize_numbers(pd.Series([cell, "€ 1.234,50"]))
    assert result.values.tolist() == ["", "1234.5"]
    assert result.problems[0] == "not a number"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("field", ["lastname", "date_of_birth", "phone", "company", "address"])
def test_a_cell_of_5_million_characters_is_reported_and_left_out(tmp_path: Path, field: str) -> None:
    # old: 60 s and 2.7 GB for a 50 MB cell mapped to a name; bench_hostile runs that size
    path = hostile.big_cell_csv(tmp_path / "big.csv", 5_000_000)
    profile = Profile(object="contacts", fields=[FieldMapping("Name", "firstname"),
                                                 FieldMapping("Email", "email"),
                                                 FieldMapping("Notes", field)])
    result = clean_files([str(path)], profile)
    problems = [(i.row, i.column, i.field, i.problem) for i in result.issues]
    assert (1, "Notes", field, "cell of 5,000,000 characters, longer than any CRM field takes (65,536): "
            "left out") in problems
    quoted = next(i.value for i in result.issues if i.field == field and i.row == 1)
    assert quoted == "word " * 16 + "…"
    assert result.frame[field].tolist()[0] == ""
    assert result.frame["email"].tolist() == ["ann@example.com", "bob@example.com"]
