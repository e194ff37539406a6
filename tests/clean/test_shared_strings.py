"""The cleaner keeps one str object per distinct value instead of copying every cell per phase."""

from __future__ import annotations

import pandas as pd

from crm_migrate.clean.result import as_text, on_distinct
from crm_migrate.clean.validate import normalize_text
from crm_migrate.dedupe import merge_groups
from crm_migrate.mapping.profile import DedupeSettings


def test_as_text_of_a_str_column_shares_one_object_per_value() -> None:
    column = pd.Series(["Boston", None, "Denver", "Boston"], dtype="str", index=[2, 3, 4, 5], name="City")
    out = as_text(column)
    assert out.tolist() == ["Boston", "", "Denver", "Boston"]
    assert out.dtype == object and out.index.tolist() == [2, 3, 4, 5] and out.name == "City"
    assert out[2] is out[5]


def test_as_text_keeps_an_all_str_object_column_as_it_is() -> None:
    column = pd.Series(["a", "b"], dtype=object)
    assert as_text(column) is column
    mixed = pd.Series([1, None, "x"], dtype=object)
    assert as_text(mixed).tolist() == ["1", "", "x"]


def test_on_distinct_runs_once_per_value_and_broadcasts() -> None:
    seen: list[int] = []

    def strip(values: pd.Series) -> pd.Series:
        seen.append(len(values))
        return values.str.strip()

    column = pd.Series([" a ", "b", " a "], dtype=object, index=[7, 8, 9], name="n")
    out = on_distinct(column, strip)
    assert out.tolist() == ["a", "b", "a"] and out.index.tolist() == [7, 8, 9] and out.name == "n"
    assert seen == [2] and out[7] is out[9]


def test_normalize_text_is_unchanged_by_working_on_distinct_values() -> None:
    column = pd.Series(["  Acme \t Inc. ", "Acme\u00a0 Inc.", None, "line\nbreak"], dtype=object)
    assert normalize_text(column).values.tolist() == ["Acme Inc.", "Acme Inc.", "", "line\nbreak"]


def test_merge_keeps_an_object_frame_object() -> None:
    frame = pd.DataFrame({"email": ["a@x.com", "a@x.com", "b@x.com"], "firstname": ["Ann", "Ann", "Bo"],
                          "_source": ["f:2", "f:3", "f:4"]}, dtype=object)
    merged, _ = merge_groups(frame, [[0, 1]], DedupeSettings())
    assert len(merged) == 2 and all(merged[c].dtype == object for c in merged.columns)
    assert merged["email"][0] is frame["email"][0]  # the same str object, not a copy
