"""Duplicate detection: each duplicate kind, look-alikes that must stay apart, constraints."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_migrate.dedupe import explain_pair, find_duplicate_groups
from crm_migrate.dedupe.blocking import pairs_from_keys
from crm_migrate.dedupe.nicknames import pair_count, same_first_name
from crm_migrate.dedupe.unionfind import UnionFind
from crm_migrate.mapping.profile import DedupeSettings

CONTACT_COLUMNS = ["email", "firstname", "lastname", "phone", "mobilephone", "company", "jobtitle",
                   "address", "city", "state", "zip", "country", "date_of_birth"]

# unrelated people so that name frequencies and blocks look like a real file
FILLER = [
    {"firstname": "Maria", "lastname": "Garcia", "email": "maria.garcia@example.org", "city": "Austin"},
    {"firstname": "Wei", "lastname": "Chen", "phone": "+14155550199", "city": "Seattle"},
    {"firstname": "Fatima", "lastname": "Khan", "email": "fk@example.net", "zip": "10115"},
    {"firstname": "Olga", "lastname": "Ivanova", "date_of_birth": "1975-03-02", "city": "Denver"},
    {"firstname": "Pierre", "lastname": "Dubois", "phone": "+33142685300", "city": "Paris"},
]


def frame_of(rows: list[dict[str, str]], columns: list[str] = CONTACT_COLUMNS, filler: bool = True) -> pd.DataFrame:
    """A cleaned frame as the clean pipeline hands it over: str cells, "" empty, _source ids."""
    all_rows = rows + (FILLER if filler and columns is CONTACT_COLUMNS else [])
    frame = pd.DataFrame([{c: r.get(c, "") for c in columns} for r in all_rows])
    frame["_source"] = [f"in.csv:{n + 1}" for n in range(len(frame))]
    return frame


def groups_of(rows: list[dict[str, str]], object_name: str = "contacts", **settings: object) -> list[list[int]]:
    columns = {"contacts": CONTACT_COLUMNS, "companies": COMPANY_COLUMNS, "deals": DEAL_COLUMNS}[object_name]
    return find_duplicate_groups(frame_of(rows, columns), object_name, DedupeSettings(**settings))


COMPANY_COLUMNS = ["domain", "name", "phone", "website", "address", "city", "zip", "country"]
DEAL_COLUMNS = ["dealname", "amount", "closedate", "dealstage", "pipeline"]


def test_exact_email_groups_rows_whatever_else_differs() -> None:
    rows = [{"email": "ann@acme.com", "firstname": "Ann", "lastname": "Lee"},
            {"email": "ann@acme.com", "firstname": "Annabel", "lastname": "Leigh-Smith"}]
    assert groups_of(rows) == [[0, 1]]


def test_email_case_and_whitespace_variants_are_the_same_key() -> None:
    rows = [{"email": " Ann@ACME.com ", "firstname": "Ann"}, {"email": "ann@acme.com", "firstname": "Ann"}]
    assert groups_of(rows, fuzzy=False) == [[0, 1]]


def test_nickname_with_same_phone_and_no_email() -> None:
    rows = [{"firstname": "Bob", "lastname": "Whitaker", "phone": "+14155550123"},
            {"firstname": "Robert", "lastname": "Whitaker", "phone": "+14155550123", "city": "Boston"}]
    assert groups_of(rows) == [[0, 1]]


def test_nickname_table_covers_several_languages() -> None:
    pairs = [("bob", "robert"), ("bill", "william"), ("liz", "elizabeth"), ("beth", "elizabeth"),
             ("betty", "liz"), ("peggy", "margaret"), ("dick", "richard"), ("jim", "james"),
             ("kate", "katherine"), ("sasha", "alexander"), ("hans", "johannes"), ("sepp", "josef"),
             ("pepe", "jose"), ("paco", "francisco"), ("josé", "pepe")]
    for a, b in pairs:
        assert same_first_name(a, b), (a, b)
    assert not same_first_name("john", "james")
    assert not same_first_name("bob", "bill")
    assert pair_count() >= 300


def test_typo_in_names_with_same_date_of_birth() -> None:
    rows = [{"firstname": "Jonathan", "lastname": "Kowalski", "date_of_birth": "1981-04-17", "city": "Chicago"},
            {"firstname": "Jonathon", "lastname": "Kowalsky", "date_of_birth": "1981-04-17", "city": "Chicago"}]
    assert groups_of(rows) == [[0, 1]]


def test_swapped_first_and_last_name() -> None:
    rows = [{"firstname": "Margarethe", "lastname": "Oberhauser", "phone": "+4989123456"},
            {"firstname": "Oberhauser", "lastname": "Margarethe", "mobilephone": "+4989123456"}]
    assert groups_of(rows) == [[0, 1]]


def test_transposed_day_and_month_of_birth_with_address_abbreviation() -> None:
    rows = [{"firstname": "Lucia", "lastname": "Fernandez", "date_of_birth": "1990-03-07",
             "address": "12 Chestnut Street", "zip": "02139"},
            {"firstname": "Lucia", "lastname": "Fernandes", "date_of_birth": "1990-07-03",
             "address": "12 Chestnut St.", "zip": "02139"}]
    assert groups_of(rows) == [[0, 1]]


def test_two_emails_same_name_and_phone_is_one_person() -> None:
    rows = [{"email": "k.osei@gmail.com", "firstname": "Kwame", "lastname": "Osei", "phone": "+447700900123"},
            {"email": "kwame@oseiconsulting.co.uk", "firstname": "Kwame", "lastname": "Osei",
             "phone": "+447700900123"}]
    assert groups_of(rows) == [[0, 1]]


def test_two_emails_and_only_a_similar_name_is_not() -> None:
    rows = [{"email": "k.osei@gmail.com", "firstname": "Kwame", "lastname": "Osei"},
            {"email": "kwame@oseiconsulting.co.uk", "firstname": "Kwame", "lastname": "Osei"}]
    assert groups_of(rows) == []


def test_same_common_name_in_two_cities_stays_apart() -> None:
    rows = [{"email": "john.smith@gmail.com", "firstname": "John", "lastname": "Smith",
             "phone": "+16175550100", "city": "Boston", "state": "MA"},
            {"email": "jsmith@yahoo.com", "firstname": "John", "lastname": "Smith",
             "phone": "+13035550177", "city": "Denver", "state": "CO"}]
    assert groups_of(rows) == []


def test_same_name_without_any_other_agreeing_field_stays_apart() -> None:
    rows = [{"firstname": "Xenophon", "lastname": "Papadopoulos"},
            {"firstname": "Xenophon", "lastname": "Papadopoulos", "city": "Athens"}]
    assert groups_of(rows) == []
    info = explain_pair(frame_of(rows), 0, 1, "contacts")
    assert info["evidence"] < info["evidence_needed"]


def test_shared_office_phone_with_different_names_stays_apart() -> None:
    rows = [{"firstname": "Ingrid", "lastname": "Berg", "phone": "+4930123456"},
            {"firstname": "Tomasz", "lastname": "Nowak", "phone": "+4930123456"}]
    assert groups_of(rows) == []


def test_company_legal_suffix_with_same_phone() -> None:
    rows = [{"name": "Acme Widgets GmbH", "phone": "+4930555000", "city": "Berlin"},
            {"name": "ACME Widgets Inc.", "phone": "+4930555000", "city": "Berlin"},
            {"name": "Acme Tools Ltd", "phone": "+4930555999", "city": "Berlin"}]
    assert groups_of(rows, "companies") == [[0, 1]]


def test_company_exact_domain_and_website() -> None:
    rows = [{"domain": "acme.com", "name": "Acme"}, {"domain": "ACME.COM", "name": "Acme Corp"},
            {"domain": "other.com", "name": "Other"}]
    assert groups_of(rows, "companies", fuzzy=False) == [[0, 1]]


def test_deals_same_name_amount_and_close_date() -> None:
    rows = [{"dealname": "Acme renewal 2026", "amount": "12000", "closedate": "2026-03-31"},
            {"dealname": "ACME Renewal 2026", "amount": "12000.00", "closedate": "2026-03-31"},
            {"dealname": "Acme renewal 2026", "amount": "5000", "closedate": "2025-01-15"}]
    assert groups_of(rows, "deals") == [[0, 1]]


def test_not_duplicates_splits_an_exact_key_group_and_blocks_fuzzy_joins() -> None:
    rows = [{"email": "info@family.com", "firstname": "Anna", "lastname": "Meier"},
            {"email": "info@family.com", "firstname": "Peter", "lastname": "Meier"},
            {"firstname": "Bob", "lastname": "Whitaker", "phone": "+14155550123"},
            {"firstname": "Robert", "lastname": "Whitaker", "phone": "+14155550123"}]
    assert groups_of(rows) == [[0, 1], [2, 3]]
    marked = [["in.csv:1", "in.csv:2"], ["in.csv:3", "in.csv:4"]]
    assert groups_of(rows, not_duplicates=marked) == []


def test_not_duplicates_leaves_the_rest_of_a_group_together() -> None:
    rows = [{"email": "a@x.com", "firstname": "A"}, {"email": "a@x.com", "firstname": "A"},
            {"email": "a@x.com", "firstname": "A"}]
    assert groups_of(rows, not_duplicates=[["in.csv:1", "in.csv:3"]]) == [[0, 1]]


def test_chaining_guard_keeps_dissimilar_ends_apart() -> None:
    # A~B share a phone, B~C share an address, but A and C disagree on the date of birth
    rows = [{"firstname": "John", "lastname": "Miller", "phone": "+16175550111", "city": "Boston",
             "date_of_birth": "1950-02-03"},
            {"firstname": "John", "lastname": "Miller", "phone": "+16175550111", "city": "Boston",
             "address": "4 Elm Street"},
            {"firstname": "John", "lastname": "Miller", "city": "Boston", "address": "4 Elm St",
             "date_of_birth": "1988-11-30"}]
    frame = frame_of(rows)
    assert explain_pair(frame, 0, 1, "contacts")["score"] >= 0.85
    assert explain_pair(frame, 1, 2, "contacts")["score"] >= 0.85
    assert explain_pair(frame, 0, 2, "contacts")["probability"] < 0.5
    groups = find_duplicate_groups(frame, "contacts", DedupeSettings())
    assert len(groups) == 1 and len(groups[0]) == 2


def test_disabled_and_exact_only_settings() -> None:
    rows = [{"email": "a@x.com"}, {"email": "a@x.com"},
            {"firstname": "Bob", "lastname": "Whitaker", "phone": "+14155550123"},
            {"firstname": "Robert", "lastname": "Whitaker", "phone": "+14155550123"}]
    assert groups_of(rows, enabled=False) == []
    assert groups_of(rows, fuzzy=False) == [[0, 1]]


def test_threshold_is_honoured() -> None:
    rows = [{"firstname": "Jonathan", "lastname": "Kowalski", "city": "Chicago", "zip": "60601"},
            {"firstname": "Jonathon", "lastname": "Kowalsky", "city": "Chicago", "zip": "60601"}]
    score = explain_pair(frame_of(rows), 0, 1, "contacts")["score"]
    assert 0.0 < score < 1.0
    assert groups_of(rows, threshold=max(0.01, score - 0.01)) == [[0, 1]]
    assert groups_of(rows, threshold=min(1.0, score + 0.005)) == []


def test_explain_pair_lists_fields_and_total() -> None:
    rows = [{"firstname": "Bob", "lastname": "Whitaker", "phone": "+14155550123"},
            {"firstname": "Robert", "lastname": "Whitaker", "phone": "+14155550123"}]
    info = explain_pair(frame_of(rows), 0, 1, "contacts")
    assert info["fields"]["firstname"]["similarity"] == 1.0
    assert set(info["fields"]) == {"firstname", "lastname", "phone"}
    assert info["score"] >= 0.85


def test_groups_are_sorted_and_positional() -> None:
    rows = [{"email": "b@x.com"}, {"email": "a@x.com"}, {"email": "b@x.com"}, {"email": "a@x.com"}]
    frame = frame_of(rows, filler=False)
    frame.index = [10, 20, 30, 40]
    assert find_duplicate_groups(frame, "contacts", DedupeSettings()) == [[0, 2], [1, 3]]


def test_big_block_is_cut_to_a_window() -> None:
    size = 5000
    records = np.arange(size, dtype=np.int64)
    pairs = pairs_from_keys(records, np.zeros(size, dtype=np.int64), records, cap=200, window=12)
    assert 0 < len(pairs) <= size * 11
    small = pairs_from_keys(records[:50], np.zeros(50, dtype=np.int64), records[:50], cap=200, window=12)
    assert len(small) == 50 * 49 // 2


def test_many_people_with_one_surname_stay_fast_and_apart() -> None:
    rows = [{"firstname": f"Person{n}", "lastname": "Smith", "city": "Boston", "phone": f"+1617555{n:04d}"}
            for n in range(600)]
    assert groups_of(rows) == []


@pytest.mark.parametrize("object_name", ["contacts", "companies", "deals"])
def test_empty_and_single_row_frames(object_name: str) -> None:
    columns = {"contacts": CONTACT_COLUMNS, "companies": COMPANY_COLUMNS, "deals": DEAL_COLUMNS}[object_name]
    for rows in ([], [{}]):
        frame = frame_of(rows, columns, filler=False) if rows else pd.DataFrame(columns=[*columns, "_source"])
        assert find_duplicate_groups(frame, object_name, DedupeSettings()) == []


def test_union_find_refuses_forbidden_and_unlinkable_joins() -> None:
    uf = UnionFind(4, cannot_link=[(0, 3)])
    assert uf.union(0, 1) and uf.union(2, 3)
    assert not uf.union(1, 2)  # would put 0 and 3 together
    assert not uf.union_checked(1, 1 + 1, lambda a, b: True)
    assert not UnionFind(3).union_checked(0, 1, lambda a, b: False)
    assert uf.groups() == [[0, 1], [2, 3]]


def test_messy_cells_and_missing_columns_are_tolerated() -> None:
    frame = pd.DataFrame({"firstname": ["Bob", None, "Robert"], "lastname": ["Whitaker", float("nan"), "Whitaker"],
                          "phone": ["+14155550123", "", "+14155550123"]})
    frame["_source"] = ["a:1", "a:2", "a:3"]
    assert find_duplicate_groups(frame, "contacts", DedupeSettings()) == [[0, 2]]
    frame["email"] = [None, float("nan"), None]  # missing keys are not a shared key
    assert find_duplicate_groups(frame, "contacts", DedupeSettings(fuzzy=False)) == []


def test_explain_pair_for_companies_and_repeated_calls() -> None:
    rows = [{"name": "Acme Widgets GmbH", "phone": "+4930555000", "city": "Berlin"},
            {"name": "ACME Widgets Inc.", "phone": "+4930555000", "city": "Berlin"}]
    frame = frame_of(rows, COMPANY_COLUMNS)
    first = explain_pair(frame, 0, 1, "companies")
    assert first["fields"]["name"]["similarity"] == 1.0 and first["score"] >= 0.85
    frame.loc[1, "phone"] = "+4930555999"
    assert explain_pair(frame, 0, 1, "companies")["fields"]["phone"]["similarity"] < 1.0


def test_colleagues_at_one_office_stay_apart() -> None:
    rows = [{"email": "jonathan.hernandez@icloud.com", "firstname": "Jonathan", "lastname": "Hernandez",
             "mobilephone": "+16174758320", "company": "Maple Partners LLC", "address": "9164 Pine St",
             "city": "Denver", "zip": "80254"},
            {"email": "jonathan.thompson@maplepartners.io", "firstname": "Jonathan", "lastname": "Thompson",
             "phone": "+13035113086", "company": "Maple Partners", "address": "9164 Pine Street",
             "city": "Denver", "zip": "80254"}]
    assert groups_of(rows) == []


def test_household_members_sharing_home_and_phone_stay_apart() -> None:
    home = {"lastname": "Perkins", "phone": "+13304616983", "address": "8472 Spring Lane",
            "city": "Phoenix", "zip": "85059", "state": "AZ"}
    rows = [{**home, "firstname": "Wolfgang", "company": "Initech Ltd"},
            {**home, "firstname": "Ashley", "email": "ashleyperkins55@example.com",
             "date_of_birth": "1953-10-21"}]
    assert groups_of(rows) == []


def test_father_and_son_with_one_name_stay_apart() -> None:
    home = {"firstname": "Anthony", "lastname": "Dunn", "address": "121 Pine Drive", "city": "Madison",
            "zip": "53722", "state": "WI", "phone": "+16768097347"}
    rows = [{**home, "email": "anthony.dunn@mail.de", "date_of_birth": "1950-05-17"},
            {**home, "email": "anthony.dunn.jr50@gmail.com", "date_of_birth": "1981-01-24"}]
    assert groups_of(rows) == []


def test_same_email_user_at_another_domain_is_not_evidence() -> None:
    rows = [{"email": "juergen.jaeger@t-online.de", "firstname": "Jürgen", "lastname": "Jäger",
             "phone": "+494513039848", "address": "Gartenweg 57a", "zip": "23552", "city": "Lübeck"},
            {"email": "juergen.jaeger@firma.de", "firstname": "Jürgen", "lastname": "Jäger",
             "phone": "+494513998982", "address": "Bahnhofstraße 62a", "zip": "23552", "city": "Lübeck",
             "date_of_birth": "1968-03-03"}]
    assert groups_of(rows) == []


@pytest.mark.parametrize("object_name", ["contacts", "companies", "deals"])
def test_scoring_once_per_distinct_values_gives_the_same_scores(object_name: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Big batches are compared once per distinct pair of values: every pair still gets its own score."""
    from crm_migrate.dedupe import scoring
    from crm_migrate.dedupe.features import build_features

    rng = np.random.default_rng(3)
    people = [
        {"firstname": "Robert", "lastname": "Smith", "email": "bob@acme.com", "phone": "+14155550101",
         "mobilephone": "+14155550102", "address": "12 Main Street", "city": "Austin", "zip": "78701",
         "date_of_birth": "1980-03-04", "company": "Acme Inc", "name": "Acme Inc", "domain": "acme.com",
         "dealname": "Acme renewal", "amount": "1200", "closedate": "2026-01-05"},
        {"firstname": "Bob", "lastname": "Smyth", "email": "", "phone": "(415) 555-0101", "address": "12 Main St",
         "city": "austin", "zip": "78702", "date_of_birth": "1980-04-03", "company": "ACME",
         "name": "ACME", "domain": "", "dealname": "Acme renewal 2026", "amount": "1,200.00",
         "closedate": "2026-01-15"},
        {"firstname": "Ann", "lastname": "Lee", "email": "ann.lee@x.org", "phone": "", "address": "61 Oak Ave",
         "city": "Denver", "zip": "", "date_of_birth": "", "company": "Globex", "name": "Globex Ltd",
         "domain": "globex.com", "dealname": "Globex pilot", "amount": "", "closedate": ""},
        {"firstname": "A", "lastname": "Lee Park", "email": "annlee@y.org", "phone": "+442079460000",
         "mobilephone": "+14155550101", "address": "16 Oak Avenue", "city": "Denver", "zip": "80202",
         "date_of_birth": "1990-12-01", "company": "", "name": "", "domain": "",
         "dealname": "", "amount": "99", "closedate": "2026-02-01"},
    ]
    columns = {"contacts": CONTACT_COLUMNS, "companies": COMPANY_COLUMNS, "deals": DEAL_COLUMNS}[object_name]
    frame = frame_of([people[k] for k in rng.integers(0, len(people), 60)], columns, filler=False)
    feats = build_features(frame, object_name)
    i, j = rng.integers(0, len(frame), 500), rng.integers(0, len(frame), 500)
    batched = scoring.score_pairs(feats, i, j)
    assert len(np.unique(feats.value_codes(("first", "last") if object_name == "contacts" else
                                           (columns[0],))[0])) <= len(people)
    monkeypatch.setattr(scoring, "DISTINCT_MIN", 10**9)  # every pair compared on its own
    single = scoring.score_pairs(feats, i, j)
    np.testing.assert_array_equal(batched.score, single.score)
    np.testing.assert_array_equal(batched.probability, single.probability)
    for name, sims in single.sims.items():
        np.testing.assert_array_equal(batched.sims[name], sims)


def test_pair_budget_leaves_ordinary_blocks_alone_and_cuts_the_biggest_kind_first() -> None:
    """Blocking stays all-pairs within the budget; past it the kind with most pairs is narrowed."""
    from crm_migrate.dedupe.blocking import (
        BIG_BLOCK_WINDOW,
        BLOCK_CAP,
        estimated_pairs,
        pair_limits,
    )

    sizes = {"name": np.array([150] * 10), "zip": np.array([3] * 500), "addr": np.array([2] * 100)}
    total = sum(estimated_pairs(s, BLOCK_CAP, BIG_BLOCK_WINDOW) for s in sizes.values())
    assert pair_limits(sizes, total) == dict.fromkeys(sizes, (BLOCK_CAP, BIG_BLOCK_WINDOW))
    limits = pair_limits(sizes, total // 4)
    assert limits["name"][0] < BLOCK_CAP
    assert limits["zip"] == limits["addr"] == (BLOCK_CAP, BIG_BLOCK_WINDOW)
    assert sum(estimated_pairs(s, *limits[k]) for k, s in sizes.items()) <= total // 4
    # the estimate is what pairs_from_keys yields (an upper bound for windowed blocks)
    records = np.arange(160)
    codes = np.array([0] * 150 + [1] * 10)
    assert len(pairs_from_keys(records, codes, records, cap=200, window=12)) == 150 * 149 // 2 + 45
    for cap, window in ((100, 12), (6, 6)):
        pairs = pairs_from_keys(records, codes, records, cap=cap, window=window)
        assert len(pairs) <= estimated_pairs(np.array([150, 10]), cap, window) < 150 * 149 // 2


@pytest.mark.parametrize(("first_a", "first_b"), [("Robert", "Roberta"), ("Daniel", "Danielle"),
                                                  ("Paul", "Paula")])
def test_different_first_names_with_different_emails_stay_apart_on_phone_and_company(
    first_a: str, first_b: str
) -> None:
    rows = [{"email": f"{first_a.lower()}@millerco.com", "firstname": first_a, "lastname": "Miller",
             "phone": "+14155550123", "company": "Miller & Co"},
            {"email": f"{first_b.lower()}.m@gmail.com", "firstname": first_b, "lastname": "Miller",
             "phone": "+14155550123", "company": "Miller & Co"}]
    assert groups_of(rows) == []


def test_nickname_and_typo_forms_with_different_emails_still_join_on_phone_and_company() -> None:
    rows = [{"email": "bob@millerco.com", "firstname": "Bob", "lastname": "Miller",
             "phone": "+14155550123", "company": "Miller & Co"},
            {"email": "robert.m@gmail.com", "firstname": "Robert", "lastname": "Miller",
             "phone": "+14155550123", "company": "Miller & Co"},
            {"email": "micheal@garcia.com", "firstname": "Micheal", "lastname": "Garcia",
             "phone": "+14155550777", "company": "Garcia Ltd"},
            {"email": "michael.g@gmail.com", "firstname": "Michael", "lastname": "Garcia",
             "phone": "+14155550777", "company": "Garcia Ltd"}]
    assert groups_of(rows) == [[0, 1], [2, 3]]
