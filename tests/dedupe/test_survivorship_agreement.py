"""Survivorship that prefers what members agree on: the majority value, a full first name over
its nickname, a spelling the column shares over a one-off typo, first/last names read the right
way round when members hold them swapped."""

from __future__ import annotations

import pandas as pd

from crm_migrate.dedupe import merge_groups
from crm_migrate.mapping.profile import DedupeSettings


def _frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows).fillna("")
    frame["_source"] = [str(i + 1) for i in range(len(frame))]
    return frame


def _merged(rows: list[dict[str, str]], group: list[int],
            settings: DedupeSettings | None = None) -> tuple[dict[str, str], list]:  # type: ignore[type-arg]
    out, conflicts = merge_groups(_frame(rows), [group], settings or DedupeSettings())
    merged = out[out["_members"] != ""].iloc[0]
    return {k: str(v) for k, v in merged.items()}, conflicts


def test_the_value_most_members_hold_wins_over_the_most_complete_row() -> None:
    rows = [{"firstname": "Jon", "lastname": "Smith", "email": "j@x.com", "phone": "+14155550100",
             "city": "Austin"},
            {"firstname": "John", "lastname": "Smith", "email": "j@x.com"},
            {"firstname": "John", "lastname": "Smith", "email": "j@x.com"}]
    merged, _ = _merged(rows, [0, 1, 2])
    assert merged["firstname"] == "John" and merged["phone"] == "+14155550100"


def test_a_full_first_name_wins_over_its_nickname() -> None:
    rows = [{"firstname": "Jess", "lastname": "Park", "email": "jp@x.com", "phone": "+14155550101"},
            {"firstname": "Jessica", "lastname": "Park", "email": "jp@x.com"}]
    merged, conflicts = _merged(rows, [0, 1])
    assert merged["firstname"] == "Jessica"
    assert any(c["field"] == "firstname" and c["kept"] == "Jessica" for c in conflicts)


def test_a_one_off_typo_loses_to_the_spelling_others_share() -> None:
    rows = [{"firstname": "Scottt", "lastname": "Hill", "email": "sh@x.com", "phone": "+14155550102"},
            {"firstname": "Scott", "lastname": "Hill", "email": "sh@x.com"},
            {"firstname": "Scott", "lastname": "Young", "email": "sy@x.com"},
            {"firstname": "Scott", "lastname": "Baker", "email": "sb@x.com"}]
    merged, _ = _merged(rows, [0, 1])
    assert merged["firstname"] == "Scott"
    alone = [{"firstname": "Scottt", "lastname": "Hill", "email": "sh@x.com", "phone": "+1415"},
             {"firstname": "Scott", "lastname": "Hill", "email": "sh@x.com"}]
    assert _merged(alone, [0, 1])[0]["firstname"] == "Scott"  # a tripled letter is a typo


def test_swapped_first_and_last_names_are_read_the_right_way_round() -> None:
    rows = [{"firstname": "Thompson", "lastname": "Jessica", "email": "jt@x.com",
             "phone": "+14155550103", "city": "Boston"},
            {"firstname": "Jessica", "lastname": "Thompson", "email": "jt@x.com"}]
    merged, conflicts = _merged(rows, [0, 1])
    assert (merged["firstname"], merged["lastname"]) == ("Jessica", "Thompson")
    assert any(c["rule"] == "swapped first/last names" for c in conflicts)


def test_an_explicit_rule_is_still_obeyed() -> None:
    rows = [{"firstname": "Jess", "lastname": "Park", "email": "jp@x.com"},
            {"firstname": "Jessica", "lastname": "Park", "email": "jp@x.com"}]
    merged, _ = _merged(rows, [0, 1], DedupeSettings(default_rule="first"))
    assert merged["firstname"] == "Jess"


def test_an_address_is_kept_together_from_one_member() -> None:
    """The Sören Neumann of the demo: one member in Köln, one in Nürnberg; the merged row must
    not pair Köln's street with Nürnberg's zip."""
    rows = [{"firstname": "Sören", "lastname": "Neumann", "email": "sn@x.de", "phone": "+4922100",
             "address": "Friedrichstr. 1", "city": "Köln", "zip": "50667", "country": "DE",
             "jobtitle": "Baker"},
            {"firstname": "Sören", "lastname": "Neumann", "email": "sn@x.de",
             "address": "Hauptmarkt 5", "city": "Nürnberg", "zip": "90402", "country": "DE"}]
    others = [{"email": f"o{i}@x.de", "city": "Nürnberg", "zip": "90403"} for i in range(2)]
    merged, conflicts = _merged(rows + others, [0, 1])  # the column spells Nürnberg more often
    block = (merged["address"], merged["city"], merged["zip"])
    assert block in {("Friedrichstr. 1", "Köln", "50667"), ("Hauptmarkt 5", "Nürnberg", "90402")}
    assert {c["field"] for c in conflicts} >= {"address", "city", "zip"}


def test_a_missing_address_part_comes_only_from_the_same_address() -> None:
    rows = [{"email": "a@x.com", "phone": "1", "jobtitle": "x", "address": "1 Main St",
             "city": "Austin", "zip": ""},
            {"email": "a@x.com", "address": "1 Main St", "city": "Austin", "zip": "78701"},
            {"email": "a@x.com", "address": "9 Elm St", "city": "Dallas", "zip": "75201"}]
    merged, _ = _merged(rows, [0, 1, 2])
    assert (merged["address"], merged["city"], merged["zip"]) == ("1 Main St", "Austin", "78701")


def test_the_address_most_members_hold_wins() -> None:
    rows = [{"email": "a@x.com", "phone": "1", "jobtitle": "x", "address": "9 Elm St",
             "city": "Dallas", "zip": "75201"},
            {"email": "a@x.com", "address": "1 Main St", "city": "Austin", "zip": "78701"},
            {"email": "a@x.com", "address": "1 main st", "city": "AUSTIN", "zip": "78701"}]
    merged, _ = _merged(rows, [0, 1, 2])
    assert (merged["city"], merged["zip"]) == ("Austin", "78701")
