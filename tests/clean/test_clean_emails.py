"""Email normaliser: display names, mailto:, several addresses, unicode, trailing dots, repairs."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_migrate.clean.emails import normalize_emails


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Bob@X.com", "bob@x.com"),
        ("  bob@x.com  ", "bob@x.com"),
        ("Bob Smith <Bob@X.com>", "bob@x.com"),
        ('"Smith, Bob" <bob@ex.com>', "bob@ex.com"),
        ("mailto:Alice@Example.org", "alice@example.org"),
        ("<carl@ex.com>", "carl@ex.com"),
        ("bob@x.com.", "bob@x.com"),
        ("jürgen@müller.de", "jürgen@müller.de"),
    ],
)
def test_clean_addresses(cell: str, expected: str) -> None:
    result = normalize_emails(pd.Series([cell]))
    assert result.values[0] == expected
    assert result.problems[0] == ""


@pytest.mark.parametrize("cell", ["bad@", "no email here", "x@y.local", "bob..x@x.com", "@x.com"])
def test_invalid_addresses_blanked_and_reported(cell: str) -> None:
    result = normalize_emails(pd.Series([cell]))
    assert result.values[0] == ""
    assert result.problems[0] == "not a valid email address"


def test_several_addresses_first_kept_rest_reported() -> None:
    result = normalize_emails(pd.Series(["a@b.com; C@D.com", "Bob <bob@ex.com>, jane@ex.com"]))
    assert list(result.values) == ["a@b.com", "bob@ex.com"]
    assert list(result.extra["other_emails"]) == ["c@d.com", "jane@ex.com"]
    assert all("several email addresses" in p for p in result.problems)


def test_repairs_are_kept_with_a_warning() -> None:
    result = normalize_emails(pd.Series(["rchen @summit.com", "m@@cedar.co", "liz(at)pioneer.io"]))
    assert list(result.values) == ["rchen@summit.com", "m@cedar.co", "liz@pioneer.io"]
    assert all(p.startswith("repaired a malformed address") for p in result.problems)


def test_empty_cells_are_fine() -> None:
    result = normalize_emails(pd.Series(["", None, "  "]))
    assert list(result.values) == ["", "", ""]
    assert list(result.problems) == ["", "", ""]


def test_fast_path_never_accepts_what_email_validator_rejects() -> None:
    import random
    import string

    from email_validator import EmailNotValidError, validate_email

    rng = random.Random(1)
    local_chars = string.ascii_lowercase + string.digits + "._%+-"
    label_chars = string.ascii_lowercase + string.digits + "-"
    cells = ["a@ab--cd.com", "a@xn--bcher-kva.com", "a@x-.com", "a" * 65 + "@x.com", "a@b.invalid"]
    for _ in range(3000):
        local = "".join(rng.choice(local_chars) for _ in range(rng.randint(1, 8)))
        labels = ["".join(rng.choice(label_chars) for _ in range(rng.randint(1, 6)))
                  for _ in range(rng.randint(1, 3))]
        cells.append(f"{local}@{'.'.join(labels)}.{rng.choice(['com', 'de', 'museum', 'x'])}")
    result = normalize_emails(pd.Series(cells))
    for cell, value in zip(cells, result.values, strict=True):
        try:
            expected = validate_email(cell, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            expected = ""
        assert value == expected, cell


def test_free_mail_typos_are_reported_not_changed() -> None:
    result = normalize_emails(pd.Series(["ann@gmial.com", "bob@gmail.com"]))
    assert list(result.values) == ["ann@gmial.com", "bob@gmail.com"]
    assert list(result.problems) == ["domain looks like a typo of gmail.com: kept as given", ""]


@pytest.mark.parametrize("cell", ["jane doe@example.com", "Jane Doe doe@example.com", "call me: jane doe@x.com"])
def test_an_address_with_a_space_inside_is_invalid_not_trimmed(cell: str) -> None:
    result = normalize_emails(pd.Series([cell]))
    assert (result.values[0], result.problems[0]) == ("", "not a valid email address")


def test_invalid_extra_addresses_are_reported_not_dropped() -> None:
    result = normalize_emails(pd.Series(["a@b.com; jane doe@x.com"]))
    assert result.values[0] == "a@b.com"
    assert result.problems[0] == "not valid email addresses, left out: jane doe@x.com"
