"""vCard reading: 2.1/3.0/4.0, folding, typed values, groups, quoted-printable."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_migrate.errors import SourceError
from crm_migrate.sources import load
from tests.conftest import TEST_DATA


def test_mixed_versions() -> None:
    table = load(TEST_DATA / "sources" / "mixed.vcf")
    d = table.detection
    assert (d.format, d.encoding, d.header_row, d.delimiter, d.rows) == ("vcf", "utf-8", None,
                                                                         None, 3)
    john = table.frame.loc[1]
    assert john["First Name"] == "John"
    assert john["Last Name"] == "Smith"
    assert john["Middle Name"] == "Q."
    assert john["Name Prefix"] == "Dr."
    assert john["Full Name"] == "Dr. John Q. Smith"
    assert john["Organization"] == "Acme, Inc."
    assert john["Department"] == "Sales"
    assert john["Title"] == "Head of Sales"
    assert john["Email (work)"] == "john@acme.com"
    assert john["Email (work) 2"] == "j.smith@acme.com"
    assert john["Email (home)"] == "johnny@gmail.com"
    assert john["Email (other)"] == "other@x.com"
    assert john["Phone (cell)"] == "+1 (415) 555-0123"
    assert john["Phone (work)"] == "415.555.0199 ext. 12"
    assert john["Phone (work fax)"] == "415.555.0100"
    assert john["Street (home)"] == "1 Main St"
    assert john["City (home)"] == "Springfield"
    assert john["Region (home)"] == "IL"
    assert john["Postal Code (home)"] == "62701"
    assert john["Country (home)"] == "USA"
    assert john["URL"] == "https://acme.com"
    assert john["Birthday"] == "1980-01-02"
    assert john["Note"] == ("Met at conference\nFollow up in May; call first. This note is long "
                            "and is folded over two lines")
    anna = table.frame.loc[2]
    assert anna["Last Name"] == "Müller"
    assert anna["Email (work)"] == "anna@firma.de"
    assert anna["Phone (cell)"] == "+49-170-1234567"
    assert anna["Birthday"] == "1985-03-15"
    assert anna["Organization"] == ""
    hans = table.frame.loc[3]
    assert (hans["Last Name"], hans["First Name"]) == ("Jörg", "Hans")
    assert hans["Phone (work)"] == "030 1234567"
    assert hans["Email"] == "hans@x.de"
    assert hans["Note"] == "Line one\nLine two"
    assert table.columns[:3] == ["First Name", "Last Name", "Middle Name"]
    assert not any("PHOTO" in c or "9j" in c for c in table.columns)


def test_cp1252_vcard(tmp_path: Path) -> None:
    path = tmp_path / "old.vcf"
    path.write_bytes("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Groß;Jürgen\r\nFN:Jürgen Groß\r\n"
                     "END:VCARD\r\n".encode("cp1252"))
    table = load(path)
    assert table.detection.encoding == "cp1252"
    assert table.frame.loc[1, "Full Name"] == "Jürgen Groß"


def test_vcf_without_cards_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "none.vcf"
    path.write_text("hello\n", encoding="utf-8")
    # plain text named .vcf is sniffed as a one-column CSV, not a vCard
    assert load(path).detection.format == "csv"
    path.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Never ends\n", encoding="utf-8")
    with pytest.raises(SourceError):
        load(path)
