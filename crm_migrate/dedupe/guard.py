"""The chaining guard: may two groups join? Their cross pairs' probabilities, looked up or scored.

A fuzzy join of two groups needs the cross pairs' mean probability to reach
threshold - CHAIN_SLACK and no cross pair below CHAIN_FLOOR (LEARNED_CHAIN_* when the
weights were learned from the file). Most cross pairs were scored
as candidate pairs: their probabilities are looked up (sorted int keys, no dict of millions
of pairs), and one that scored below GUARD_KEEP (< CHAIN_FLOOR), or a mean that cannot
reach the bar, settles the check without scoring anything. The rest are scored here.
Scoring a handful of pairs costs about as much as scoring thousands (per-call overhead), so
the guard also scores the unknown cross pairs the next matched pairs will ask for (a
look-ahead over the groups as they are, where only single records join). All of this only
saves work: every decision is the one scoring each cross pair on its own would give.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from crm_migrate.dedupe import scoring

if TYPE_CHECKING:
    from crm_migrate.dedupe.features import Features
    from crm_migrate.dedupe.unionfind import UnionFind

CHAIN_SLACK = 0.25
CHAIN_FLOOR = 0.05
# with weights learned from the file, probabilities are calibrated to it (the prior is its own
# share of duplicates) and household look-alikes are already evidence against in every pair:
# the guard only keeps apart what the model calls all but impossible. (FEBRL's corrupted
# records of one person score 1-5% against each other; the hand-set floor split them.)
LEARNED_CHAIN_SLACK = 0.7
LEARNED_CHAIN_FLOOR = 0.002
# a join is checked against at most this many members of each group, its first ones (the
# records it grew from): all cross pairs of a record joining a group of k would be k pairs a
# join, O(k^2) scored pairs for one person whose rows the file repeats hundreds of times
# (60,000 rows of 300 people: 50 s). At most CHECK_MEMBERS^2 cross pairs a check.
CHECK_MEMBERS = 20
# matched pairs whose checks are planned (and unknown cross pairs scored) at a time
BATCH = 5_000
SCORE_CHUNK = 200_000
SORTED_LOOKUP = 1_000
# settled checks remembered by their groups' (root, size): a refused join leaves both groups
# as they were, and other matched pairs between them ask the same question
VERDICTS_KEPT = 200_000


Check = tuple[list[int], list[int], bool]  # the two groups' member lists and the verdict


def cross_keys(group_a: list[int], group_b: list[int], size: int) -> np.ndarray:
    """The cross pairs of two groups as keys low * size + high, in the guard's order."""
    group_a, group_b = group_a[:CHECK_MEMBERS], group_b[:CHECK_MEMBERS]
    a, b = np.asarray(group_a, dtype=np.int64), np.asarray(group_b, dtype=np.int64)
    return (np.minimum.outer(a, b) * size + np.maximum.outer(a, b)).ravel()


def _agree(group_a: list[int], group_b: list[int]) -> bool:
    """A planned check that allows the join."""
    return True


def _refuse(group_a: list[int], group_b: list[int]) -> bool:
    """A planned check that refuses the join."""
    return False


def _lookup(sorted_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each key: whether sorted_keys holds it, and where."""
    if not len(sorted_keys) or not len(keys):
        return np.zeros(len(keys), dtype=bool), np.zeros(len(keys), dtype=np.int64)
    if len(keys) > SORTED_LOOKUP:  # searches in key order stay in cache: several times faster
        order = np.argsort(keys, kind="stable")
        at = np.empty(len(keys), dtype=np.int64)
        at[order] = np.searchsorted(sorted_keys, keys[order])
    else:
        at = np.searchsorted(sorted_keys, keys)
    at = np.minimum(at, len(sorted_keys) - 1)
    return sorted_keys[at] == keys, at


class ScoredPairs:
    """Probabilities the guard scored: a sorted array, plus a dict of the latest until it is merged in.

    A million rows' guard scores a few million pairs: as a dict of Python ints and floats
    that is ~100 bytes a pair, as arrays 16.
    """

    MERGE_AT = 500_000

    def __init__(self) -> None:
        self.keys = np.zeros(0, dtype=np.int64)
        self.probs = np.zeros(0)
        self.recent: dict[int, float] = {}

    def __len__(self) -> int:
        return len(self.keys) + len(self.recent)

    def add(self, keys: np.ndarray, probs: np.ndarray) -> None:
        """Remember probabilities of pairs not seen before."""
        self.recent.update(zip(keys.tolist(), probs.tolist(), strict=True))
        if len(self.recent) >= self.MERGE_AT:
            new_keys = np.fromiter(self.recent.keys(), dtype=np.int64, count=len(self.recent))
            new_probs = np.fromiter(self.recent.values(), dtype=float, count=len(self.recent))
            self.recent = {}
            keys_all = np.concatenate([self.keys, new_keys])
            order = np.argsort(keys_all, kind="stable")
            self.keys, self.probs = keys_all[order], np.concatenate([self.probs, new_probs])[order]

    def values(self, keys: np.ndarray) -> np.ndarray:
        """Each key's probability, NaN where not scored."""
        out = np.full(len(keys), np.nan)
        hit, at = _lookup(self.keys, keys)
        out[hit] = self.probs[at[hit]]
        if self.recent:
            rest = np.flatnonzero(~hit)
            got = [self.recent.get(k) for k in keys[rest].tolist()]
            out[rest] = [np.nan if g is None else g for g in got]
        return out


class ChainGuard:
    """Decides union_checked joins over pairs taken in a fixed order (`pairs`: n x 2, one by one).

    `known_keys`/`known_probs`: scored candidate pairs and their probabilities (sorted keys);
    `below_keys`: scored candidate pairs left out of those because they were less probable
    than GUARD_KEEP (< CHAIN_FLOOR: a cross pair like that fails the check whatever its value);
    `same_keys`: pairs that share the unique key (they count 1.0).
    """

    def __init__(self, feats: Features, uf: UnionFind, pairs: np.ndarray, same_keys: set[int],
                 known_keys: np.ndarray, known_probs: np.ndarray, threshold: float,
                 below_keys: np.ndarray | None = None) -> None:
        self.feats = feats
        self.uf = uf
        self.size = max(1, feats.size)
        self.pairs = pairs
        self.same = np.sort(np.fromiter(same_keys, dtype=np.int64, count=len(same_keys)))
        self.known_keys = known_keys
        self.known_probs = known_probs
        self.below_keys = below_keys if below_keys is not None else np.zeros(0, dtype=np.int64)
        learned = feats.model is not None and feats.model.learned
        self.floor = LEARNED_CHAIN_FLOOR if learned else CHAIN_FLOOR
        self.mean_floor = threshold - (LEARNED_CHAIN_SLACK if learned else CHAIN_SLACK)
        self.scored = ScoredPairs()  # cross pairs scored here
        self.verdicts: dict[tuple[int, int, int, int], Check] = {}
        self.position = 0
        self.scored_calls = 0

    def run(self, on_step: Callable[[int], None] | None = None, every: int = 20_000) -> None:
        """Take every pair in order: join its groups where the guard allows.

        Pairs are planned BATCH at a time: each check's verdict is worked out for the groups
        as they are expected to be then (column-wise over all the batch's cross pairs); a
        check whose groups turned out otherwise, or that the plan could not settle, is
        decided on its own.
        """
        uf, linkable = self.uf, self.linkable
        total = len(self.pairs)
        for start in range(0, total, BATCH):
            end = min(total, start + BATCH)
            rows = self.pairs[start:end].tolist()
            plan = self._plan(start, rows)
            for position, (i, j) in enumerate(rows, start=start):
                self.position = position
                expected = plan.get(position)
                if expected is not None:
                    ri, rj = uf.find(i), uf.find(j)
                    # a verdict depends on the two member lists only: equal lists, same verdict
                    if ri != rj and uf.group(ri) == expected[0] and uf.group(rj) == expected[1]:
                        uf.union_checked(i, j, _agree if expected[2] else _refuse)
                        continue
                uf.union_checked(i, j, linkable)
            if on_step is not None and (end // every > start // every or end == total):
                on_step(end)

    def _plan(self, start: int, rows: list[list[int]]) -> dict[int, Check]:
        """Verdicts of the checks of these pairs (from position start), for groups as expected then.

        Single records join (always allowed) and nothing else does (a join of bigger groups
        mostly fails); a verdict holds only for the member lists it was worked out for (the
        caller compares them). Cross pairs no one knows yet are scored here in one batch.
        """
        uf, size = self.uf, self.size
        parent: dict[int, int] = {}
        members: dict[int, list[int]] = {}

        def root(item: int) -> int:
            item = uf.find(item)
            while item in parent:
                item = parent[item]
            return item

        states: list[tuple[int, tuple[int, int, int, int], Check]] = []
        keys: list[int] = []
        counts: list[int] = []
        verdicts = self.verdicts
        if len(verdicts) > VERDICTS_KEPT:
            verdicts.clear()
        planned: dict[int, Check] = {}
        repeats: list[tuple[int, tuple[int, int, int, int], Check]] = []
        pending: dict[tuple[int, int, int, int], Check] = {}
        for position, (i, j) in enumerate(rows, start=start):
            ri, rj = root(i), root(j)
            if ri == rj:
                continue
            ga = members.get(ri) or uf.group(ri)
            gb = members.get(rj) or uf.group(rj)
            if len(ga) == 1 and len(gb) == 1:
                parent[rj] = ri
                members[ri] = ga + gb
                continue
            state = (ri, rj, len(ga), len(gb))
            check = (ga, gb, False)
            known = verdicts.get(state)
            if known is not None and known[0] == ga and known[1] == gb:
                planned[position] = known
                continue
            same_check = pending.get(state)
            if same_check is not None and same_check[0] == ga and same_check[1] == gb:
                repeats.append((position, state, same_check))
                continue
            pending[state] = check
            states.append((position, state, check))
            ga, gb = ga[:CHECK_MEMBERS], gb[:CHECK_MEMBERS]
            keys.extend([a * size + b if a < b else b * size + a for a in ga for b in gb])
            counts.append(len(ga) * len(gb))
        if not states:
            return planned
        cross = np.asarray(keys, dtype=np.int64)
        del keys
        values = np.full(len(cross), np.nan)
        hit, at = _lookup(self.known_keys, cross)
        values[hit] = self.known_probs[at[hit]]
        values[_lookup(self.same, cross)[0]] = 1.0
        values[_lookup(self.below_keys, cross)[0]] = 0.0  # any value under the floor refuses alike
        counted = np.asarray(counts, dtype=np.int64)
        starts = np.concatenate(([0], np.cumsum(counted)[:-1]))
        missing = np.isnan(values)
        known_min = np.minimum.reduceat(np.where(missing, np.inf, values), starts)
        known_sum = np.add.reduceat(np.where(missing, 0.0, values), starts)
        unknowns = np.add.reduceat(missing.astype(np.int64), starts)
        # refused whatever the unknown pairs score (they can add 1.0 each at best)
        hopeless = (known_min < self.floor) | ((known_sum + unknowns) / counted < self.mean_floor - 1e-9)
        unknown = np.flatnonzero(missing & np.repeat(~hopeless, counted))
        if len(unknown):
            found = self.scored.values(cross[unknown])
            todo = np.isnan(found)
            if todo.any():
                self._score(np.unique(cross[unknown[todo]]))
                found[todo] = self.scored.values(cross[unknown[todo]])
            values[unknown] = found
        values[np.isnan(values)] = 0.0  # only in hopeless checks
        lowest = np.minimum.reduceat(values, starts)
        mean = np.add.reduceat(values, starts) / counted
        # the sum runs in another order than the exact check's: too close to the bar is left to it
        settled = hopeless | (lowest < self.floor) | (np.abs(mean - self.mean_floor) > 1e-9)
        verdict = ~hopeless & (lowest >= self.floor) & (mean >= self.mean_floor)
        for (position, state, (ga, gb, _)), ok, done in zip(states, verdict.tolist(), settled.tolist(),
                                                             strict=True):
            if done:
                planned[position] = verdicts[state] = (ga, gb, ok)
        for position, state, check in repeats:
            settled_check = verdicts.get(state)
            if settled_check is not None and settled_check[0] is check[0] and settled_check[1] is check[1]:
                planned[position] = settled_check
        return planned

    def linkable(self, group_a: list[int], group_b: list[int]) -> bool:
        """Whether two groups may join (the pair that links them scored above the threshold)."""
        if len(group_a) == 1 and len(group_b) == 1:
            return True
        found = self._known(group_a, group_b)
        if found is None:
            return False
        values, keys, missing = found
        if len(missing):
            self._score(np.unique(keys[missing]))
            values[missing] = self.scored.values(keys[missing])
        scores = values.tolist()
        return bool(min(scores) >= self.floor and sum(scores) / len(scores) >= self.mean_floor)

    def _known(self, group_a: list[int], group_b: list[int]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Cross pairs' values as far as known (NaN where not), their keys, where unknown;
        None when the known values already refuse the join."""
        keys = cross_keys(group_a, group_b, self.size)
        if len(self.below_keys) and _lookup(self.below_keys, keys)[0].any():
            return None
        values = np.full(len(keys), np.nan)
        hit, at = _lookup(self.known_keys, keys)
        values[hit] = self.known_probs[at[hit]]
        values[_lookup(self.same, keys)[0]] = 1.0
        missing = np.flatnonzero(np.isnan(values))
        if len(missing) and len(self.scored):
            got = self.scored.values(keys[missing])
            have = ~np.isnan(got)
            if have.any():
                values[missing[have]] = got[have]
                missing = missing[~have]
        if len(missing) == len(values):
            return values, keys, missing
        known = values[~np.isnan(values)] if len(missing) else values
        if float(known.min()) < self.floor:
            return None
        # the best the unknown pairs can do is 1.0 each
        if len(missing) and (float(known.sum()) + len(missing)) / len(values) < self.mean_floor - 1e-9:
            return None
        return values, keys, missing

    def _score(self, keys: np.ndarray) -> None:
        """Score these pairs (sorted, unique, none scored yet) into `scored`."""
        for start in range(0, len(keys), SCORE_CHUNK):
            chunk = keys[start:start + SCORE_CHUNK]
            probs = scoring.score_pairs(self.feats, chunk // self.size, chunk % self.size).probability
            self.scored_calls += 1
            self.scored.add(chunk, probs)
