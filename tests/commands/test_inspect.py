"""`crm-migrate inspect`: detection facts on every sample file, bad input, readable output."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from crm_migrate.cli import run
from tests.conftest import SAMPLE_DATA

# What sample_data/generate.py writes (see the constants and comments there).
EXPECTED = {
    "outlook_contacts.csv": ("csv", "utf-8-sig", ",", None, [], 0, 218),
    "google_contacts.csv": ("csv", "utf-8", ",", None, [], 0, 127),
    "erp_export.csv": ("csv", "cp1252", ";", None, [], 0, 156),
    "deals.csv": ("csv", "utf-8", ",", None, [], 0, 250),
    "customers.xlsx": ("xlsx", None, None, "Customers", ["Notes", "Customers"], 3, 191),
    "companies.xlsx": ("xlsx", None, None, "Companies", ["Companies"], 0, 206),
    "contacts.vcf": ("vcf", "utf-8", None, None, [], None, 154),
}


def inspect_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    code = run(["inspect", *args, "--json"])
    out = capsys.readouterr().out
    assert code == 0
    return json.loads(out)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_data_detection(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    report = inspect_json(capsys, str(SAMPLE_DATA / name))
    fmt, encoding, delimiter, sheet, sheets, header_row, rows = EXPECTED[name]
    assert report["format"] == fmt
    assert report["encoding"] == encoding
    assert report["delimiter"] == delimiter
    assert report["sheet"] == sheet
    assert report["sheets"] == sheets
    assert report["header_row"] == header_row
    assert report["rows"] == rows
    assert report["path"] == str(SAMPLE_DATA / name)
    for column in report["columns"]:
        assert set(column) >= {"name", "non_empty", "unique", "sample", "suggested_field",
                               "confidence"}
        assert column["non_empty"] <= rows
        assert column["unique"] <= column["non_empty"]
        if "split_into" in column:
            assert column["split_into"]
            assert column["suggested_field"] is None


def test_sample_columns_read_right(capsys: pytest.CaptureFixture[str]) -> None:
    erp = inspect_json(capsys, str(SAMPLE_DATA / "erp_export.csv"))
    names = [c["name"] for c in erp["columns"]]
    assert names[:3] == ["Kundennr", "Nachname", "Vorname"]
    assert "Straße" in names
    born = next(c for c in erp["columns"] if c["name"] == "Geburtsdatum")
    assert all(len(s) == 10 and s[2] == "." and s[5] == "." for s in born["sample"])
    outlook = inspect_json(capsys, str(SAMPLE_DATA / "outlook_contacts.csv"))
    assert len(outlook["columns"]) == 92
    assert outlook["columns"][0]["name"] == "Title"
    customers = inspect_json(capsys, str(SAMPLE_DATA / "customers.xlsx"))
    birthday = next(c for c in customers["columns"] if c["name"] == "Birthday")
    assert all(len(s) == 10 and s[4] == "-" for s in birthday["sample"])
    assert any("footer" in i["problem"] for i in customers["issues"])


def test_sheet_option(capsys: pytest.CaptureFixture[str]) -> None:
    report = inspect_json(capsys, str(SAMPLE_DATA / "customers.xlsx"), "--sheet", "Notes")
    assert report["sheet"] == "Notes"
    assert report["columns"][0]["name"] == "About this workbook"


def test_readable_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["inspect", str(SAMPLE_DATA / "erp_export.csv")]) == 0
    out = capsys.readouterr().out
    assert "cp1252" in out
    assert "Nachname" in out
    assert "156" in out


def bad(capsys: pytest.CaptureFixture[str], path: Path) -> str:
    code = run(["inspect", str(path)])
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    assert str(path) in lines[0]
    return lines[0]


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "no such file" in bad(capsys, tmp_path / "nope.csv")


def test_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "directory" in bad(capsys, tmp_path)


def test_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert "empty" in bad(capsys, path)


def test_binary_garbage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes(range(256)) * 100)
    assert "binary" in bad(capsys, path)


def test_truncated_xlsx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = (SAMPLE_DATA / "companies.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 3])
    assert "workbook" in bad(capsys, path)


def test_unbalanced_quote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "quote.csv"
    path.write_text('Name,Email\nAnn,a@x\n"Bob,b@x\nCid,c@x\n', encoding="utf-8")
    assert run(["inspect", str(path)]) == 0  # the lines after the stray quote are records: kept
    assert "row 2: unclosed quote, read as text (source line 3)" in capsys.readouterr().out
    path.write_text('Name,Email\nAnn,a@x\n"Bob,b@x\nnot a record\n', encoding="utf-8")
    assert "row 2" in bad(capsys, path)


def test_header_only_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "header.csv"
    path.write_text("Name,Email,Phone\n", encoding="utf-8")
    report = inspect_json(capsys, str(path))
    assert report["rows"] == 0
    assert [c["name"] for c in report["columns"]] == ["Name", "Email", "Phone"]


def test_more_fields_than_headers_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("Name,Email\nAnn,a@x\nBob,b@x,extra\n", encoding="utf-8")
    report = inspect_json(capsys, str(path))
    assert [c["name"] for c in report["columns"]] == ["Name", "Email", "Column 3"]
    assert [i["row"] for i in report["issues"]] == [2]
    assert run(["inspect", str(path)]) == 0
    assert "row 2: more fields" in capsys.readouterr().out


def test_multi_megabyte_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.csv"
    path.write_text('Name,Notes\nAnn,"' + "y" * 2_500_000 + '"\n', encoding="utf-8")
    report = inspect_json(capsys, str(path))
    assert report["rows"] == 1
    assert [(i["row"], i["column"]) for i in report["issues"]] == [(1, "Notes")]
    notes = report["columns"][1]
    assert notes["non_empty"] == 1
    assert len(notes["sample"][0]) == 200


def test_unsupported_extension_that_is_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "contacts.dat"
    path.write_text("Name|Email\nAnn|a@x\n", encoding="utf-8")
    report = inspect_json(capsys, str(path))
    assert (report["format"], report["delimiter"], report["rows"]) == ("csv", "|", 1)


def test_missing_sheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = openpyxl.Workbook()
    book.active.append(["a"])
    path = tmp_path / "b.xlsx"
    book.save(path)
    code = run(["inspect", str(path), "--sheet", "Nope"])
    assert code == 2
    assert "Nope" in capsys.readouterr().err


def test_each_column_says_what_its_suggestion_rests_on(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "fields.csv"
    path.write_text("Field1,E-mail,Notes\nAnna,anna@x.se,called\nErik,erik@y.se,\nMaria,maria@z.se,sent a quote\n",
                    encoding="utf-8")
    columns = {c["name"]: c for c in inspect_json(capsys, str(path))["columns"]}
    assert (columns["Field1"]["suggested_field"], columns["Field1"]["evidence"]) == ("firstname", "values")
    assert "given names" in columns["Field1"]["reason"]
    assert (columns["E-mail"]["suggested_field"], columns["E-mail"]["evidence"]) == ("email", "both")
    assert columns["Notes"]["evidence"] == "header"
    assert all(c["evidence"] in (None, "header", "values", "both") for c in columns.values())
