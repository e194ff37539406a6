"""The `file` target: import-wizard layouts, formula-safe cells, atomic rewrites, resume and rollback."""

from __future__ import annotations

import csv
import stat
from pathlib import Path

import openpyxl
import pytest

from crm_migrate.connectors.base import Connector
from crm_migrate.connectors.file import FileConnector
from crm_migrate.errors import TargetError

EVIL = '=HYPERLINK("http://evil","x")'


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


async def test_hubspot_csv_layout_and_formula_safety(tmp_path: Path) -> None:
    out = tmp_path / "out" / "contacts_for_hubspot.csv"
    conn = FileConnector(url=str(out), layout="hubspot")
    assert isinstance(conn, Connector)
    assert await conn.ensure_id_property("contacts") == "email"
    results = await conn.upsert(
        "contacts",
        "email",
        [
            {
                "email": "ada@x.com",
                "firstname": "Ada",
                "lastname": "Lovelace",
                "phone": "+14155550123",
            },
            {"email": "eve@x.com", "firstname": EVIL, "lastname": "-1+2", "jobtitle": "@boss"},
        ],
    )
    assert [(r.ok, r.id, r.created) for r in results] == [
        (True, "file:1", True),
        (True, "file:2", True),
    ]
    rows = _read_csv(out)
    assert rows[0] == ["Email", "First Name", "Last Name", "Phone Number", "Job Title"]
    assert rows[1] == ["ada@x.com", "Ada", "Lovelace", "+14155550123", ""]
    assert rows[2][1] == "'" + EVIL and rows[2][2] == "'-1+2" and rows[2][4] == "'@boss"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "contacts_for_hubspot.csv",
        "contacts_for_hubspot.csv.crm-migrate.json",
    ]


async def test_salesforce_xlsx_round_trip_has_no_formulas(tmp_path: Path) -> None:
    out = tmp_path / "deals.xlsx"
    conn = FileConnector(url=str(out), layout="salesforce")
    await conn.create(
        "deals",
        [
            {
                "dealname": "Big",
                "amount": "1200",
                "closedate": "2026-12-01T00:00:00Z",
                "dealstage": "closedwon",
            },
            {"dealname": EVIL, "amount": "5", "dealstage": "qualifiedtobuy"},
        ],
    )
    book = openpyxl.load_workbook(out)
    sheet = book.active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["Opportunity Name", "Amount", "Close Date", "Stage"]
    assert values[1][0] == "Big" and values[1][2] == "2026-12-01" and values[1][3] == "Closed Won"
    assert values[2][3] == "Qualified To Buy"
    assert str(values[2][0]).startswith("'=")
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


async def test_resume_is_idempotent_and_archive_removes_rows(tmp_path: Path) -> None:
    out = tmp_path / "companies.csv"
    first = FileConnector(url=str(out), layout="pipedrive")
    made = await first.upsert(
        "companies",
        "domain",
        [{"domain": "acme.com", "name": "Acme"}, {"domain": "b.org", "name": "B"}],
    )
    # a new process (resume) sees what was written and writes the same key in place
    second = FileConnector(url=str(out), layout="pipedrive")
    found = await second.lookup("companies", "domain", ["ACME.com", "zzz.com"])
    assert list(found) == ["ACME.com"] and found["ACME.com"].id == made[0].id
    again = await second.upsert(
        "companies",
        "domain",
        [{"domain": "acme.com", "name": "Acme Inc"}, {"domain": "c.net", "name": "C"}],
    )
    assert [(r.id, r.created) for r in again] == [("file:1", False), ("file:3", True)]
    rows = _read_csv(out)
    assert rows[0] == ["Organization - Name", "Organization - Domain"]
    assert rows[1:] == [["Acme Inc", "acme.com"], ["B", "b.org"], ["C", "c.net"]]
    got = await second.read("companies", ["file:2", "file:9"], ["name"])
    assert {k: v.properties for k, v in got.items()} == {"file:2": {"name": "B"}}
    gone = await second.archive("companies", ["file:1", "file:3", "file:3"])
    assert all(r.ok for r in gone)
    assert _read_csv(out)[1:] == [["B", "b.org"]]
    restored = await second.update(
        "companies", [("file:2", {"name": "Bee"}), ("file:1", {"name": "x"})]
    )
    assert [r.ok for r in restored] == [True, False]


async def test_output_lagging_the_sidecar_is_healed_on_reopen(tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    conn = FileConnector(url=str(out))
    await conn.create("contacts", [{"email": "a@x.com"}])
    older = out.read_bytes()
    await conn.create("contacts", [{"email": "b@x.com"}])
    out.write_bytes(older)  # a crash between the sidecar's and the output's replace
    reopened = FileConnector(url=str(out))
    assert set(await reopened.lookup("contacts", "email", ["b@x.com"])) == {"b@x.com"}
    assert [r[0] for r in _read_csv(out)] == ["Email", "a@x.com", "b@x.com"]


async def test_bad_targets(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match=r"\.csv or \.xlsx"):
        FileConnector(url=str(tmp_path / "x.txt"))
    with pytest.raises(TargetError, match="unknown file layout"):
        FileConnector(url=str(tmp_path / "x.csv"), layout="zoho")
    with pytest.raises(TargetError, match="output path"):
        FileConnector(url=None)
    conn = FileConnector(url=str(tmp_path / "x.csv"))
    await conn.create("contacts", [{"email": "a@x.com"}])
    with pytest.raises(TargetError, match="unknown object"):
        await conn.create("tickets", [{"subject": "x"}])
    other = FileConnector(url=str(tmp_path / "x.csv"), layout="salesforce")
    with pytest.raises(TargetError, match="hubspot layout"):
        await other.lookup("contacts", "email", ["a@x.com"])


async def test_an_unrelated_existing_file_is_not_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "mine.csv"
    out.write_text("precious,data\n1,2\n", encoding="utf-8")
    conn = FileConnector(url=str(out))
    with pytest.raises(TargetError, match="not written by crm-migrate"):
        await conn.create("contacts", [{"email": "a@x.com"}])
    assert out.read_text(encoding="utf-8") == "precious,data\n1,2\n"


def test_layout_follows_the_file_name(tmp_path: Path) -> None:
    assert FileConnector(url=str(tmp_path / "contacts_for_salesforce.xlsx")).layout == "salesforce"
    assert FileConnector(url=str(tmp_path / "Pipedrive-import.csv")).layout == "pipedrive"
    assert FileConnector(url=str(tmp_path / "contacts.csv")).layout == "hubspot"
    assert (
        FileConnector(url=str(tmp_path / "for_pipedrive.csv"), layout="hubspot").layout == "hubspot"
    )


async def test_engine_key_stays_out_of_the_import_file(tmp_path: Path) -> None:
    out = tmp_path / "companies.csv"
    conn = FileConnector(url=str(out))
    await conn.upsert("companies", "crm_migrate_id", [{"crm_migrate_id": "cm-1", "name": "Acme"}])
    again = await conn.upsert(
        "companies", "crm_migrate_id", [{"crm_migrate_id": "cm-1", "name": "Acme2"}]
    )
    assert again[0].created is False
    assert _read_csv(out) == [["Company name"], ["Acme2"]]
    assert set(await conn.lookup("companies", "crm_migrate_id", ["cm-1"])) == {"cm-1"}


async def test_companies_of_a_contacts_run_go_beside_the_contacts_file(tmp_path: Path) -> None:
    out = tmp_path / "import.csv"  # the name says nothing: the engine's first question decides
    conn = FileConnector(url=str(out))
    assert await conn.ensure_id_property("contacts") == "email"
    assert await conn.ensure_id_property("companies") == "domain"
    company = await conn.upsert("companies", "domain", [{"domain": "acme.com", "name": "Acme"}])
    await conn.upsert("contacts", "email", [{"email": "a@acme.com", "company": "Acme"}])
    assert (await conn.associate("contacts", "companies", [("file:1", company[0].id)]))[0].ok
    assert _read_csv(out) == [["Email", "Company Name"], ["a@acme.com", "Acme"]]
    assert _read_csv(tmp_path / "import-companies.csv") == [
        ["Company Domain Name", "Company name"],
        ["acme.com", "Acme"],
    ]
    # a resumed run (new process, companies asked first) still knows which file is which
    resumed = FileConnector(url=str(out))
    found = await resumed.lookup("companies", "domain", ["ACME.com"])
    assert found["ACME.com"].id == company[0].id
    assert set(await resumed.lookup("contacts", "email", ["a@acme.com"])) == {"a@acme.com"}
