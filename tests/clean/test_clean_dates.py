"""Date normaliser: column-decided day-first, Excel serials, two-digit years, ambiguity reported."""

from __future__ import annotations

from datetime import date

import pandas as pd

from crm_migrate.clean.dates import AMBIGUOUS, decide_dayfirst, excel_serial, normalize_dates


def _run(values: list[str], **kw: object) -> tuple[list[str], list[str]]:
    result = normalize_dates(pd.Series(values), **kw)  # type: ignore[arg-type]
    return list(result.values), list(result.problems)


def test_a_first_part_over_12_settles_the_column_as_day_first() -> None:
    values, problems = _run(["13/04/2021", "03/04/2021"])
    assert values == ["2021-04-13", "2021-04-03"]
    assert problems == ["", ""]


def test_a_second_part_over_12_settles_month_first() -> None:
    values, _ = _run(["04/13/2021", "03/04/2021"])
    assert values == ["2021-04-13", "2021-03-04"]


def test_undecided_column_reports_ambiguous_values() -> None:
    values, problems = _run(["03/04/2021", "05/06/2021", "07/07/2021", "2021-01-02"])
    assert values == ["", "", "2021-07-07", "2021-01-02"]
    assert problems[:2] == [AMBIGUOUS, AMBIGUOUS]
    assert problems[2:] == ["", ""]


def test_explicit_dayfirst_or_format_wins() -> None:
    assert _run(["03/04/2021"], dayfirst=True)[0] == ["2021-04-03"]
    assert _run(["03/04/2021"], dayfirst=False)[0] == ["2021-03-04"]
    assert _run(["03-04-2021"], fmt="%m-%d-%Y")[0] == ["2021-03-04"]
    values, problems = _run(["2021/03/04"], fmt="%m-%d-%Y")
    assert values == [""] and problems == ["not a date in the format %m-%d-%Y"]


def test_excel_serials_and_compact_dates() -> None:
    values, problems = _run(["44927", "44927.5", "20230115", "123"])
    assert values[:3] == ["2023-01-01", "2023-01-01T12:00:00Z", "2023-01-15"]
    assert values[3] == "" and "not a date" in problems[3]
    assert excel_serial(date(2023, 1, 1)) == 44927


def test_two_digit_years_and_dotted_german_dates() -> None:
    values, _ = _run(["15.03.85", "01.02.03"])
    assert values == ["1985-03-15", "2003-02-01"]


def test_month_names_in_english_german_french() -> None:
    values, problems = _run(["March 5, 2021", "5. März 2021", "1er mars 2021", "15 Dez 2020"])
    assert values == ["2021-03-05", "2021-03-05", "2021-03-01", "2020-12-15"]
    assert problems == ["", "", "", ""]


def test_datetimes_become_utc() -> None:
    values, _ = _run(["2023-01-15T10:30:00+02:00", "2023-01-15 10:30", "2023-01-15T00:00:00Z"])
    assert values == ["2023-01-15T08:30:00Z", "2023-01-15T10:30:00Z", "2023-01-15"]


def test_invalid_and_incomplete_dates() -> None:
    values, problems = _run(["31/02/2021", "garbage", "Jan 2021", ""])
    assert values == ["", "", "", ""]
    assert problems == ["not a valid date", "not a date", "not a complete date (no day)", ""]


def test_decide_dayfirst() -> None:
    assert decide_dayfirst(["13/01/2020"]) is True
    assert decide_dayfirst(["01/13/2020"]) is False
    assert decide_dayfirst(["01/02/2020"]) is None
    assert decide_dayfirst(["13/01/2020", "01/13/2020"]) is None


def test_each_separator_keeps_its_own_convention() -> None:
    # slashes are month-first here (10/16/2025), dots day-first: 04/03/2025 is April 3rd
    values, problems = _run(["10/16/2025", "04/03/2025", "18.11.2026", "06.11.2026", "Jul 01, 2026"])
    assert values == ["2025-10-16", "2025-04-03", "2026-11-18", "2026-11-06", "2026-07-01"]
    assert set(problems) == {""}
