"""Applying a profile's column transforms: values and problems, aligned with the input."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_migrate.clean.transforms import apply_transforms
from crm_migrate.errors import ProfileError


def series(*values: str) -> pd.Series:
    return pd.Series(list(values), index=range(1, len(values) + 1), dtype=object)


def test_text_transforms_chain_in_order() -> None:
    values, problems = apply_transforms(series("  jOHN   smith ", ""), ["trim", "title"])
    assert values.tolist() == ["John Smith", ""]
    assert problems.tolist() == ["", ""]
    assert apply_transforms(series("Ab"), ["lower"])[0].tolist() == ["ab"]
    assert apply_transforms(series("Ab"), ["upper"])[0].tolist() == ["AB"]


def test_phone_to_e164_with_region_and_problems_aligned() -> None:
    values, problems = apply_transforms(series("(415) 555-0123", "12", ""), [{"phone": {"region": "US"}}])
    assert values.iloc[0] == "+14155550123"
    assert values.index.tolist() == [1, 2, 3]
    assert problems.iloc[0] == "" and problems.iloc[1] != "" and problems.iloc[2] == ""


def test_phone_region_from_the_caller() -> None:
    values, _ = apply_transforms(series("030 901820"), ["phone"], region="DE")
    assert values.iloc[0] == "+4930901820"


def test_email_lowercases_and_flags_invalid() -> None:
    values, problems = apply_transforms(series(" Ann@Example.COM ", "not-an-email"), ["email"])
    assert values.iloc[0] == "ann@example.com"
    assert problems.iloc[0] == "" and problems.iloc[1] != ""


def test_date_dayfirst_and_explicit_format() -> None:
    values, _ = apply_transforms(series("03/04/1980"), [{"date": {"dayfirst": True}}])
    assert values.iloc[0] == "1980-04-03"
    values, problems = apply_transforms(series("31.12.1980", "garbage"), [{"date": {"format": "%d.%m.%Y"}}])
    assert values.iloc[0] == "1980-12-31"
    assert problems.iloc[1] != ""


def test_split_name_parts() -> None:
    assert apply_transforms(series("Dr. Jane A. Doe"), ["split_name"])[0].iloc[0] == "Jane"
    assert apply_transforms(series("Dr. Jane A. Doe"), [{"split_name": {"part": "last"}}])[0].iloc[0] == "Doe"


def test_join_columns() -> None:
    cols = {"Street": series("Main St", "Elm St"), "No": series("5", "")}
    values, _ = apply_transforms(series("x", "y"), [{"join": {"columns": ["Street", "No"], "separator": " "}}],
                                 columns=cols)
    assert values.tolist() == ["Main St 5", "Elm St"]
    with pytest.raises(ProfileError, match="not in the file"):
        apply_transforms(series("x"), [{"join": {"columns": ["Nope"]}}], columns=cols)


def test_map_values_exact_fuzzy_and_unmapped() -> None:
    spec = {"map_values": {"mapping": {"Customer": "customer", "Interessent": "lead", "Other": None}}}
    values, problems = apply_transforms(series("customer ", "Interessent", "Weird", "Other", ""), [spec])
    assert values.tolist() == ["customer", "lead", "Weird", "", ""]
    # an unmapped value passes unchanged without a problem of its own: the field's check judges
    # it (one issue per cell: tests/actions/test_value_map.py); a value mapped to nothing is one
    assert problems.iloc[2] == "" and problems.iloc[3] != ""
    fuzzy = {"map_values": {"mapping": {"Customer": "customer"}, "fuzzy": True}}
    assert apply_transforms(series("Custmer"), [fuzzy])[0].iloc[0] == "customer"


def test_default_and_regex() -> None:
    assert apply_transforms(series("", "x"), [{"default": {"value": "n/a"}}])[0].tolist() == ["n/a", "x"]
    assert apply_transforms(series(""), [{"default": "US"}])[0].tolist() == ["US"]
    values, problems = apply_transforms(series("ID-4711 a", "none"), [{"regex": {"pattern": r"ID-(\d+)", "group": 1}}])
    assert values.tolist() == ["4711", ""]
    assert problems.iloc[1] != ""
