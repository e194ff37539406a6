"""Nothing invented: every normaliser returns the documented normalisation of its input, or blank + reported.

Property-style without a dependency: from valid seeds, generated variants that only
change what the normaliser documents (case, whitespace at the ends, decoration) must
give the seed's normal form; variants that break the value (a space or letters inside
it, a word glued in front) must come back blank with a problem, never as a valid-looking
part of the input.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import pandas as pd
import pytest

from crm_migrate.clean.addresses import parse_address, parse_place
from crm_migrate.clean.countries import normalize_countries
from crm_migrate.clean.dates import normalize_dates
from crm_migrate.clean.emails import normalize_emails
from crm_migrate.clean.names import normalize_person_names, split_full_name
from crm_migrate.clean.numbers import normalize_numbers
from crm_migrate.clean.phones import normalize_phones
from crm_migrate.clean.result import NormalizeResult
from crm_migrate.clean.websites import normalize_websites

RNG = random.Random(16)
Normaliser = Callable[[pd.Series], NormalizeResult]


def run(normaliser: Normaliser, cells: list[str]) -> list[tuple[str, str]]:
    result = normaliser(pd.Series(cells, dtype=object))
    return list(zip(result.values.tolist(), result.problems.tolist(), strict=True))


def outer_space(text: str) -> str:
    return RNG.choice([" ", "  ", "\t"]) + text + RNG.choice(["", " ", "  "])


def inner(text: str, insert: str, lo: int = 1) -> str:
    """`insert` at a random position strictly inside the first run of letters/digits."""
    runs = [m for m in re.finditer(r"[^\W_]{3,}", text)]
    run_ = RNG.choice(runs)
    at = RNG.randint(run_.start() + lo, run_.end() - 1)
    return text[:at] + insert + text[at:]


# normaliser -> (seed cell, its normal form), documented variants, breaking variants
CASES: dict[str, tuple[Normaliser, list[tuple[str, str]], list[Callable[[str], str]], list[Callable[[str], str]]]] = {
    "emails": (
        normalize_emails,
        [("jane.doe@example.com", "jane.doe@example.com"), ("Bob_99@Mail.Example.org", "bob_99@mail.example.org"),
         ("ana+crm@sub.example.de", "ana+crm@sub.example.de")],
        [str.upper, outer_space, lambda t: f"<{t}>", lambda t: f"mailto:{t}", lambda t: f"Jane Q. Doe <{t}>"],
        [lambda t: inner(t.split("@")[0], " ") + "@" + t.split("@")[1], lambda t: "jane " + t,
         lambda t: t.replace("@", " "), lambda t: t + " xyz"],
    ),
    "phones": (
        lambda s: normalize_phones(s, "US"),
        [("(415) 555-0123", "+14155550123"), ("+49 30 1234567", "+49301234567"), ("212.555.0187", "+12125550187")],
        [outer_space, lambda t: "tel:" + t],
        [lambda t: inner(t, "q"), lambda t: inner(t, "ab")],
    ),
    "dates": (
        normalize_dates,
        [("2021-03-05", "2021-03-05"), ("5 March 1975", "1975-03-05"), ("17.04.1961", "1961-04-17")],
        [outer_space, str.upper],
        [lambda t: inner(t, "x"), lambda t: t + "99"],
    ),
    "numbers": (
        normalize_numbers,
        [("1234.50", "1234.5"), ("$1,234.50", "1234.5"), ("12000", "12000")],
        [outer_space],
        [lambda t: inner(t, " eur "), lambda t: inner(t, "x"), lambda t: inner(t, " 5 ")],
    ),
    "websites": (
        normalize_websites,
        [("https://www.acme.example/about", "https://www.acme.example/about"), ("acme-tools.example", "https://acme-tools.example")],
        [outer_space, lambda t: t.replace("acme", "ACME")],
        [lambda t: inner(t, " "), lambda t: "jane@" + t.split("//")[-1]],
    ),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_documented_variants_give_the_normal_form(kind: str) -> None:
    normaliser, seeds, documented, _ = CASES[kind]
    cells = [(variant(seed), want) for seed, want in seeds for variant in [str, *documented] for _ in range(3)]
    for (cell, want), (value, problem) in zip(cells, run(normaliser, [c for c, _ in cells]), strict=True):
        assert (value, problem) == (want, ""), cell


@pytest.mark.parametrize("kind", sorted(CASES))
def test_broken_values_come_back_blank_and_reported(kind: str) -> None:
    normaliser, seeds, _, breaking = CASES[kind]
    cells = [brk(seed) for seed, _ in seeds for brk in breaking for _ in range(5)]
    for cell, (value, problem) in zip(cells, run(normaliser, cells), strict=True):
        assert value == "" and problem, f"{cell!r} -> {value!r}"


def test_names_change_only_case_and_spacing() -> None:
    cells = ["JANE DOE", "  o'brien ", "van der BERG", "McDonald", "ANNE-MARIE  SCHMIDT", "jürgen müller"]
    for cell, (value, _) in zip(cells, run(normalize_person_names, cells), strict=True):
        assert value.lower() == " ".join(cell.split()).lower()


def test_split_names_only_keep_words_of_the_input() -> None:
    for cell in ["Dr. Jane van der Berg", "SMITH, JOHN", "Bob Jones Jr.", "Jane Roe, PhD", "Mr John Q Public"]:
        first, last, suffix, _ = split_full_name(cell)
        words = {w.lower().strip(".,") for w in cell.split()}
        assert {w.lower().strip(".,") for w in f"{first} {last} {suffix}".split()} <= words, cell


def test_countries_are_kept_or_coded_never_guessed() -> None:
    cells = ["Germany", "  deutschland ", "Atlantis", "Germ any"]
    result = run(lambda s: normalize_countries(s, "alpha2"), cells)
    assert result[0] == ("DE", "") and result[1] == ("DE", "")
    assert result[2] == ("Atlantis", "unknown country: kept as given")
    assert result[3] == ("Germ any", "unknown country: kept as given")


def test_address_parts_are_pieces_of_the_input() -> None:
    for cell in ["1 Main St\nSpringfield, IL 62704", "Hauptstraße 12, 70173 Stuttgart", "Somewhere 5, xyz 12 q"]:
        parts = parse_address(cell)
        squashed = " ".join(cell.split())
        for part in parts[:5]:
            for piece in part.split(", "):
                assert piece.lower() in squashed.lower() or piece == "", (cell, part)
    assert parse_place("Spring field IL 6270x")[3]  # not a place: reported, not trimmed
