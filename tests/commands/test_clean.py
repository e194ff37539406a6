"""`crm-migrate clean` through cli.run: outputs, report shape, exit codes, sample data."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from crm_migrate.cli import run
from tests.conftest import SAMPLE_DATA

CONTACTS = """\
Name;E-Mail;Telefon;Land;Geburtstag
"Müller, Hans";Hans.Mueller@Firma.de;030 1234567;Deutschland;24.12.1970
Anna Schmidt;=HYPERLINK("http://evil");+49 89 123456;DE;01.02.1980
Hans Müller;hans.mueller@firma.de;030/1234567;Germany;
Bob Smith;bob@smith.com;(415) 555-0123;USA;13/31/1999
"""

PROFILE = """\
version: 1
object: contacts
default_region: US
fields:
  - column: Name
    split_into: [firstname, lastname]
  - column: E-Mail
    field: email
  - column: Telefon
    field: phone
  - column: Land
    field: country
  - column: Geburtstag
    field: date_of_birth
"""


def _files(tmp_path: Path) -> tuple[str, str]:
    data = tmp_path / "kontakte.csv"
    data.write_text(CONTACTS, encoding="cp1252")
    profile = tmp_path / "profile.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    return str(data), str(profile)


def test_clean_writes_csv_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, profile = _files(tmp_path)
    out, report = tmp_path / "out.csv", tmp_path / "report.json"
    code = run(["clean", data, "--profile", profile, "--out", str(out), "--report", str(report)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "4 rows in, 3 rows out" in printed and "duplicates: 1 group (" in printed
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["firstname", "lastname", "email", "phone", "country", "date_of_birth", "_source"]
    hans = rows[0]
    assert (hans["firstname"], hans["lastname"]) == ("Hans", "Müller")
    assert hans["phone"] == "+49301234567"  # default region US, but the row says Deutschland
    assert hans["date_of_birth"] == "1970-12-24"
    assert hans["_source"] == "kontakte.csv:1"
    data_out = json.loads(report.read_text(encoding="utf-8"))
    assert {"rows_in", "rows_out", "invalid", "duplicate_groups", "issues"} <= set(data_out)
    assert data_out["rows_in"] == 4 and data_out["rows_out"] == 3
    assert data_out["duplicate_groups"] == [[1, 3]]
    assert data_out["invalid"] == {"email": 1, "date_of_birth": 1}
    issue = next(i for i in data_out["issues"] if i["field"] == "email")
    assert issue == {"row": 2, "column": "E-Mail", "field": "email",
                     "value": '=HYPERLINK("http://evil")', "problem": "not a valid email address"}


def test_region_flag_overrides_the_profile(tmp_path: Path) -> None:
    data = tmp_path / "p.csv"
    data.write_text("Name,Phone\nAnn Lee,030 1234567\n", encoding="utf-8")
    profile = tmp_path / "p.yaml"
    profile.write_text("version: 1\nobject: contacts\ndefault_region: US\nfields:\n"
                       "  - {column: Name, split_into: [firstname, lastname]}\n"
                       "  - {column: Phone, field: phone}\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    assert run(["clean", str(data), "--profile", str(profile), "--out", str(out), "--region", "de"]) == 0
    assert "+49301234567" in out.read_text(encoding="utf-8")


def test_xlsx_output_has_no_formulas(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    data = tmp_path / "f.csv"
    data.write_text('Name,Company\nAnn Lee,"=cmd|\' /C calc\'!A0"\nBo Li,@SUM(1)\n', encoding="utf-8")
    profile = tmp_path / "f.yaml"
    profile.write_text("version: 1\nobject: contacts\nfields:\n"
                       "  - {column: Name, split_into: [firstname, lastname]}\n"
                       "  - {column: Company, field: company}\n", encoding="utf-8")
    out = tmp_path / "o.xlsx"
    assert run(["clean", str(data), "--profile", str(profile), "--out", str(out)]) == 0
    sheet = load_workbook(out).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type == "s" for c in cells)
    companies = [row[2].value for row in sheet.iter_rows(min_row=2)]
    assert companies == ["'=cmd|' /C calc'!A0", "'@SUM(1)"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "x.pdf"], "--out must end in .csv or .xlsx"),
        (["--region", "XX"], "is not a country code"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                             message: str) -> None:
    data, profile = _files(tmp_path)
    argv = ["clean", data, "--profile", profile, "--out", str(tmp_path / "o.csv")]
    argv = argv[:-2] + args if args[0] == "--out" else argv + args
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_profile_naming_a_missing_column_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, profile = _files(tmp_path)
    Path(profile).write_text(PROFILE.replace("column: Land", "column: Country"), encoding="utf-8")
    assert run(["clean", data, "--profile", profile, "--out", str(tmp_path / "o.csv")]) == 2
    assert "Country" in capsys.readouterr().err


SAMPLES = ["customers.xlsx", "companies.xlsx", "contacts.vcf", "deals.csv", "erp_export.csv",
           "google_contacts.csv", "outlook_contacts.csv"]


@pytest.mark.parametrize("name", SAMPLES)
def test_clean_every_sample_file(tmp_path: Path, name: str) -> None:
    source = SAMPLE_DATA / name
    if not source.exists():
        pytest.skip("sample_data not generated")
    profile, out, report = tmp_path / "p.yaml", tmp_path / "out.csv", tmp_path / "r.json"
    assert run(["plan", str(source), "--out", str(profile)]) == 0
    assert run(["clean", str(source), "--profile", str(profile), "--out", str(out),
                "--report", str(report)]) == 0
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == data["rows_out"] > 0
    assert data["rows_in"] == data["rows_out"] + sum(len(g) - 1 for g in data["duplicate_groups"])
    assert all(r["_source"].startswith(f"{name}:") for r in rows)
    for issue in data["issues"]:
        assert set(issue) == {"row", "column", "field", "value", "problem"}
        assert issue["row"] is None or isinstance(issue["row"], int)
    for row in rows:
        for field in ("phone", "mobilephone"):
            assert not row.get(field) or row[field].startswith("+")
        assert not row.get("email") or row["email"] == row["email"].lower()


def test_several_sample_files_together(tmp_path: Path) -> None:
    files = [SAMPLE_DATA / "google_contacts.csv", SAMPLE_DATA / "outlook_contacts.csv"]
    if not all(f.exists() for f in files):
        pytest.skip("sample_data not generated")
    profile, out, report = tmp_path / "p.yaml", tmp_path / "out.csv", tmp_path / "r.json"
    assert run(["plan", *map(str, files), "--object", "contacts", "--out", str(profile)]) == 0
    assert run(["clean", *map(str, files), "--profile", str(profile), "--out", str(out),
                "--report", str(report)]) == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    assert all(i["row"] is None or ":" in str(i["row"]) for i in data["issues"])
    assert all(":" in str(r) for g in data["duplicate_groups"] for r in g)


def test_clean_matches_against_the_sandbox(tmp_path: Path, sandbox_server: Any,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from crm_migrate.connectors import open_connector

    async def seed() -> None:
        async with open_connector("sandbox", url=sandbox_server.url,
                                  token=sandbox_server.token) as connector:
            await connector.create("contacts", [{"email": "bob@smith.com", "firstname": "Bob",
                                                 "lastname": "Smith"}])

    asyncio.run(seed())
    data, profile = _files(tmp_path)
    out, report = tmp_path / "out.csv", tmp_path / "r.json"
    code = run(["clean", data, "--profile", profile, "--out", str(out), "--report", str(report),
                "--target", "sandbox", "--url", sandbox_server.url])
    assert code == 0
    actions = json.loads(report.read_text(encoding="utf-8"))["actions"]
    assert actions == {"create": 2, "update": 1}
    assert "against the target: create 2, update 1" in capsys.readouterr().out


def test_clean_finds_records_without_a_natural_key_that_a_push_wrote(
    tmp_path: Path, sandbox_server: Any
) -> None:
    """Deals have no unique field: matching finds them by the crm_migrate_id the push derived
    from their name and pipeline, so a repeated run says skip/update, as the push will do."""
    deals = tmp_path / "deals.csv"
    deals.write_text("Deal Name,Amount,Deal Stage,Pipeline\nRenewal,100,appointmentscheduled,"
                     "default\nUpsell,200,appointmentscheduled,default\n", encoding="utf-8")
    profile, report = tmp_path / "d.yaml", tmp_path / "r.json"
    assert run(["plan", str(deals), "--object", "deals", "--out", str(profile)]) == 0
    clean = ["clean", str(deals), "--profile", str(profile), "--out", str(tmp_path / "o.csv"),
             "--report", str(report), "--target", "sandbox", "--url", sandbox_server.url]
    assert run(clean) == 0
    assert json.loads(report.read_text(encoding="utf-8"))["actions"] == {"create": 2}
    assert run(["push", str(deals), "--profile", str(profile), "--target", "sandbox",
                "--url", sandbox_server.url, "--journal", str(tmp_path / "run.journal")]) == 0
    deals.write_text(deals.read_text(encoding="utf-8").replace(",200,", ",250,"),
                     encoding="utf-8")
    assert run(clean) == 0
    assert json.loads(report.read_text(encoding="utf-8"))["actions"] == {"skip": 1, "update": 1}
