"""Comparator results per distinct pair of values, kept across scoring batches.

Candidate pairs are scored 200,000 at a time, and each batch compares every distinct pair
of values once; the same pairs of first names, last names, cities or companies come back in
batch after batch. A memo per comparator keeps their results (a sorted array of pair codes),
so a later batch compares only pairs it has not seen. Results depend on the two values only,
so they are the same either way.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# at most this many pairs remembered per comparator (16 bytes each)
LIMIT = 400_000


class PairMemo:
    """Results of one comparator, keyed by an int code of the pair of values."""

    def __init__(self) -> None:
        self.keys = np.zeros(0, dtype=np.int64)
        self.values = np.zeros(0)

    def run(self, pair_codes: np.ndarray, compute: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """Results for distinct pair codes: remembered ones looked up, compute(positions) for the rest."""
        out = np.empty(len(pair_codes))
        found = np.zeros(len(pair_codes), dtype=bool)
        if len(self.keys):
            at = np.minimum(np.searchsorted(self.keys, pair_codes), len(self.keys) - 1)
            found = self.keys[at] == pair_codes
            out[found] = self.values[at[found]]
        todo = np.flatnonzero(~found)
        if len(todo):
            fresh = np.asarray(compute(todo), dtype=float)
            out[todo] = fresh
            if len(self.keys) + len(todo) <= LIMIT:
                keys = np.concatenate([self.keys, pair_codes[todo]])
                order = np.argsort(keys, kind="stable")
                self.keys, self.values = keys[order], np.concatenate([self.values, fresh])[order]
        return out
