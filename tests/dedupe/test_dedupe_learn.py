"""Weights learned from the file (EM), the hand-set prior on small files, households as
evidence, and blocking whose candidate pairs grow linearly with the rows."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd

from crm_migrate.dedupe import explain_pair, find_duplicate_groups, model, scoring
from crm_migrate.dedupe.blocking import candidate_keys
from crm_migrate.dedupe.features import build_features
from crm_migrate.dedupe.learn import learn_model
from crm_migrate.mapping.profile import DedupeSettings

COLUMNS = ["email", "firstname", "lastname", "phone", "mobilephone", "company", "jobtitle",
           "address", "city", "state", "zip", "country", "date_of_birth"]
FIRST = ("James John Robert Michael William David Richard Joseph Thomas Charles Daniel Matthew Mark "
         "Paul Steven Andrew Kevin Brian George Edward Jason Ryan Jacob Gary Eric Peter Mary Linda "
         "Susan Sarah Karen Nancy Lisa Betty Sandra Ashley Emily Donna Carol Amanda Laura Helen Anna "
         "Emma Julia Grace Rose Sophie Hans Klaus Pierre Carmen").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Wilson Anderson Taylor Moore Martin "
        "Thompson White Harris Clark Lewis Walker Young Allen King Wright Scott Hill Green Adams Baker "
        "Nelson Hall Campbell Mitchell Carter Roberts Turner Parker Evans Collins Stewart Morris Murphy "
        "Cook Rogers Morgan Cooper Reed Bailey Bell Kelly Howard Ward Cox Wood Gray Hughes Price").split()
STREETS = "Main Oak Pine Maple Cedar Elm Lake Hill Park Church High Mill Bridge Spring River".split()
CITIES = [("Boston", "021"), ("Denver", "802"), ("Austin", "787"), ("Seattle", "981"), ("Miami", "331")]


def person(rng: random.Random, n: int) -> dict[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, zip3 = rng.choice(CITIES)
    return {"firstname": first, "lastname": last,
            "email": f"{first.lower()}.{last.lower()}{n}@example.com" if rng.random() < 0.7 else "",
            "phone": f"+1{rng.randrange(200, 999)}{rng.randrange(200, 999)}{rng.randrange(10000):04d}"
                     if rng.random() < 0.6 else "",
            "address": f"{rng.randrange(1, 3000)} {rng.choice(STREETS)} Street" if rng.random() < 0.8 else "",
            "city": city, "zip": f"{zip3}{rng.randrange(100):02d}",
            "date_of_birth": f"{rng.randrange(1940, 2004)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
                             if rng.random() < 0.6 else ""}


def slip(rng: random.Random, word: str) -> str:
    pos = rng.randrange(1, len(word))
    return word[:pos] + rng.choice("aeiou") + word[pos + 1:]


def planted(people: int, seed: int = 3) -> tuple[pd.DataFrame, list[int]]:
    """People plus a duplicate of every fifth with a slip and a dropped or changed field."""
    rng = random.Random(seed)
    rows = [person(rng, n) for n in range(people)]
    entity = list(range(people))
    for n in range(0, people, 5):
        twin = dict(rows[n])
        twin["firstname" if rng.random() < 0.5 else "lastname"] = slip(rng, twin["firstname"])
        twin[rng.choice(["email", "phone", "address"])] = ""
        rows.append(twin)
        entity.append(n)
    frame = pd.DataFrame([{c: r.get(c, "") for c in COLUMNS} for r in rows])
    frame["_source"] = [f"in.csv:{n + 1}" for n in range(len(frame))]
    return frame, entity


def test_em_learns_weights_that_separate_the_planted_duplicates() -> None:
    frame, entity = planted(3000)
    feats = build_features(frame, "contacts")
    keys = candidate_keys(feats)
    learned = learn_model(feats, keys)
    assert learned.learned and learned.pairs == len(keys)
    # agreement speaks for a duplicate, a clear difference against it
    for name in ("first", "last", "dob", "address", "zip", "phone", "email"):
        weights = learned.weights(name)
        assert weights[0] > 3.0 > 0.0 > weights[len(model.CUTS[name])], name
    # duplicates share their birth date far more often than the hand-set prior's 95%... or less:
    # either way m comes from the file (differs from the prior)
    prior = model.prior_model(scoring.CONTACT_RULES, scoring.PRIOR_BITS)  # type: ignore[arg-type]
    assert not np.allclose(learned.m["dob"], prior.m["dob"], atol=0.01)
    # the estimated share of duplicates among candidate pairs is near the truth (600 pairs)
    assert 300 < learned.duplicate_share * len(keys) < 1200
    feats.model = learned
    size = len(frame)
    first, second = keys // size, keys % size
    same = np.asarray(entity)[first] == np.asarray(entity)[second]
    score = scoring.score_pairs(feats, first, second).score
    assert (score[same] >= 0.85).mean() > 0.9
    assert (score[~same] >= 0.85).mean() < 0.01


def test_a_tiny_file_is_scored_with_the_hand_set_prior() -> None:
    frame, _ = planted(40)
    feats = build_features(frame, "contacts")
    keys = candidate_keys(feats)
    assert len(keys) < model.MIN_LEARN_PAIRS
    prior = learn_model(feats, keys)
    assert not prior.learned
    find_duplicate_groups(frame, "contacts", DedupeSettings())
    info = explain_pair(frame, 0, 40, "contacts")
    assert info["model"] == "hand-set" and info["prior_bits"] == scoring.PRIOR_BITS


def test_explain_shows_learned_levels_after_a_big_file() -> None:
    frame, _ = planted(3000)
    groups = find_duplicate_groups(frame, "contacts", DedupeSettings())
    assert groups
    a, b = groups[0][:2]
    info = explain_pair(frame, a, b, "contacts")
    assert info["model"] == "learned"
    fields = info["fields"]
    assert isinstance(fields, dict)
    assert all("level" in f and "weight_bits" in f and "similarity" in f for f in fields.values())


FERRIS = {"firstname": "Christian", "lastname": "Ferris", "address": "17 Kalgoorlie Crescent",
          "city": "Hawthorn", "zip": "3122", "state": "VIC", "date_of_birth": "1973-06-14"}


def test_same_first_name_address_and_birth_date_with_another_surname_is_one_person() -> None:
    """FEBRL's christian ferris / christian walch: only the surname differs (a marriage, a typo)."""
    rows = [FERRIS, {**FERRIS, "lastname": "Walch"},
            {"firstname": "Olga", "lastname": "Ivanova", "city": "Denver"}]
    frame = pd.DataFrame([{c: r.get(c, "") for c in COLUMNS} for r in rows])
    assert find_duplicate_groups(frame, "contacts", DedupeSettings()) == [[0, 1]]
    info = explain_pair(frame, 0, 1, "contacts")
    fields = info["fields"]
    assert isinstance(fields, dict) and fields["lastname"]["weight_bits"] < 0  # evidence against, outweighed


def test_household_member_with_another_first_name_is_not_merged() -> None:
    home = {"lastname": "Ferris", "address": "17 Kalgoorlie Crescent", "city": "Hawthorn", "zip": "3122",
            "state": "VIC", "phone": "+61398765432"}
    rows = [{**home, "firstname": "Christian", "email": "christian.ferris@example.com",
             "date_of_birth": "1973-06-14"},
            {**home, "firstname": "Margaret"},
            {"firstname": "Olga", "lastname": "Ivanova", "city": "Denver"}]
    frame = pd.DataFrame([{c: r.get(c, "") for c in COLUMNS} for r in rows])
    assert find_duplicate_groups(frame, "contacts", DedupeSettings()) == []
    info = explain_pair(frame, 0, 1, "contacts")
    fields = info["fields"]
    assert isinstance(fields, dict)
    assert fields["household"]["level"] == "look-alike" and fields["household"]["weight_bits"] < -10


def test_household_look_alikes_stay_apart_in_a_learned_file() -> None:
    """In a file big enough to learn from, a spouse and a junior are still two people."""
    frame, _ = planted(3000)
    home = {"lastname": "Quartermaine", "address": "4 Wattle Street", "city": "Boston", "zip": "02155",
            "phone": "+16175550142"}
    extra = [{**home, "firstname": "Christian", "email": "cq@example.com", "date_of_birth": "1950-02-01"},
             {**home, "firstname": "Margaret"},
             {**home, "firstname": "Christian", "email": "cq.jr@example.com", "date_of_birth": "1979-08-30"}]
    frame = pd.concat([frame, pd.DataFrame([{c: r.get(c, "") for c in COLUMNS} for r in extra])],
                      ignore_index=True)
    groups = find_duplicate_groups(frame, "contacts", DedupeSettings())
    size = len(frame)
    assert explain_pair(frame, size - 3, size - 1, "contacts")["model"] == "learned"
    assert not any(size - 3 in g and (size - 2 in g or size - 1 in g) for g in groups)
    assert not any(size - 2 in g and size - 1 in g for g in groups)


def dense(rows: int, seed: int = 9) -> pd.DataFrame:
    """Few names and cities, so the name and birth-year blocks grow with the file."""
    rng = random.Random(seed)
    out = []
    for n in range(rows):
        rec = person(rng, n)
        rec["firstname"], rec["lastname"] = rng.choice(FIRST[:20]), rng.choice(LAST[:20])
        out.append(rec)
    frame = pd.DataFrame([{c: r.get(c, "") for c in COLUMNS} for r in out])
    frame["_source"] = [f"in.csv:{n + 1}" for n in range(len(frame))]
    return frame


def test_candidate_pairs_per_record_stay_flat_as_the_rows_double() -> None:
    per_record = []
    for rows in (10_000, 20_000, 40_000):
        feats = build_features(dense(rows), "contacts")
        per_record.append(len(candidate_keys(feats)) / rows)
    assert per_record[2] <= 1.3 * per_record[0]  # quadratic blocking: 4x (18 -> 73 a record)
    assert max(per_record) < 12
