"""Hostile inputs to the readers: one line, exit 2 (or a reported issue), bounded time and memory."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from crm_migrate.cli import run
from crm_migrate.sources import load
from tests.conftest import REPO
from tests.sources import hostile

MEMORY_CAP = 2 << 30  # address space for a subprocess: the old readers needed 5.9 GB to 512 GB


def cli_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run the CLI in-process; assert exit 2 and one line on stderr without a traceback."""
    code = run(list(args))
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    return err.strip()


def capped_inspect(path: Path) -> subprocess.CompletedProcess[str]:
    """`crm-migrate inspect` in a subprocess whose address space is capped at MEMORY_CAP."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    env = {**os.environ, "PYTHONPATH": str(REPO), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "RUST_BACKTRACE": "0"}
    return subprocess.run([sys.executable, "-m", "crm_migrate", "inspect", str(path)], env=env,
                          preexec_fn=cap, capture_output=True, text=True, timeout=60, check=False)


def assert_one_line_exit_2(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stderr[-2000:]
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr[-2000:]
    return done.stderr.strip()


@pytest.mark.timeout(60)
def test_xlsx_cell_at_the_last_possible_reference(tmp_path: Path) -> None:
    path = hostile.xlsx_with_cell(tmp_path / "far.xlsx", "XFD", 1_048_576)
    assert path.stat().st_size < 3000
    err = assert_one_line_exit_2(capped_inspect(path))
    assert "sheet 'Contacts' reaches XFD1048576" in err and "stray cell" in err


@pytest.mark.timeout(60)
def test_xlsx_area_inflated_by_one_stray_cell(tmp_path: Path) -> None:
    path = hostile.xlsx_with_cell(tmp_path / "stray.xlsx", "ZZ", 200_000, table_rows=100)
    err = assert_one_line_exit_2(capped_inspect(path))
    assert "reaches ZZ200000 (200,000 rows x 702 columns) but holds only 203 cells" in err


@pytest.mark.timeout(60)
def test_xlsx_reference_beyond_any_sheet(tmp_path: Path) -> None:
    path = hostile.xlsx_with_cell(tmp_path / "beyond.xlsx", "ZZZZ", 5)
    assert "beyond the largest sheet possible" in assert_one_line_exit_2(capped_inspect(path))


@pytest.mark.timeout(60)
def test_xlsx_with_a_stray_cell_near_the_table_still_loads(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = hostile.xlsx_with_cell(tmp_path / "near.xlsx", "H", 300, table_rows=100)
    assert run(["inspect", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["columns"][0]["name"] == "Name"


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("column", "row", "expected"), [
    (9_000, 9_000, "reaches MHD9000 (9,000 rows x 9,000 columns) but holds only 5 cells"),
    (16_384, 1_048_576, "reaches XFD1048576"),
    (100_000_000, 5, "beyond the largest sheet possible"),
])
def test_ods_area_inflated_by_repeated_blank_cells(tmp_path: Path, column: int, row: int,
                                                   expected: str) -> None:
    path = hostile.ods_with_cell(tmp_path / "stray.ods", column, row)
    assert path.stat().st_size < 3000
    assert expected in assert_one_line_exit_2(capped_inspect(path))


@pytest.mark.timeout(30)
def test_json_nested_2000_deep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = hostile.deep_json(tmp_path / "deep.json", 2000)
    assert "JSON nested deeper than 64 levels" in cli_error(capsys, "inspect", str(path))


@pytest.mark.timeout(30)
def test_json_record_nested_past_the_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = hostile.deep_json(tmp_path / "deep.json", 200)  # json parses it; the record is no table
    assert "record 1 is nested deeper than 64 levels" in cli_error(capsys, "inspect", str(path))


@pytest.mark.timeout(30)
def test_ndjson_line_nested_too_deep_is_skipped_and_reported(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = hostile.deep_ndjson(tmp_path / "deep.ndjson", 2000)
    assert run(["inspect", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rows"] == 2
    assert [i["problem"] for i in report["issues"]] == [
        "line 2 is nested deeper than 64 levels (not a table of records); skipped"]


@pytest.mark.timeout(60)
def test_csv_with_more_columns_than_a_sheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = hostile.wide_csv(tmp_path / "wide.csv", 20_000)
    err = cli_error(capsys, "inspect", str(path))
    assert "20,000 columns, more than the 16,384 a table may have (is ',' the delimiter?)" in err


@pytest.mark.timeout(60)
def test_json_with_more_keys_than_a_sheet_has_columns(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = hostile.wide_json(tmp_path / "wide.json", 20_000)
    assert "20,000 distinct keys (columns), more than the 16,384" in cli_error(capsys, "inspect", str(path))


@pytest.mark.timeout(30)
@pytest.mark.parametrize("command", ["inspect", "plan", "clean", "push"])
def test_fifo_device_and_directory_are_refused_without_blocking(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    fifo = tmp_path / "contacts.csv"
    os.mkfifo(fifo)  # nobody writes to it: opening it for reading would block forever
    profile = tmp_path / "p.yaml"
    profile.write_text("version: 1\nobject: contacts\nfields:\n  - {column: Email, field: email}\n")
    extra = {"inspect": [], "plan": ["--out", str(tmp_path / "out.yaml")],
             "clean": ["--profile", str(profile), "--out", str(tmp_path / "out.csv")],
             "push": ["--profile", str(profile), "--journal", str(tmp_path / "run.journal"), "--dry-run"]}
    for path, expected in ((fifo, "is a FIFO (named pipe), not a regular file"),
                           (Path("/dev/zero"), "is a device, not a regular file"),
                           (tmp_path, "directory")):  # click's own words for `push`
        err = cli_error(capsys, command, str(path), *extra[command])
        assert str(path) in err and expected in err


@pytest.mark.timeout(30)
def test_vcard_value_folded_over_40k_lines(tmp_path: Path) -> None:
    # old: 23 s (the logical line copied at every fold)
    table = load(hostile.folded_vcard(tmp_path / "fold.vcf", 40_000))
    assert table.frame["Full Name"].tolist() == ["Ann Lee"]
    assert len(table.frame["Note"].tolist()[0]) == 74 * 40_001


def test_quoted_printable_soft_breaks_still_join(tmp_path: Path) -> None:
    path = tmp_path / "qp.vcf"
    path.write_bytes(b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:J=C3=B6rg =\r\n"
                     b"M=C3=BCller\r\nNOTE;ENCODING=QUOTED-PRINTABLE:line one=\r\ntwo=\r\nthree\r\nEND:VCARD\r\n")
    table = load(path)
    assert table.frame["Full Name"].tolist() == ["Jörg Müller"]
    assert table.frame["Note"].tolist() == ["line onetwothree"]
