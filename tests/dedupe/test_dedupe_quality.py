"""Match quality fixes found by classifying the benchmark's wrong pairs (issue 15): another
person's first name is a name conflict however alike it is spelt, a household look-alike is
seen across a first/last swap, ..."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_migrate.dedupe import explain_pair, find_duplicate_groups, scoring
from crm_migrate.dedupe.features import build_features
from crm_migrate.mapping.profile import DedupeSettings
from tests.dedupe.test_dedupe_learn import COLUMNS, planted


def _frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame([{c: r.get(c, "") for c in COLUMNS} for r in rows])
    frame["_source"] = [f"in.csv:{n + 1}" for n in range(len(frame))]
    return frame


def _with_learning_file(extra: list[dict[str, str]]) -> tuple[pd.DataFrame, int]:
    """A file big enough to learn weights from, the extra rows at its end (and where they start)."""
    frame, _ = planted(3000)
    frame = pd.concat([frame.drop(columns="_source"), _frame(extra).drop(columns="_source")],
                      ignore_index=True)
    frame["_source"] = [f"in.csv:{n + 1}" for n in range(len(frame))]
    return frame, len(frame) - len(extra)


def test_another_persons_first_name_falls_in_the_different_level() -> None:
    sims = scoring.first_name_sims(np.asarray(["jason", "charles", "kirr", "dante", "bob", "samant ha"]),
                                   np.asarray(["juan", "charlotte", "kirra", "dzne", "robert", "samantha"]))
    # Jason/Juan and Charles/Charlotte are two people: at most OTHER_NAME_SIM, below the rule's `low`
    assert sims[0] == sims[1] == scoring.OTHER_NAME_SIM < scoring.CONTACT_RULES["first"].low
    # slips of one name (a dropped letter, two typos, a stray space) and nicknames keep their similarity
    assert sims[2] > 0.8 and sims[3] > scoring.OTHER_NAME_SIM and sims[4] == 1.0 and sims[5] > 0.8


def test_spouses_without_emails_at_one_home_and_phone_stay_apart() -> None:
    """Jason and Juan Nelson share a phone and an address; no e-mail lets the household check
    speak, so the first names' conflict has to (Jaro-Winkler alone calls them 'fuzzy')."""
    home = {"lastname": "Nelson", "address": "3090 Elm Avenue", "city": "Austin", "zip": "78766",
            "phone": "+13375190404"}
    frame, at = _with_learning_file([{**home, "firstname": "Jason"}, {**home, "firstname": "Juan"}])
    groups = find_duplicate_groups(frame, "contacts", DedupeSettings())
    assert not any(at in g and at + 1 in g for g in groups)
    info = explain_pair(frame, at, at + 1, "contacts")
    fields = info["fields"]
    assert isinstance(fields, dict) and fields["firstname"]["level"] == "different"


def test_household_look_alike_is_seen_across_a_name_swap() -> None:
    """'Turner Laura' (names swapped) and 'Lauren Turner' share the family name Turner."""
    rows = [{"firstname": "Turner", "lastname": "Laura", "email": "laura.turner@gmail.com"},
            {"firstname": "Lauren", "lastname": "Turner", "email": "lauren.turner@yahoo.com"},
            {"firstname": "Turner", "lastname": "Laura", "email": ""},
            {"firstname": "Laura", "lastname": "Turner", "email": "l.turner@work.com"}]
    feats = build_features(_frame(rows), "contacts")
    i, j = np.asarray([0, 2, 0]), np.asarray([1, 1, 3])
    sims = scoring.field_similarity_arrays(feats, i, j)
    # Laura/Lauren across the swap: two people; Turner Laura / Laura Turner: one person swapped
    assert scoring.other_people(feats, i, j, sims).tolist() == [True, True, False]
