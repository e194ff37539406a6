"""Dedupe at scale: column-wise keys, pair keys, guard shortcuts and merge give what the simple forms gave."""

from __future__ import annotations

import gc
import random

import numpy as np
import pandas as pd
import pytest

from crm_migrate.dedupe import blocking, engine, find_duplicate_groups, guard, merge_groups
from crm_migrate.dedupe.blocking import (
    _first_initials,
    _phonetic,
    block_pair_keys,
    key_codes,
    pairs_from_keys,
)
from crm_migrate.dedupe.features import build_features, house_number
from crm_migrate.mapping.profile import DedupeSettings

COLUMNS = ["email", "firstname", "lastname", "phone", "mobilephone", "company", "jobtitle",
           "address", "city", "state", "zip", "country", "date_of_birth"]
FIRST = ["John", "Jon", "Johnny", "Robert", "Bob", "Rob", "Mary", "Maria", "Liz", "Elizabeth", "J", "Ann", ""]
LAST = ["Smith", "Smyth", "Miller", "Muller", "Lee Park", "Lee", "van der Berg", "Obrien", "Park"]
CITY = ["Austin", "Boston", "Denver", ""]
STREET = ["Main Street", "Main St", "Oak Avenue", "Elm Rd", ""]


def people(count: int, seed: int) -> pd.DataFrame:
    """Dense blocks on purpose: few names, shared homes and phones, typos, some duplicates."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        home = rng.randrange(count // 4 + 1)
        phone = f"+1617555{home % 1000:04d}"
        row = {"firstname": rng.choice(FIRST), "lastname": rng.choice(LAST), "city": rng.choice(CITY),
               "address": f"{home % 97 + 1} {rng.choice(STREET)}".strip(), "zip": f"0{2100 + home % 40}",
               "phone": phone if rng.random() < 0.6 else "",
               "mobilephone": phone if rng.random() < 0.1 else f"+1415555{n % 10000:04d}",
               "email": f"{rng.choice(['jo', 'bob', 'mary', 'ann'])}{home}@example.com" if rng.random() < 0.4 else "",
               "date_of_birth": f"19{50 + home % 40}-0{1 + home % 9}-1{home % 10}" if rng.random() < 0.5 else ""}
        rows.append(row)
        if rng.random() < 0.3:  # a duplicate with a slip
            twin = dict(row)
            twin["firstname"] = rng.choice([row["firstname"], row["firstname"][:1], "Bobby"])
            twin["email"] = "" if rng.random() < 0.5 else twin["email"].upper()
            rows.append(twin)
    frame = pd.DataFrame([{c: r.get(c, "") for c in COLUMNS} for r in rows])
    frame["_source"] = [f"in.csv:{n + 1}" for n in range(len(frame))]
    return frame


def string_contact_keys(feats: object) -> dict[str, tuple[list[int], list[str]]]:
    """The key strings the per-record loop built before keys became int codes (the reference)."""
    first, last = feats.get("first"), feats.get("last")  # type: ignore[attr-defined]
    last_tok = [w.split()[-1] if w else "" for w in last]
    first_tok = [w.split()[0] if w else "" for w in first]
    mp_last = [_phonetic(w) if w else "" for w in last_tok]
    mp_first = [_phonetic(w) if w else "" for w in first_tok]
    get = feats.get  # type: ignore[attr-defined]
    dob, zips, address, city, local = get("dob"), get("zip"), get("address"), get("city"), get("email_local")
    houses = [house_number(a) if a else "" for a in address]
    table: dict[str, tuple[list[int], list[str]]] = {
        k: ([], []) for k in ("name", "swap", "dob", "zip", "phone", "local", "addr", "fdob", "house_zip",
                              "house_city", "name_zip", "name_year", "name_house", "dob_initials",
                              "swap_zip", "first_zip")}

    def add(kind: str, i: int, key: str) -> None:
        table[kind][0].append(i)
        table[kind][1].append(key)

    for i in range(feats.size):  # type: ignore[attr-defined]
        ml, mf, lt, house = mp_last[i], mp_first[i], last_tok[i], houses[i]
        if ml:
            for x in _first_initials(first[i]):
                add("name", i, f"{ml}|{x}|{city[i]}")
            if mf:
                add("swap", i, f"{ml}|{mf}" if ml < mf else f"{mf}|{ml}")
        if len(dob[i]) == 10:
            year, a, b = dob[i][:4], dob[i][5:7], dob[i][8:10]
            add("dob", i, f"{year}-{min(a, b)}-{max(a, b)}")
            if mf:
                add("fdob", i, f"{mf}|{dob[i][:4]}")
        if zips[i]:
            if lt:
                add("zip", i, f"{zips[i]}|{lt[:3]}")
            if house:
                add("house_zip", i, f"{house}|{zips[i]}")
        for phone in feats.phones[i]:  # type: ignore[attr-defined]
            add("phone", i, phone[-8:])
        if len(local[i]) >= 4:
            add("local", i, local[i])
        if address[i]:
            add("addr", i, f"{address[i]}|{lt[:1]}")
            if house and city[i]:
                add("house_city", i, f"{house}|{city[i]}")
        initial = first_tok[i][:1]
        if ml and zips[i]:
            add("name_zip", i, f"{ml}|{initial}|{zips[i]}")
        if ml and len(dob[i]) >= 4:
            add("name_year", i, f"{ml}|{initial}|{dob[i][:4]}")
        if ml and house:
            add("name_house", i, f"{ml}|{house}")
        if len(dob[i]) == 10 and lt and first_tok[i]:
            add("dob_initials", i, f"{dob[i]}|{''.join(sorted((initial, lt[:1])))}")
        if ml and mf and zips[i]:
            add("swap_zip", i, f"{min(ml, mf)}|{max(ml, mf)}|{zips[i]}")
        if mf and lt and zips[i]:
            add("first_zip", i, f"{mf}|{lt[:1]}|{zips[i]}")
    return table


def blocks_of(records: list[int] | np.ndarray, keys: list[str] | np.ndarray) -> list[tuple[int, ...]]:
    """A kind's blocks as sorted record tuples (a record listed twice under one key counts twice)."""
    found: dict[object, list[int]] = {}
    for record, key in zip(list(records), list(keys), strict=True):
        found.setdefault(key, []).append(int(record))
    return sorted(tuple(sorted(members)) for members in found.values())


def test_column_wise_key_codes_form_the_blocks_the_key_strings_formed() -> None:
    frame = people(400, seed=5)
    feats = build_features(frame, "contacts")
    reference = string_contact_keys(feats)
    codes = key_codes(feats)
    assert list(codes) == list(reference)  # the same kinds in the same order (the budget's tie-break)
    for kind, (records, keys) in reference.items():
        assert len(records) > 0, kind
        got_records, got_codes = codes[kind]
        assert blocks_of(got_records, got_codes) == blocks_of(records, keys), kind
        assert int(got_codes.min()) == 0 and len(np.unique(got_codes)) == int(got_codes.max()) + 1


def test_block_pair_keys_are_pairs_from_keys_as_keys() -> None:
    rng = np.random.default_rng(4)
    records = rng.permutation(3000)
    codes = rng.integers(0, 40, 3000)  # some blocks above the cap of 60: windowed
    rank = rng.permutation(3000)
    pairs = pairs_from_keys(records, codes, rank, cap=60, window=5)
    low, high = pairs.min(axis=1), pairs.max(axis=1)
    expected = (low * 3000 + high)[low != high]
    np.testing.assert_array_equal(block_pair_keys(records, codes, rank, 3000, cap=60, window=5), expected)
    assert len(block_pair_keys(records[:1], codes[:1], rank[:1], 3000)) == 0


def test_candidate_pairs_have_no_duplicates_and_are_ordered() -> None:
    feats = build_features(people(300, seed=2), "contacts")
    keys = blocking.candidate_keys(feats)
    assert len(keys) > 100 and bool(np.all(keys[1:] > keys[:-1]))
    pairs = blocking.candidate_pairs(feats)
    assert bool(np.all(pairs[:, 0] < pairs[:, 1]))
    np.testing.assert_array_equal(pairs[:, 0] * feats.size + pairs[:, 1], keys)


def plain_run(self: guard.ChainGuard, on_step: object = None, every: int = 0) -> None:
    """The guard as first written: every cross pair not matched or same-key is scored for the check."""
    from crm_migrate.dedupe import scoring

    size, same = self.size, set(self.same.tolist())
    probability: dict[int, float] = {}

    def linkable(group_a: list[int], group_b: list[int]) -> bool:
        if len(group_a) == 1 and len(group_b) == 1:
            return True
        group_a, group_b = group_a[:guard.CHECK_MEMBERS], group_b[:guard.CHECK_MEMBERS]
        cross = [a * size + b if a < b else b * size + a for a in group_a for b in group_b]
        todo = np.asarray(sorted({k for k in cross if k not in same and k not in probability}), dtype=np.int64)
        if len(todo):
            probs = scoring.score_pairs(self.feats, todo // size, todo % size).probability
            probability.update(zip(todo.tolist(), probs.tolist(), strict=True))
        scores = [1.0 if k in same else probability[k] for k in cross]
        return min(scores) >= self.floor and sum(scores) / len(scores) >= self.mean_floor

    for i, j in self.pairs.tolist():
        self.uf.union_checked(i, j, linkable)


def test_guard_shortcuts_give_the_groups_of_scoring_every_cross_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    """Known probabilities, below-floor keys, planned batches and remembered verdicts change no decision."""
    frame = people(1200, seed=11)
    settings = DedupeSettings()
    seen = {"planned": 0, "refused": 0, "below": 0}
    original_plan = guard.ChainGuard._plan

    def counting_plan(self: guard.ChainGuard, start: int, rows: list[list[int]]) -> dict[int, guard.Check]:
        plan = original_plan(self, start, rows)
        seen["planned"] += len(plan)
        seen["refused"] += sum(not verdict for _, _, verdict in plan.values())
        seen["below"] = max(seen["below"], len(self.below_keys))
        return plan

    monkeypatch.setattr(guard.ChainGuard, "_plan", counting_plan)
    monkeypatch.setattr(guard, "BATCH", 64)  # several batches, and checks whose groups change in one
    fast = find_duplicate_groups(frame, "contacts", settings)
    assert seen["planned"] > 20 and seen["refused"] > 5 and seen["below"] > 0  # the guard had work to do
    monkeypatch.setattr(guard.ChainGuard, "run", plain_run)
    plain = find_duplicate_groups(frame, "contacts", settings)
    assert fast == plain
    assert any(len(g) > 2 for g in fast)


def test_below_floor_keys_need_both_records_involved_and_skip_known_and_same() -> None:
    keys = np.array([0 * 10 + 1, 0 * 10 + 2, 1 * 10 + 2, 3 * 10 + 4, 1 * 10 + 3], dtype=np.int64)
    involved = np.array([True, True, True, False, True, False, False, False, False, False])
    known = np.array([1 * 10 + 2], dtype=np.int64)
    same = np.array([0 * 10 + 2], dtype=np.int64)
    below = engine._below_floor_keys(keys, 10, involved, known, same)
    assert below.tolist() == [1]


def test_merge_reads_missing_and_non_text_cells_as_before() -> None:
    frame = pd.DataFrame({"firstname": ["Ann", None, "Ann", float("nan")],
                          "lastname": ["Lee", "Lee", "", "Park"],
                          "amount": [1, 2.5, None, "x"],
                          "_source": ["a:1", "a:2", "a:3", "a:4"]}, dtype=object)
    merged, conflicts = merge_groups(frame, [[0, 2], [1, 3]], DedupeSettings())
    assert merged["_source"].tolist() == ["a:1", "a:2"]
    assert merged["firstname"].tolist() == ["Ann", ""]
    assert merged["lastname"].tolist() == ["Lee", "Lee"]
    assert merged["amount"].tolist() == ["1", "2.5"]
    assert merged["_members"].tolist() == ["a:1;a:3", "a:2;a:4"]
    assert {(c["field"], tuple(c["values"])) for c in conflicts} == {("lastname", ("Lee", "Park")),
                                                                     ("amount", ("2.5", "x"))}


def test_merge_progress_and_an_untouched_frame() -> None:
    frame = people(200, seed=3)
    before = frame.copy()
    groups = find_duplicate_groups(frame, "contacts", DedupeSettings())
    calls: list[float] = []
    merged, _ = merge_groups(frame, groups, DedupeSettings(), on_progress=calls.append)
    pd.testing.assert_frame_equal(frame, before)
    assert calls and calls == sorted(calls) and calls[-1] == pytest.approx(0.9)
    assert len(merged) == len(frame) - sum(len(g) - 1 for g in groups)


def test_find_reports_progress_from_start_to_end() -> None:
    calls: list[float] = []
    groups = find_duplicate_groups(people(300, seed=8), "contacts", DedupeSettings(), on_progress=calls.append)
    assert groups and calls[0] == 0.0 and calls[-1] == 1.0
    assert all(0.0 <= c <= 1.0 for c in calls)
    assert calls == sorted(calls)


def test_cyclic_gc_is_paused_only_while_cleaning() -> None:
    from crm_migrate.clean.pipeline import _no_cyclic_gc

    assert gc.isenabled()
    with _no_cyclic_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with _no_cyclic_gc():
            pass
        assert not gc.isenabled()  # a caller's choice is left alone
    finally:
        gc.enable()
    with pytest.raises(ValueError), _no_cyclic_gc():
        raise ValueError("boom")
    assert gc.isenabled()


def test_phone_scores_skip_edit_distance_only_where_it_cannot_be_one() -> None:
    """The digit-count shortcut gives the scores of trying every pair of numbers."""
    from crm_migrate.dedupe import scoring

    rng = random.Random(9)
    numbers = []
    for _ in range(300):
        number = "".join(rng.choice("0123456789") for _ in range(rng.choice([10, 11, 12])))
        slip = rng.randrange(len(number))
        numbers.append(number)
        numbers.append(rng.choice([number[:slip] + number[slip + 1:],  # a digit dropped
                                   number[:slip] + rng.choice("0123456789") + number[slip + 1:],  # swapped for another
                                   number[:slip] + "7" + number[slip:],  # one more
                                   number[::-1], number[-9:], ""]))
    frame = pd.DataFrame({c: [""] * (len(numbers) + 1) for c in COLUMNS})
    frame["firstname"], frame["lastname"] = "Ann", "Lee"
    frame["phone"] = [*numbers, "3125550100"]
    frame["mobilephone"] = [*numbers[::-1], "٣١٢٥٥٥٠١٠٠"]  # non-ASCII digits: no shortcut for mobiles
    numbers.append("")
    feats = build_features(frame, "contacts")
    i = np.asarray([k for k in range(len(numbers)) for _ in range(3)])
    j = np.asarray([rng.randrange(len(numbers)) if n else k ^ 1 for k in range(len(numbers)) for n in range(3)])
    j[-3:] = 0
    fast = scoring.phone_sims(feats, i, j)
    feats._arrays = {k: v for k, v in feats._arrays.items() if not k.endswith("\x00digits")}
    for name in ("phone_a", "phone_b"):  # counts that rule nothing out: every pair tried
        feats._arrays[f"{name}\x00digits"] = np.zeros((feats.size, 10), dtype=np.int16)
    plain = scoring.phone_sims(feats, i, j)
    np.testing.assert_array_equal(fast, plain)
    assert (fast == 0.6).sum() > 50 and (fast == 0.95).sum() > 0 and (fast == 0.0).sum() > 50


def test_sorted_keys_lose_their_repeats_in_place() -> None:
    rng = np.random.default_rng(6)
    for values in (rng.integers(0, 50, 1000), rng.integers(0, 10**9, 1000), np.zeros(7, dtype=np.int64),
                   np.arange(5), np.array([3])):
        flat = np.sort(values.astype(np.int64))
        np.testing.assert_array_equal(blocking._drop_repeats(flat.copy(), chunk=16), np.unique(values))


def test_scored_pairs_store_merges_and_finds() -> None:
    store = guard.ScoredPairs()
    store.MERGE_AT = 5  # type: ignore[misc]
    store.add(np.array([30, 10]), np.array([0.3, 0.1]))
    store.add(np.array([20, 50, 40]), np.array([0.2, 0.5, 0.4]))  # merged into the arrays
    store.add(np.array([60]), np.array([0.6]))
    assert len(store) == 6 and len(store.recent) == 1
    got = store.values(np.array([50, 60, 15, 10]))
    np.testing.assert_array_equal(got[[0, 1, 3]], [0.5, 0.6, 0.1])
    assert np.isnan(got[2])


def test_results_remembered_across_batches_are_the_fresh_results() -> None:
    from crm_migrate.dedupe import scoring

    frame = people(600, seed=12)
    keys = blocking.candidate_keys(build_features(frame, "contacts"))
    assert len(keys) > 2000
    size = len(frame)
    half = len(keys) // 2
    reused = build_features(frame, "contacts")
    scoring.score_pairs(reused, keys[:half] // size, keys[:half] % size)  # fills the memos
    assert any(len(m.keys) for m in reused._memos.values())  # type: ignore[attr-defined]
    again = scoring.score_pairs(reused, keys[half // 2:] // size, keys[half // 2:] % size)
    fresh = scoring.score_pairs(build_features(frame, "contacts"), keys[half // 2:] // size, keys[half // 2:] % size)
    np.testing.assert_array_equal(again.probability, fresh.probability)
    for name, sims in fresh.sims.items():
        np.testing.assert_array_equal(again.sims[name], sims)


@pytest.mark.parametrize("rules", [{}, {"default_rule": "keep_all"}, {"default_rule": "first"}])
def test_merge_skipping_agreeing_fields_changes_nothing(rules: dict[str, str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from crm_migrate.dedupe import merge

    frame = people(400, seed=4)
    settings = DedupeSettings(**rules)  # type: ignore[arg-type]
    groups = find_duplicate_groups(frame, "contacts", settings)
    fast, fast_conflicts = merge_groups(frame, groups, settings)
    monkeypatch.setattr(merge, "_varying_fields", lambda data, fields, groups: [set(fields) for _ in groups])
    slow, slow_conflicts = merge_groups(frame, groups, settings)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast_conflicts == slow_conflicts and len(fast_conflicts) > 10


def test_every_step_of_a_learned_dedupe_reports_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    """Learning the weights (random pairs, the sample's comparisons, the file's street names, each
    EM session) and the slow keys report as they go: at a million rows each was 2-7 s with the
    bar standing still (the wizard's dedupe phase sat at 17%)."""
    from crm_migrate.dedupe import features, scoring

    monkeypatch.setattr(features, "PROGRESS_ROWS", 500)
    monkeypatch.setattr(scoring, "STREET_CHUNK", 300)
    calls: list[float] = []
    frame = people(4000, seed=11)
    find_duplicate_groups(frame, "contacts", DedupeSettings(), on_progress=calls.append)
    assert engine._latest_model["contacts"].learned
    assert calls == sorted(calls) and calls[-1] == 1.0
    learning = {c for c in calls if engine.PROGRESS_BLOCKING < c < engine.PROGRESS_LEARNING}
    assert len(learning) >= 8, sorted(learning)
    address = {c for c in calls if 0.5 * engine.PROGRESS_FEATURES < c < 0.6 * engine.PROGRESS_FEATURES}
    assert len(address) >= 3, sorted(address)


def test_a_join_is_checked_against_a_groups_first_members_only() -> None:
    """A record joining a group of k is checked against the group's first CHECK_MEMBERS
    members, not all k: one person a file repeats hundreds of times cost O(k^2) scored pairs
    (60,000 rows of 300 people, 200 rows each: 6M pairs, 50 s; now 1.1M, 32 s)."""
    size = 10_000
    group, newcomer = list(range(300)), [5_000]
    keys = guard.cross_keys(group, newcomer, size)
    assert len(keys) == guard.CHECK_MEMBERS
    assert sorted((keys // size).tolist()) == group[:guard.CHECK_MEMBERS]
    assert len(guard.cross_keys(group, list(range(400, 700)), size)) == guard.CHECK_MEMBERS ** 2
    assert len(guard.cross_keys([1, 2, 3], [7, 8], size)) == 6  # small groups: every cross pair
