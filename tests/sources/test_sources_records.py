"""JSON and NDJSON reading: record arrays, wrapped arrays, flattening, bad lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crm_migrate.errors import SourceError
from crm_migrate.sources import load

RECORDS = [
    {"id": 1, "name": "Ann", "address": {"city": "Boston", "geo": {"lat": 42.5}},
     "tags": ["vip", "2024"], "emails": [{"type": "work", "value": "a@x.com"},
                                         {"type": "home", "value": "ann@y.com"}],
     "active": True, "score": None, "amount": 12.0},
    {"id": 2, "name": "Bob", "extra": "only here"},
]


def test_json_array(tmp_path: Path) -> None:
    path = tmp_path / "people.json"
    path.write_text(json.dumps(RECORDS, indent=2), encoding="utf-8")
    table = load(path)
    d = table.detection
    assert (d.format, d.encoding, d.header_row, d.delimiter, d.rows) == ("json", "utf-8", None,
                                                                         None, 2)
    assert table.columns == ["id", "name", "address.city", "address.geo.lat", "tags",
                             "emails.0.type", "emails.0.value", "emails.1.type",
                             "emails.1.value", "active", "score", "amount", "extra"]
    row = table.frame.loc[1]
    assert row["address.city"] == "Boston"
    assert row["address.geo.lat"] == "42.5"
    assert row["tags"] == "vip; 2024"
    assert row["emails.1.value"] == "ann@y.com"
    assert (row["active"], row["score"], row["amount"]) == ("true", "", "12")
    assert table.frame.loc[2, "extra"] == "only here"
    assert table.frame.loc[2, "address.city"] == ""


@pytest.mark.parametrize("key", ["results", "data"])
def test_object_holding_records(tmp_path: Path, key: str) -> None:
    path = tmp_path / "api.json"
    path.write_text(json.dumps({"total": 2, key: RECORDS, "paging": {"next": None}}),
                    encoding="utf-8")
    table = load(path)
    assert table.detection.rows == 2
    assert table.frame["name"].tolist() == ["Ann", "Bob"]


def test_ndjson(tmp_path: Path) -> None:
    path = tmp_path / "people.ndjson"
    path.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n\n", encoding="utf-8")
    table = load(path)
    assert table.detection.format == "ndjson"
    assert table.detection.rows == 2
    assert table.frame.loc[2, "name"] == "Bob"


def test_ndjson_bad_line_is_reported_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n{"a": 3, "b\n', encoding="utf-8")
    table = load(path)
    assert table.frame["a"].tolist() == ["1", "2"]
    assert [i.row for i in table.issues] == [3]


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[\n{"a": 1},\n{"a": }\n]\n', encoding="utf-8")
    with pytest.raises(SourceError) as info:
        load(path)
    assert "line 3" in str(info.value)


def test_ndjson_line_json_refuses_for_another_reason_is_reported(tmp_path: Path) -> None:
    """A 5,000-digit number is valid JSON that Python refuses with a plain ValueError."""
    path = tmp_path / "big.ndjson"
    path.write_text('{"a": 1}\n{"a": ' + "9" * 5000 + '}\n{"a": 3}\n', encoding="utf-8")
    table = load(path)
    assert [v for v in table.frame["a"].tolist() if v] == ["1", "3"]
    assert [i.row for i in table.issues] == [2]
    assert "not valid JSON" in table.issues[0].problem
