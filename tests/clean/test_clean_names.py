"""Names: capitalisation of ALL-CAPS/lower-case names and full-name splitting."""

from __future__ import annotations

import pandas as pd

from crm_migrate.clean.names import normalize_person_names, split_full_names


def test_capitalisation() -> None:
    cells = ["JOHN MCDONALD", "o'brien", "VAN DER BERG", "jean-luc picard", "DeShawn", "  mary   ann ",
             "SMITH JR", "MACHADO", "d'angelo", "", "macdonald"]
    result = normalize_person_names(pd.Series(cells))
    assert list(result.values) == ["John McDonald", "O'Brien", "van der Berg", "Jean-Luc Picard",
                                   "DeShawn", "Mary Ann", "Smith Jr.", "Machado", "D'Angelo", "",
                                   "MacDonald"]
    assert set(result.problems) == {""}


def test_split_full_names() -> None:
    cells = ["Smith, John", "Dr. Jane van der Berg", "Herr Hans Müller", "Bob Jones Jr.",
             "JOHN SMITH", "Madonna", "Mary Ann Smith", "O'BRIEN, PAT", ""]
    first, last, problems = split_full_names(pd.Series(cells))
    assert list(first) == ["John", "Jane", "Hans", "Bob", "John", "Madonna", "Mary Ann", "Pat", ""]
    assert list(last) == ["Smith", "van der Berg", "Müller", "Jones Jr.", "Smith", "", "Smith",
                          "O'Brien", ""]
    assert set(problems) == {""}
