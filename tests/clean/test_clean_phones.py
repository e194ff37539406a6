"""Phone normaliser: E.164, extensions, regions per row, impossible numbers reported."""

from __future__ import annotations

import pandas as pd

from crm_migrate.clean.phones import normalize_phones, split_extension


def _run(values: list[str], region: object = "US") -> tuple[list[str], list[str]]:
    result = normalize_phones(pd.Series(values), region)  # type: ignore[arg-type]
    return list(result.values), list(result.problems)


def test_national_and_international_formats_become_e164() -> None:
    values, problems = _run(["(415) 555-0123", "415.555.0123", "+1 415 555 0123", "tel:+14155550123",
                             "001 415 555 0123", "4155550123.0", "'+44 20 7946 0958"])
    assert values == ["+14155550123"] * 6 + ["+442079460958"]
    assert problems == [""] * 7


def test_extension_kept_in_rfc3966_style() -> None:
    values, problems = _run(["+1 415 555 0123 ext. 12", "415-555-0123 x7"])
    assert values == ["+14155550123;ext=12", "+14155550123;ext=7"]
    assert split_extension(values[0]) == ("+14155550123", "12")
    assert problems == ["", ""]


def test_impossible_numbers_are_reported_not_guessed() -> None:
    values, problems = _run(["12", "894-7696", "n/a", "030 1234567"])
    assert values == ["", "", "", ""]
    assert problems[0].startswith("not a valid phone number for US")
    assert "area code missing" in problems[1]
    assert "no digits" in problems[2]
    assert problems[3].startswith("not a valid phone number for US")


def test_number_with_country_code_ignores_the_region() -> None:
    values, _ = _run(["+49 30 1234567", "0049 30 1234567", "+49 (0)30 1234567"], "US")
    assert values == ["+49301234567"] * 3


def test_region_per_row_overrides_the_default() -> None:
    # default region US, but the country column says DE for the second row
    regions = pd.Series(["US", "DE", ""])
    values, problems = _run(["(415) 555-0123", "030 1234567", "(415) 555-0123"], regions)
    assert values == ["+14155550123", "+49301234567", ""]
    assert "no country code and no default region" in problems[2]


def test_no_region_needs_a_country_code() -> None:
    values, problems = _run(["+14155550123", "4155550123"], None)
    assert values == ["+14155550123", ""]
    assert problems[1] == "not a valid phone number: no country code and no default region"


def test_several_numbers_in_one_cell_keep_the_first() -> None:
    result = normalize_phones(pd.Series(["415-555-0123 / 415-555-0199"]), "US")
    assert list(result.values) == ["+14155550123"]
    assert "several phone numbers" in result.problems[0]
    assert list(result.extra["other_phones"]) == ["+14155550199"]


def test_index_preserved_and_empty_cells_fine() -> None:
    series = pd.Series(["", "(415) 555-0123", None], index=[5, 6, 7])
    result = normalize_phones(series, "US")
    assert list(result.values.index) == [5, 6, 7]
    assert list(result.values) == ["", "+14155550123", ""]
    assert list(result.problems) == ["", "", ""]


def test_fast_validity_agrees_with_phonenumbers() -> None:
    import random

    import phonenumbers

    from crm_migrate.clean.phones import _valid

    rng = random.Random(5)
    for _ in range(3000):
        region = rng.choice(["US", "CA", "DE", "GB", "JM", None])
        kind = rng.random()
        if kind < 0.4:
            text = str(rng.randint(2_000_000_000, 9_999_999_999))
        elif kind < 0.7:
            text = f"+{rng.randint(1, 999)}{rng.randint(10**6, 10**11)}"
        else:
            text = f"+1{rng.randint(2_000_000_000, 9_999_999_999)}"
        try:
            expected = phonenumbers.is_valid_number(phonenumbers.parse(text, region))
        except phonenumbers.NumberParseException:
            expected = False
        assert (_valid(text, region) is not None) == expected, (text, region)
