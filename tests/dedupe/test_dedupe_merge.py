"""Survivorship merge: each rule, conflicts, keep_all secondary fields, positions and _members."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_migrate.dedupe import find_duplicate_groups, merge_groups
from crm_migrate.errors import CleanError
from crm_migrate.mapping.profile import DedupeSettings

COLUMNS = ["email", "firstname", "lastname", "phone", "mobilephone", "company", "city", "lastmodified"]


def frame_of(rows: list[dict[str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame([{c: r.get(c, "") for c in COLUMNS} for r in rows])
    frame["_source"] = [f"in.csv:{n + 1}" for n in range(len(frame))]
    return frame


ROWS = [
    {"firstname": "Zoe", "lastname": "Park"},  # 0: not in a group
    {"email": "bob@x.com", "firstname": "Bob", "lastname": "Stone", "city": "Boston",
     "lastmodified": "2024-05-01"},  # 1
    {"email": "", "firstname": "Robert", "lastname": "Stone", "phone": "+16175550100", "company": "Acme",
     "city": "Cambridge", "lastmodified": "2025-01-10"},  # 2: most complete
    {"firstname": "Eve", "lastname": "Ng"},  # 3: not in a group
    {"email": "rstone@acme.com", "firstname": "Rob", "lastname": "Stone", "phone": "+16175550199",
     "lastmodified": "2023-12-31"},  # 4
]
GROUP = [[1, 2, 4]]


def test_most_complete_keeps_the_fullest_row_and_fills_its_gaps() -> None:
    merged, _ = merge_groups(frame_of(ROWS), GROUP, DedupeSettings())
    assert merged["_source"].tolist() == ["in.csv:1", "in.csv:3", "in.csv:4"]
    row = merged.iloc[1]
    assert row["firstname"] == "Robert" and row["city"] == "Cambridge"
    assert row["email"] == "bob@x.com"  # filled from the next most complete member
    assert row["_members"] == "in.csv:2;in.csv:3;in.csv:5"
    assert merged.iloc[0]["_members"] == "" and merged.iloc[2]["firstname"] == "Eve"
    assert list(merged.columns) == [*COLUMNS, "_source", "_members"]


def test_newest_takes_values_from_the_latest_record() -> None:
    settings = DedupeSettings(default_rule="newest", newest_by="lastmodified")
    merged, _ = merge_groups(frame_of(ROWS), GROUP, settings)
    row = merged.iloc[1]
    assert row["_source"] == "in.csv:3"  # 2025-01-10 is the newest
    assert row["city"] == "Cambridge"
    assert row["email"] == "bob@x.com"  # newest with an e-mail: 2024-05-01
    assert row["phone"] == "+16175550100"


def test_newest_needs_a_date_field() -> None:
    with pytest.raises(CleanError, match="newest_by"):
        merge_groups(frame_of(ROWS), GROUP, DedupeSettings(survivorship={"city": "newest"}))
    with pytest.raises(CleanError, match="not in the cleaned data"):
        merge_groups(frame_of(ROWS), GROUP, DedupeSettings(default_rule="newest", newest_by="updated"))


def test_first_takes_the_first_seen_value_per_field() -> None:
    settings = DedupeSettings(default_rule="first")
    merged, _ = merge_groups(frame_of(ROWS), GROUP, settings)
    row = merged.iloc[1]
    assert row["_source"] == "in.csv:2"
    assert (row["firstname"], row["city"], row["phone"]) == ("Bob", "Boston", "+16175550100")


def test_per_field_rules_override_the_default() -> None:
    settings = DedupeSettings(survivorship={"firstname": "first", "city": "newest"}, newest_by="lastmodified")
    merged, conflicts = merge_groups(frame_of(ROWS), GROUP, settings)
    row = merged.iloc[1]
    assert row["firstname"] == "Bob" and row["city"] == "Cambridge" and row["company"] == "Acme"
    rules = {c["field"]: c["rule"] for c in conflicts}
    assert rules["firstname"] == "first" and rules["city"] == "newest" and rules["phone"] == "most_complete"


def test_conflicts_name_the_group_values_and_the_kept_value() -> None:
    _, conflicts = merge_groups(frame_of(ROWS), GROUP, DedupeSettings())
    by_field = {c["field"]: c for c in conflicts}
    assert set(by_field) == {"email", "firstname", "phone", "city", "lastmodified"}
    assert by_field["firstname"] == {"group": [1, 2, 4], "field": "firstname",
                                     "values": ["Bob", "Robert", "Rob"], "kept": "Robert",
                                     "rule": "most_complete"}
    assert "lastname" not in by_field  # same value everywhere is no conflict


def test_case_only_differences_are_not_conflicts() -> None:
    rows = [{"firstname": "ANNA", "company": "acme"}, {"firstname": "Anna", "company": "ACME"}]
    _, conflicts = merge_groups(frame_of(rows), [[0, 1]], DedupeSettings())
    assert conflicts == []


def test_keep_all_moves_other_emails_and_phones_to_secondary_fields() -> None:
    settings = DedupeSettings(survivorship={"email": "keep_all", "phone": "keep_all", "city": "keep_all"})
    merged, conflicts = merge_groups(frame_of(ROWS), GROUP, settings)
    row = merged.iloc[1]
    assert row["email"] == "bob@x.com"
    assert row["additional_emails"] == "rstone@acme.com"
    assert row["phone"] == "+16175550100"
    assert row["mobilephone"] == "+16175550199"  # was empty: takes the second phone
    assert row["city"] == "Cambridge" and row["additional_city"] == "Boston"
    assert merged.iloc[0]["additional_emails"] == ""
    assert any(c["field"] == "email" and c["rule"] == "keep_all" for c in conflicts)


def test_keep_all_phones_overflow_into_additional_phones() -> None:
    rows = [{"firstname": "A", "phone": "+111", "mobilephone": "+222"},
            {"firstname": "A", "phone": "+333"}, {"firstname": "A", "phone": "+444"}]
    merged, _ = merge_groups(frame_of(rows), [[0, 1, 2]], DedupeSettings(default_rule="keep_all"))
    row = merged.iloc[0]
    assert (row["phone"], row["mobilephone"]) == ("+111", "+222")
    assert row["additional_phones"] == "+333;+444"


def test_no_groups_leaves_the_frame_alone() -> None:
    frame = frame_of(ROWS)
    merged, conflicts = merge_groups(frame, [], DedupeSettings())
    assert conflicts == [] and len(merged) == len(frame)
    assert merged.drop(columns="_members").equals(frame)


def test_find_then_merge_end_to_end() -> None:
    rows = [{"email": "ann@x.com", "firstname": "Ann", "city": "Oslo"},
            {"email": "ann@x.com", "firstname": "Ann", "phone": "+4722334455"},
            {"email": "other@x.com", "firstname": "Kari"}]
    frame = frame_of(rows)
    groups = find_duplicate_groups(frame, "contacts", DedupeSettings())
    merged, conflicts = merge_groups(frame, groups, DedupeSettings())
    assert groups == [[0, 1]] and len(merged) == 2 and conflicts == []
    assert merged.iloc[0][["city", "phone"]].tolist() == ["Oslo", "+4722334455"]
