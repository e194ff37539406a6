"""Formula-safe writers: neutralise per CONTRACT.md, CSV and XLSX, private files, JSON report."""

from __future__ import annotations

import csv
import json
import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from crm_migrate.errors import CrmMigrateError
from crm_migrate.mapping.profile import FieldMapping, Profile, save_profile
from crm_migrate.output import neutralise, neutralise_series, write_report, write_table

DANGEROUS = ["=1+1", "@SUM(A1)", "\tx", "\rx", "+cmd|' /C calc'!A0", "-2+3", "=HYPERLINK(\"http://x\")",
             "- item", "+A1"]
SAFE = ["+14155550123", "-12.5", "+1 (415) 555-0123", "+14155550123;ext=12", "hello", "", "-", "1,234",
        "-1,234.50", "a=b"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_looking_values_get_a_quote(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", SAFE)
def test_numbers_phones_and_text_stay(value: str) -> None:
    assert neutralise(value) == value


def test_vectorised_matches_scalar() -> None:
    values = DANGEROUS + SAFE + ["+\n=1"]
    assert list(neutralise_series(pd.Series(values))) == [neutralise(v) for v in values]


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"email": ["=cmd|x", "bob@x.com", "@evil"],
                         "phone": ["+14155550123", "-3", "+1 (415) 555-0123"],
                         "=header": ["a", "", "b"]})


def test_csv_is_neutralised(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_table(_frame(), path)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["email", "phone", "'=header"]
    assert rows[1] == ["'=cmd|x", "+14155550123", "a"]
    assert rows[3] == ["'@evil", "+1 (415) 555-0123", "b"]


def test_xlsx_has_no_formula_cells(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "out.xlsx"
    write_table(_frame(), path)
    sheet = load_workbook(path).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert cells and all(c.data_type == "s" for c in cells)
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1] == ["'=cmd|x", "+14155550123", "a"]
    assert values[2][1] == "-3"


def test_private_files_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "errors.csv"
    write_table(_frame(), path, private=True)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    xlsx = tmp_path / "errors.xlsx"
    write_table(_frame(), xlsx, private=True)
    assert stat.S_IMODE(os.stat(xlsx).st_mode) == 0o600
    assert not list(tmp_path.glob(".*.tmp"))


def test_bad_extension_and_report(tmp_path: Path) -> None:
    with pytest.raises(CrmMigrateError):
        write_table(_frame(), tmp_path / "out.pdf")
    write_report({"rows_in": 1, "issues": [{"value": "Jürgen"}]}, tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["issues"][0]["value"] == "Jürgen"


def test_outputs_reports_and_profiles_are_owner_only(tmp_path: Path) -> None:
    frame = pd.DataFrame({"email": ["a@x.com"], "firstname": ["Ann"]})
    write_table(frame, tmp_path / "out.csv")
    write_table(frame, tmp_path / "out.xlsx")
    write_report({"rows": 1}, tmp_path / "report.json")
    save_profile(Profile(object="contacts", fields=[FieldMapping(column="Email", field="email")]),
                 tmp_path / "profile.yaml")
    for name in ("out.csv", "out.xlsx", "report.json", "profile.yaml"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "out.csv", "out.xlsx", "profile.yaml", "report.json"]  # no temporary file left


def test_a_planted_symlink_beside_the_output_is_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "out.csv"
    # the names the temporary file used to have (predictable: pid-based), each a trap
    for name in (f".out.csv.{os.getpid()}.tmp", f".out.csv.{os.getpid()}.partial"):
        (tmp_path / name).symlink_to(victim)
    write_table(pd.DataFrame({"email": ["a@x.com"]}), out)
    assert victim.read_text() == "keep me"
    assert not out.is_symlink() and "a@x.com" in out.read_text()
    # a symlink planted AT the target is replaced, not written through
    out.unlink()
    out.symlink_to(victim)
    write_table(pd.DataFrame({"email": ["b@x.com"]}), out)
    assert victim.read_text() == "keep me" and not out.is_symlink()
