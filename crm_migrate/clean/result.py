"""NormalizeResult, the shape every normaliser returns, and the compute-once-per-distinct-value helper."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class NormalizeResult:
    """Normalised values and problems, aligned with the input.

    `values`: str, "" for empty or invalid. `problems`: "" when fine; a problem beside a
    non-empty value is a warning (value kept), beside an empty value the input was
    invalid and blanked. `extra`: side outputs (extensions, other emails, split parts).
    """

    values: pd.Series
    problems: pd.Series
    extra: dict[str, pd.Series] = field(default_factory=dict)

    @property
    def invalid(self) -> pd.Series:
        """True where a value was reported and blanked."""
        return (self.problems != "") & (self.values == "")


def as_text(values: pd.Series) -> pd.Series:
    """The series as python str objects, "" for missing.

    An object column that already holds only str is returned as it is: a round trip through
    pandas' str dtype would copy every string (a million-row column is ~60 MB per copy)."""
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) in ("string", "empty"):
        return values
    text = values.fillna("").astype(str)
    # one str object per distinct value, shared by its rows (a city, a country, a company
    # repeats on many rows): not one object per cell
    codes, uniques = pd.factorize(text, use_na_sentinel=False)
    shared = np.asarray(uniques, dtype=object)[codes] if len(codes) else np.empty(0, dtype=object)
    return pd.Series(shared, index=values.index, name=values.name, dtype=object)


def map_distinct(
    values: pd.Series,
    fn: Callable[[str], Sequence[str]],
    names: Sequence[str] = ("values", "problems"),
    keys: pd.Series | None = None,
) -> dict[str, pd.Series]:
    """Apply `fn` once per distinct value (or distinct `keys`) and broadcast its tuple of strings.

    With `keys` given, `fn` receives each distinct key (which must carry all the input
    `fn` needs, e.g. value and region joined), not the value.
    """
    source = as_text(values) if keys is None else keys
    codes, uniques = pd.factorize(source, use_na_sentinel=False)
    results = [fn(str(u)) for u in uniques]
    out: dict[str, pd.Series] = {}
    for pos, name in enumerate(names):
        column = np.empty(len(results), dtype=object)
        column[:] = [r[pos] for r in results]
        out[name] = pd.Series(column[codes] if len(codes) else [], index=values.index, dtype=object)
    return out


def on_distinct(values: pd.Series, transform: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """A vectorised str transform (object Series -> object Series) run over the distinct values
    only and broadcast back: rows with one value share one result object, not a copy each."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    distinct = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    done = np.asarray(transform(distinct), dtype=object)
    shared = done[codes] if len(codes) else np.empty(0, dtype=object)
    return pd.Series(shared, index=values.index, name=values.name, dtype=object)


def empty_like(values: pd.Series) -> pd.Series:
    """A series of "" aligned with `values`."""
    return pd.Series([""] * len(values), index=values.index, dtype=object)
