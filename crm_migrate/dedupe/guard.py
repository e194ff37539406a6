"""The chaining guard: may two groups join? Their cross pairs' probabilities, scored in batches.

A fuzzy join of two groups needs the cross pairs' mean probability to reach
threshold - CHAIN_SLACK and no cross pair below CHAIN_FLOOR. Cross pairs come from the
scored candidate pairs where possible; the others are scored here. Scoring a handful of
pairs costs about as much as scoring thousands (per-call overhead), so when a check finds
pairs it does not know, the guard also scores the cross pairs the next matched pairs will
probably ask for (a look-ahead over the groups as they are, where only single records join). Prefetching only fills a
cache of exact probabilities: the decisions are the same as scoring pair by pair.
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
# beyond this many cross pairs only each member against the other group's first members is checked
CHAIN_CHECK_LIMIT = 400
# matched pairs looked ahead, and unknown cross pairs gathered, per batch of guard scoring
LOOKAHEAD = 5_000
RESCAN = 200
PREFETCH_PAIRS = 20_000
SCORE_CHUNK = 200_000


def cross_keys(group_a: list[int], group_b: list[int], size: int) -> list[int]:
    """The cross pairs of two groups as keys low * size + high, in the guard's order."""
    if len(group_a) * len(group_b) > CHAIN_CHECK_LIMIT:
        group_a, group_b = group_a[:20], group_b[:20]
    return [a * size + b if a < b else b * size + a for a in group_a for b in group_b]


def _lookup(sorted_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each key: whether sorted_keys holds it, and where."""
    if not len(sorted_keys) or not len(keys):
        return np.zeros(len(keys), dtype=bool), np.zeros(len(keys), dtype=np.int64)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys, at


class ChainGuard:
    """Decides union_checked joins over pairs taken in a fixed order (`pairs`, one by one).

    `known_keys`/`known_probs`: scored candidate pairs and their probabilities (sorted keys);
    `below_keys`: scored candidate pairs left out of those because they were less probable
    than CHAIN_FLOOR (a cross pair like that fails the check whatever its exact value).
    """

    def __init__(self, feats: Features, uf: UnionFind, pairs: list[list[int]], scores: list[float],
                 same_keys: set[int], known_keys: np.ndarray, known_probs: np.ndarray,
                 threshold: float, below_keys: np.ndarray | None = None) -> None:
        self.feats = feats
        self.uf = uf
        self.size = max(1, feats.size)
        self.pairs = pairs
        self.same = same_keys
        self.known_keys = known_keys
        self.known_probs = known_probs
        self.below_keys = below_keys if below_keys is not None else np.zeros(0, dtype=np.int64)
        self.mean_floor = threshold - CHAIN_SLACK
        self.cache: dict[int, float] = dict(
            zip([a * self.size + b for a, b in pairs], scores, strict=True))
        self.position = 0
        self.scanned_to = 0
        self.scored_calls = 0

    def run(self, on_step: Callable[[int], None] | None = None, every: int = 20_000) -> None:
        """Take every pair in order: join its groups where the guard allows."""
        uf, linkable = self.uf, self.linkable
        for position, (i, j) in enumerate(self.pairs):
            self.position = position
            uf.union_checked(i, j, linkable)
            if on_step is not None and position % every == 0:
                on_step(position)

    def linkable(self, group_a: list[int], group_b: list[int]) -> bool:
        """Whether two groups may join (the pair that links them scored above the threshold)."""
        if len(group_a) == 1 and len(group_b) == 1:
            return True
        cache, same = self.cache, self.same
        cross = cross_keys(group_a, group_b, self.size)
        missing = [k for k in cross if k not in cache and k not in same]
        if missing:
            unknown = self._resolve(np.asarray(missing, dtype=np.int64))
            if len(unknown):
                self._fetch(set(unknown.tolist()))
        scores = [1.0 if k in same else cache[k] for k in cross]
        return min(scores) >= CHAIN_FLOOR and sum(scores) / len(scores) >= self.mean_floor

    def _resolve(self, keys: np.ndarray) -> np.ndarray:
        """Cache what the scored candidate pairs tell about these keys; return the keys still unknown."""
        found, at = _lookup(self.known_keys, keys)
        if found.any():
            self.cache.update(zip(keys[found].tolist(), self.known_probs[at[found]].tolist(), strict=True))
            keys = keys[~found]
        below, _ = _lookup(self.below_keys, keys)
        if below.any():
            self.cache.update(dict.fromkeys(keys[below].tolist(), 0.0))
            keys = keys[~below]
        return keys

    def _lookahead(self, wanted: set[int]) -> None:
        """Add the cross pairs the next pairs will check, as far as can be told now.

        Two single records always join (the pair scored above the threshold); a join of
        bigger groups is assumed to fail, as most do (a pair that only matches one member).
        The next RESCAN pairs are looked at on every call (groups may have changed); pairs
        further on only once, up to LOOKAHEAD ahead.
        """
        start = self.position + 1
        end = min(len(self.pairs), start + LOOKAHEAD)
        near = min(end, start + RESCAN)
        positions = [range(start, near)]
        if self.scanned_to < end:
            positions.append(range(max(near, self.scanned_to), end))
            self.scanned_to = end
        uf, cache, same, size = self.uf, self.cache, self.same, self.size
        parent: dict[int, int] = {}
        members: dict[int, list[int]] = {}

        def root(item: int) -> int:
            item = uf.find(item)
            while item in parent:
                item = parent[item]
            return item

        for span in positions:
            for position in span:
                i, j = self.pairs[position]
                ri, rj = root(i), root(j)
                if ri == rj:
                    continue
                ga = members.get(ri) or uf.group(ri)
                gb = members.get(rj) or uf.group(rj)
                if len(ga) == 1 and len(gb) == 1:
                    parent[rj] = ri
                    members[ri] = ga + gb
                    continue
                wanted.update(k for k in cross_keys(ga, gb, size) if k not in cache and k not in same)
                if len(wanted) >= PREFETCH_PAIRS:
                    return

    def _fetch(self, wanted: set[int]) -> None:
        """Probabilities of these pairs (and of the look-ahead's) into the cache."""
        self._lookahead(wanted)
        keys = np.fromiter(wanted, dtype=np.int64, count=len(wanted))
        keys.sort()
        rest = self._resolve(keys)
        for start in range(0, len(rest), SCORE_CHUNK):
            chunk = rest[start:start + SCORE_CHUNK]
            probs = scoring.score_pairs(self.feats, chunk // self.size, chunk % self.size).probability
            self.scored_calls += 1
            self.cache.update(zip(chunk.tolist(), probs.tolist(), strict=True))
