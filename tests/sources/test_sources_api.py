"""The sources package API: load_many labels and overrides, profile_columns, errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crm_migrate.errors import SourceError
from crm_migrate.mapping.profile import SourceOverride
from crm_migrate.sources import ColumnProfile, load, load_many, profile_columns


def test_load_many_labels_are_unique_and_overrides_apply(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = tmp_path / "a" / "contacts.csv"
    second = tmp_path / "b" / "contacts.csv"
    other = tmp_path / "deals.csv"
    first.write_text("Name,Email\nAnn,a@x\n", encoding="utf-8")
    second.write_text("Name,Email\nBob,b@x\n", encoding="utf-8")
    other.write_text("Title\nName;Amount\nBig;100\n", encoding="utf-8")
    tables = load_many([str(first), str(second), str(other)],
                       {"deals.csv": SourceOverride(header_row=1, delimiter=";")})
    assert [t.label for t in tables] == ["contacts.csv", "contacts.csv#2", "deals.csv"]
    assert tables[1].source_id(1) == "contacts.csv#2:1"
    assert tables[2].columns == ["Name", "Amount"]
    assert tables[2].detection.header_row == 1


def test_profile_columns(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("Name,Email\nAnn,a@x\nAnn,\nBob,b@x\nCid,\n", encoding="utf-8")
    profiles = profile_columns(load(path), samples=2)
    assert profiles == [
        ColumnProfile("Name", non_empty=4, unique=3, sample=["Ann", "Bob"]),
        ColumnProfile("Email", non_empty=2, unique=2, sample=["a@x", "b@x"]),
    ]


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        load(tmp_path / "nope.csv")
    assert "no such file" in str(info.value)
    with pytest.raises(SourceError) as info:
        load(tmp_path)
    assert "directory" in str(info.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    path.chmod(0)
    with pytest.raises(SourceError):
        load(path)


def test_label_defaults_to_base_name(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("A\n1\n", encoding="utf-8")
    assert load(path).label == "x.csv"
    assert load(path, label="custom").label == "custom"
