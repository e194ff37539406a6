"""Names: capitalisation of ALL-CAPS/lower-case names and full-name splitting."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_migrate.clean.names import normalize_person_names, split_full_name, split_full_names


def test_capitalisation() -> None:
    cells = ["JOHN MCDONALD", "o'brien", "VAN DER BERG", "jean-luc picard", "DeShawn", "  mary   ann ",
             "SMITH JR", "MACHADO", "d'angelo", "", "macdonald"]
    result = normalize_person_names(pd.Series(cells))
    assert list(result.values) == ["John McDonald", "O'Brien", "van der Berg", "Jean-Luc Picard",
                                   "DeShawn", "Mary Ann", "Smith", "Machado", "D'Angelo", "",
                                   "MacDonald"]
    assert [i for i, problem in enumerate(result.problems) if problem] == [6]  # Jr. dropped


def test_split_full_names() -> None:
    cells = ["Smith, John", "Dr. Jane van der Berg", "Herr Hans Müller", "Bob Jones Jr.",
             "JOHN SMITH", "Madonna", "Mary Ann Smith", "O'BRIEN, PAT", ""]
    first, last, suffix, problems = split_full_names(pd.Series(cells))
    assert list(first) == ["John", "Jane", "Hans", "Bob", "John", "Madonna", "Mary Ann", "Pat", ""]
    assert list(last) == ["Smith", "van der Berg", "Müller", "Jones", "Smith", "", "Smith",
                          "O'Brien", ""]
    assert list(suffix) == ["", "", "", "Jr.", "", "", "", "", ""]
    assert set(problems) == {""}


@pytest.mark.parametrize(
    ("cell", "first", "last", "suffix"),
    [
        ("Jane Roe, PhD", "Jane", "Roe", "PhD"),
        ("Jane Roe PhD", "Jane", "Roe", "PhD"),
        ("JOHN SMITH MBA", "John", "Smith", "MBA"),
        ("Dr. Ann Lee, MD", "Ann", "Lee", "MD"),
        ("Tom Ray, CPA", "Tom", "Ray", "CPA"),
        ("Mark Hill, Esq.", "Mark", "Hill", "Esq."),
        ("Bob Jones Sr.", "Bob", "Jones", "Sr."),
        ("Henry Ford III", "Henry", "Ford", "III"),
        ("Smith, John, Jr.", "John", "Smith", "Jr."),
        ("Ann Lee MD PhD", "Ann", "Lee", "MD, PhD"),
    ],
)
def test_post_nominal_letters_stay_out_of_first_and_last_name(cell: str, first: str, last: str, suffix: str) -> None:
    assert split_full_name(cell) == (first, last, suffix, "")


def test_post_nominals_leave_a_mapped_last_name_column() -> None:
    result = normalize_person_names(pd.Series(["Roe, PhD", "Jones Jr.", "SMITH MBA", "Md", "Kim"]))
    assert list(result.values) == ["Roe", "Jones", "Smith", "Md", "Kim"]
    assert "'PhD' dropped" in result.problems[0] and "'Jr.' dropped" in result.problems[1]
    assert list(result.problems[3:]) == ["", ""]
