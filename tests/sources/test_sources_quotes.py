"""Stray quotes: no row of the file is lost, and whatever is merged is named by its source lines."""

from __future__ import annotations

import re
from pathlib import Path

from crm_migrate.sources import load
from crm_migrate.sources.quotes import fields_of, open_quote, recover

DATA = Path(__file__).resolve().parent.parent / "data" / "sources"


def accounted(path: Path, record_lines: int) -> None:
    """Rows read + rows reported dropped + rows merged == the file's record lines."""
    table = load(path)
    merged = sum(len(re.findall(r"\d+", i.problem)) - 1 for i in table.issues if "merged" in i.problem)
    dropped = sum(1 for i in table.issues if "dropped" in i.problem)
    assert len(table.frame) + dropped + merged == record_lines


def test_no_row_of_a_file_with_one_stray_quote_is_lost() -> None:
    path = DATA / "stray_quote.csv"
    table = load(path)
    assert table.frame["Id"].tolist() == [str(i) for i in range(1, 13)]
    assert table.frame["Email"].str.endswith(".example").all()
    assert table.frame.loc[4, "Company"] == '"Ferri Vini'  # the stray quote kept as text
    assert table.frame.loc[3, "Company"] == 'Stein "Präzision" GmbH'  # doubled quotes still read
    assert table.frame.loc[12, "Company"] == 'Dahl "Nord" AS'
    assert [(i.row, i.problem) for i in table.issues] == [(4, "unclosed quote, read as text (source line 5)")]
    accounted(path, 12)


def test_a_quote_open_at_the_end_of_the_file_is_read_as_text() -> None:
    path = DATA / "stray_quote_eof.csv"
    table = load(path)
    assert table.frame["Id"].tolist() == ["1", "2", "3", "4"]
    assert table.frame.loc[1, "Notes"] == "first line\nsecond line of the same note"  # a real multi-line cell
    assert table.frame.loc[2, "Notes"] == '"note that never closes'
    assert [(i.row, i.problem) for i in table.issues] == [(2, "unclosed quote, read as text (source line 4)")]
    accounted(path, 4)


def test_merged_records_are_reported_by_source_line() -> None:
    path = DATA / "merged_quote.csv"
    table = load(path)
    assert table.frame["Id"].tolist() == ["1", "3"]
    assert [(i.row, i.problem) for i in table.issues] == [
        (1, "source lines 2, 3 merged into one row by a quoted cell that spans them")]
    accounted(path, 3)


def test_quote_scanner_follows_csv_rules() -> None:
    assert open_quote('a,"b,c', ",") == (True, 2)
    assert open_quote('a,"b ""x"" c",d', ",") == (False, 2)
    assert open_quote('a,b"c,d', ",") == (False, None)  # a quote inside a cell is text
    assert open_quote('still inside", x', ",", in_quote=True) == (False, None)
    assert fields_of('1,"Oak, Ltd,c@x\n', ",") == ["1", '"Oak', " Ltd", "c@x"]


def test_recover_returns_none_without_stray_quotes() -> None:
    assert recover(["1,a\n", '2,"b\nc"\n'], ",", 2) is None
