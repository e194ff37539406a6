"""Date normaliser: column-decided day-first, Excel serials, two-digit years, ambiguity reported."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

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


@pytest.mark.parametrize(
    "cell",
    [
        "3 March 1975", "March 3rd, 1975", "the 3rd of March 1975", "3-Mar-1975",  # English
        "3. März 1975", "am 3. März 1975", "Montag, 3. März 1975", "3. Mär. 1975",  # German
        "3 mars 1975", "le 3 mars 1975", "lundi 3 mars 1975",  # French
        "3 de marzo de 1975", "3 marzo 1975", "lunes, 3 de marzo de 1975",  # Spanish
        "3 marzo 1975", "il 3 marzo 1975", "3 mar. 1975",  # Italian
        "3 de março de 1975", "3 de marco de 1975", "3 mar 1975",  # Portuguese
        "3 maart 1975", "3 mrt 1975", "op 3 maart 1975",  # Dutch
        "1975 Mar 3", "Mar 3 1975",
    ],
)
def test_month_names_with_articles_and_prepositions(cell: str) -> None:
    assert _run([cell]) == (["1975-03-03"], [""])


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("1 gennaio 2001", "2001-01-01"), ("15 ottobre 1999", "1999-10-15"), ("2 dicembre 1980", "1980-12-02"),
     ("9 de setembro de 1990", "1990-09-09"), ("24 outubro 1988", "1988-10-24"), ("30 mei 1970", "1970-05-30"),
     ("1er juillet 2000", "2000-07-01"), ("12 août 1963", "1963-08-12"), ("4. Dezember 1955", "1955-12-04"),
     ("20 de enero de 2010", "2010-01-20"), ("6 augustus 1944", "1944-08-06"), ("7 févr. 1970", "1970-02-07")],
)
def test_month_names_of_every_language(cell: str, expected: str) -> None:
    assert _run([cell]) == ([expected], [""])


def test_two_digit_years_with_month_abbreviations_state_the_pivot() -> None:
    pivot = (date.today().year + 10) % 100
    values, problems = _run(["07-Jan-82", f"07-Jan-{pivot:02d}", f"07-Jan-{pivot + 1:02d}"])
    century = date.today().year // 100 * 100
    assert values == ["1982-01-07", f"{century + pivot}-01-07", f"{century - 100 + pivot + 1}-01-07"]
    assert problems[0] == (f"two-digit year 82 read as 1982 (00-{pivot:02d} -> {century}s, "
                           f"{pivot + 1:02d}-99 -> {century - 100}s)")


def test_month_names_leave_the_columns_day_first_decision_alone() -> None:
    values, problems = _run(["13/04/2021", "03/04/2021", "3 de abril de 2021", "Apr 3, 2021"])
    assert values == ["2021-04-13", "2021-04-03", "2021-04-03", "2021-04-03"]
    assert problems == ["", "", "", ""]
    assert _run(["3 Mars 2021", "31 février 2021"])[1] == ["", "not a valid date"]
