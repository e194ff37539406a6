"""Numbers, booleans, picklists, lengths and placeholders."""

from __future__ import annotations

import pandas as pd

from crm_migrate.clean.numbers import normalize_numbers, parse_number
from crm_migrate.clean.validate import (
    blank_placeholders,
    check_lengths,
    normalize_bools,
    normalize_picklist,
)
from crm_migrate.schema import builtin_schema


def test_numbers() -> None:
    assert parse_number("€ 1.234,50") == ("1234.5", "")
    assert parse_number("$1,234.50") == ("1234.5", "")
    assert parse_number("12k") == ("12000", "")
    assert parse_number("(1,200)") == ("-1200", "")
    assert parse_number("abc") == ("", "not a number")
    assert parse_number("50-100")[1].startswith("a range")
    assert parse_number("approx. 200") == ("200", "approximate number: kept 200")
    # the column decides that "." groups thousands
    assert list(normalize_numbers(pd.Series(["1.234", "1.234,50"])).values) == ["1234", "1234.5"]
    assert list(normalize_numbers(pd.Series(["12.5"]), integer=True).values) == ["12"]


def test_bools() -> None:
    result = normalize_bools(pd.Series(["Yes", "nein", "x", "maybe"]))
    assert list(result.values) == ["true", "false", "true", ""]
    assert result.problems[3] == "not yes/no (true/false)"


def test_picklist_values_labels_and_unknowns() -> None:
    spec = builtin_schema("contacts").fields["lifecyclestage"]
    result = normalize_picklist(pd.Series(["customer", "Marketing Qualified Lead", "LEAD", "Kunde"]), spec)
    assert list(result.values) == ["customer", "marketingqualifiedlead", "lead", ""]
    assert "is not an option of lifecyclestage" in result.problems[3]


def test_lengths_and_placeholders() -> None:
    spec = builtin_schema("contacts").fields["firstname"]
    result = check_lengths(pd.Series(["a" * 90, "Bob"]), spec, truncate=True)
    assert list(result.values) == ["a" * 80, "Bob"]
    assert result.problems[0] == "longer than 80 characters: cut to 80"
    left_out = check_lengths(pd.Series(["a" * 90, "Bob"]), spec)  # no truncate: reported, not cut
    assert list(left_out.values) == ["", "Bob"] and "longer than 80" in left_out.problems[0]
    assert list(left_out.extra["too_long"]) == [True, False]
    assert list(blank_placeholders(pd.Series(["n/a", "0/0/00", "-", "Bob", "NA"]))) == \
        ["", "", "", "Bob", "NA"]


def test_us_zip_codes_get_their_leading_zeros_back() -> None:
    from crm_migrate.clean.validate import repair_zips

    values = pd.Series(["2134", "2134.0", "02134", "10115", "1010", ""])
    regions = pd.Series(["US", "US", "US", "DE", "AT", "US"])
    result = repair_zips(values, regions)
    assert list(result.values) == ["02134", "02134", "02134", "10115", "1010", ""]
    assert result.problems[0].endswith("now 02134") and result.problems[2] == ""
    assert list(repair_zips(pd.Series(["501"]), "US").values) == ["00501"]


def test_percentages_keep_the_number_as_written() -> None:
    """"70%" in a number property is 70 (percent points, what the user sees in the field)."""
    assert parse_number("70%") == ("70", "")
    assert parse_number("12,5 %") == ("12.5", "")
    assert parse_number("%") == ("", "not a number")
    assert normalize_numbers(pd.Series(["70%", "0%", "100 %", ""], dtype=object)).values.tolist() == \
        ["70", "0", "100", ""]
