"""find_duplicate_groups: exact keys, blocked fuzzy pairs, guarded union-find."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from crm_migrate.dedupe import model, scoring
from crm_migrate.dedupe.blocking import candidate_keys
from crm_migrate.dedupe.features import Features, build_features
from crm_migrate.dedupe.guard import ChainGuard
from crm_migrate.dedupe.heap import release_freed_memory
from crm_migrate.dedupe.learn import learn_model
from crm_migrate.dedupe.model import LevelModel
from crm_migrate.dedupe.unionfind import UnionFind
from crm_migrate.identity import key_field

if TYPE_CHECKING:
    from crm_migrate.mapping.profile import DedupeSettings

# scored pairs at least this probable are remembered for the guard (about 1 in 6 candidate pairs)
GUARD_KEEP = 1e-4


def _not_duplicate_links(frame: pd.DataFrame, settings: DedupeSettings) -> list[tuple[int, int]]:
    if not settings.not_duplicates or "_source" not in frame.columns:
        return []
    position: dict[str, int] = {}
    for pos, source in enumerate(frame["_source"].tolist()):
        position.setdefault(str(source), pos)
    links = []
    for group in settings.not_duplicates:
        found = [position[s] for s in group if s in position]
        links += [(a, b) for k, a in enumerate(found) for b in found[k + 1:]]
    return links


def _as_text(column: pd.Series) -> pd.Series:
    """A column as str with missing cells as ""."""
    return column.astype(object).where(column.notna(), "").astype(str)


def _exact_groups(frame: pd.DataFrame, object_name: str) -> list[list[int]]:
    key = key_field(object_name)
    if not key or key not in frame.columns:
        return []
    values = _as_text(frame[key]).str.strip().str.lower()
    if object_name == "companies":
        values = values.str.replace(r"^(https?://)?(www\.)?", "", regex=True).str.split("/").str[0]
    filled = values[values != ""]
    dup = filled[filled.duplicated(keep=False)]
    if dup.empty:
        return []
    return [sorted(int(p) for p in idx) for idx in dup.groupby(dup, sort=False).groups.values()]


def find_duplicate_groups(frame: pd.DataFrame, object_name: str, settings: DedupeSettings, *,
                          on_progress: Callable[[float], None] | None = None,
                          stats: dict[str, Any] | None = None) -> list[list[int]]:
    """Groups of row positions judged to be one record (sorted; only groups of 2 or more).

    `on_progress(fraction)` is called every few seconds at most on a big input. `stats`, when
    given, gets "candidate_pairs" (pairs blocking proposed) and, when it holds "probe" (sorted
    pair keys i * n + j, i < j), "probe_found": how many of them blocking or a shared key proposed.
    """
    if not settings.enabled or len(frame) < 2:
        return []
    progress = on_progress or (lambda fraction: None)
    frame = frame.reset_index(drop=True)
    uf = UnionFind(len(frame), _not_duplicate_links(frame, settings))
    exact_groups = _exact_groups(frame, object_name)
    same_key: set[tuple[int, int]] = set()
    for group in exact_groups:
        for k in range(1, len(group)):
            # join the first earlier member whose set may take it (not_duplicates can split a key)
            for n in range(k):
                if uf.union(group[n], group[k]):
                    break
        if len(group) <= 50:
            same_key.update((a, b) for n, a in enumerate(group) for b in group[n + 1:])
    del exact_groups
    release_freed_memory()  # the key columns' temporaries
    if settings.fuzzy:
        _fuzzy_join(frame, object_name, settings, uf, same_key, progress, stats)
    return uf.groups()


# explain_pair reports canonical field names ("phone" covers phone and mobilephone)
CANONICAL_NAMES = {"first": "firstname", "last": "lastname", "dob": "date_of_birth"}
SCORE_CHUNK = 200_000  # candidate pairs scored per batch (bounds memory)
# share of find_duplicate_groups' progress each step ends at
PROGRESS_FEATURES, PROGRESS_BLOCKING, PROGRESS_LEARNING, PROGRESS_SCORING = 0.05, 0.17, 0.3, 0.85


def _fuzzy_join(frame: pd.DataFrame, object_name: str, settings: DedupeSettings,
                uf: UnionFind, same_key: set[tuple[int, int]], progress: Callable[[float], None],
                stats: dict[str, Any] | None = None) -> None:
    progress(0.0)
    feats = build_features(frame, object_name, on_progress=lambda f: progress(PROGRESS_FEATURES * f))
    progress(PROGRESS_FEATURES)
    release_freed_memory()  # the per-value caches that built the features
    span = PROGRESS_BLOCKING - PROGRESS_FEATURES
    keys = candidate_keys(feats, on_progress=lambda f: progress(PROGRESS_FEATURES + span * f))
    release_freed_memory()  # blocking's temporaries: not carried into scoring
    span = PROGRESS_LEARNING - PROGRESS_BLOCKING
    feats.model = learn_model(feats, keys, on_progress=lambda f: progress(PROGRESS_BLOCKING + span * f))
    _latest_model[object_name] = feats.model
    progress(PROGRESS_LEARNING)
    threshold = settings.threshold
    size = max(1, len(frame))
    # pairs already joined by the same key are not scored (filtered per chunk: no copy of all pairs)
    same = np.sort(np.fromiter((a * size + b for a, b in same_key), dtype=np.int64, count=len(same_key)))
    if stats is not None:
        _blocking_stats(stats, keys, same)
    kept: list[np.ndarray] = []
    kept_scores: list[np.ndarray] = []
    scored_keys: list[np.ndarray] = []
    scored_probs: list[np.ndarray] = []
    span = PROGRESS_SCORING - PROGRESS_LEARNING
    keep_floor = min(GUARD_KEEP, threshold)  # every matched pair is among the known ones
    for start in range(0, len(keys), SCORE_CHUNK):
        chunk = keys[start:start + SCORE_CHUNK]
        if len(same):
            at = np.minimum(np.searchsorted(same, chunk), len(same) - 1)
            chunk = chunk[same[at] != chunk]
        first, second = chunk // size, chunk % size
        result = scoring.score_pairs(feats, first, second)
        hit = result.score >= threshold
        kept.append(chunk[hit])
        kept_scores.append(result.score[hit])
        # kept for the guard's lookups (a pair not kept is rescored, to the same value); most
        # candidate pairs are clear non-matches far below GUARD_KEEP, so this stays small
        useful = result.probability >= keep_floor
        scored_keys.append(chunk[useful])
        scored_probs.append(result.probability[useful])
        del result, first, second
        progress(PROGRESS_LEARNING + span * min(len(keys), start + SCORE_CHUNK) / len(keys))
    if not kept:
        return
    # scored pairs' probabilities, for the chaining guard's cross pairs (no second scoring);
    # candidate keys are sorted, so these are too
    known_keys = np.concatenate(scored_keys)
    known_probs = np.concatenate(scored_probs)
    del scored_keys, scored_probs
    if len(known_keys) > 1 and not bool(np.all(known_keys[1:] > known_keys[:-1])):
        known_order = np.argsort(known_keys, kind="stable")
        known_keys, known_probs = known_keys[known_order], known_probs[known_order]
    matched = np.concatenate(kept)
    matched_scores = np.concatenate(kept_scores)
    del kept, kept_scores
    below = _below_floor_keys(keys, size, _involved(uf, matched, size), known_keys, same)
    del keys
    first, second = matched // size, matched % size
    order = np.lexsort((second, first, -matched_scores))
    ordered = np.stack([first[order], second[order]], axis=1)
    del first, second, matched
    same_keys = {a * size + b for a, b in same_key}
    del matched_scores, order
    guard = ChainGuard(feats, uf, ordered, same_keys, known_keys, known_probs, threshold, below)
    span = 1.0 - PROGRESS_SCORING
    guard.run(lambda done: progress(PROGRESS_SCORING + span * done / max(1, len(ordered))))
    progress(1.0)


def _blocking_stats(stats: dict[str, Any], keys: np.ndarray, same: np.ndarray) -> None:
    """Candidate-pair count and, for a probe set of pairs, how many blocking proposed."""
    stats["candidate_pairs"] = int(len(keys))
    probe = stats.get("probe")
    if probe is not None:
        probe = np.asarray(probe, dtype=np.int64)
        stats["probe_found"] = int((np.isin(probe, keys) | np.isin(probe, same)).sum())


def _involved(uf: UnionFind, matched: np.ndarray, size: int) -> np.ndarray:
    """Per record, whether it may end up in a group: in a matched pair or sharing a key."""
    involved = np.zeros(size, dtype=bool)
    involved[matched // size] = True
    involved[matched % size] = True
    for members in uf.members.values():
        involved[members] = True
    return involved


BELOW_CHUNK = 4_000_000  # candidate keys filtered at a time (bounds temporary memory)


def _below_floor_keys(keys: np.ndarray, size: int, involved: np.ndarray, known_keys: np.ndarray,
                      same: np.ndarray) -> np.ndarray:
    """Scored candidate pairs of two involved records that are not among the known probabilities.

    They scored below GUARD_KEEP, so a chaining check that meets one fails whatever its
    exact value: the guard need not score them again.
    """
    parts = []
    for start in range(0, len(keys), BELOW_CHUNK):
        chunk = keys[start:start + BELOW_CHUNK]
        chunk = chunk[involved[chunk // size] & involved[chunk % size]]
        for exclude in (known_keys, same):
            if len(exclude) and len(chunk):
                at = np.minimum(np.searchsorted(exclude, chunk), len(exclude) - 1)
                chunk = chunk[exclude[at] != chunk]
        parts.append(chunk)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


_explain_cache: list[tuple[tuple[object, ...], Features]] = []


def _features_for_review(frame: pd.DataFrame, object_name: str) -> Features:
    """Features of a frame, reused while the same frame is reviewed pair after pair."""
    key = (object_name, frame.shape, tuple(frame.columns),
           int(pd.util.hash_pandas_object(frame.astype(str), index=False).sum()))
    if _explain_cache and _explain_cache[0][0] == key:
        return _explain_cache[0][1]
    feats = build_features(frame.reset_index(drop=True), object_name)
    _explain_cache[:] = [(key, feats)]
    return feats


# the model the latest find_duplicate_groups scored with, per object type: the wizard reviews
# its groups (a frame of their members only, too small to learn from) with the same weights
_latest_model: dict[str, LevelModel | None] = {}


def explain_pair(frame: pd.DataFrame, i: int, j: int, object_name: str) -> dict[str, object]:
    """Field-by-field similarity of two rows and the total, for a side-by-side review."""
    return explain_pairs(frame, [(i, j)], object_name)[0]


def explain_pairs(frame: pd.DataFrame, pairs: list[tuple[int, int]],
                  object_name: str) -> list[dict[str, object]]:
    """explain_pair for many pairs of one frame, scored together (a whole review at once)."""
    if not pairs:
        return []
    feats = _features_for_review(frame, object_name)
    feats.model = _latest_model.get(object_name)
    result = scoring.score_pairs(feats, np.asarray([i for i, _ in pairs]),
                                 np.asarray([j for _, j in pairs]))
    totals = result.total if result.total is not None else np.zeros(len(pairs))
    levels = result.levels or {}
    learned = feats.model is not None and feats.model.learned
    out: list[dict[str, object]] = []
    for n, (i, j) in enumerate(pairs):
        fields: dict[str, dict[str, object]] = {}
        for name, sim in result.sims.items():
            if sim[n] != sim[n]:
                continue
            entry: dict[str, object] = {"similarity": round(float(sim[n]), 3),
                                        "weight_bits": round(float(result.weights[name][n]), 2)}
            if name in levels and levels[name][n] >= 0:
                entry["level"] = model.level_name(name, int(levels[name][n]))
            fields[CANONICAL_NAMES.get(name, name)] = entry
        household = result.weights.get(model.HOUSEHOLD)
        look_alike = levels.get(model.HOUSEHOLD)
        if household is not None and look_alike is not None and look_alike[n] == 0:
            fields[model.HOUSEHOLD] = {"similarity": 0.0, "weight_bits": round(float(household[n]), 2),
                                       "level": "look-alike"}
        out.append({"fields": fields, "score": round(float(result.score[n]), 3),
                    "probability": round(float(result.probability[n]), 3),
                    "total_bits": round(float(totals[n]), 2),
                    "prior_bits": round(scoring.prior_bits(feats), 2),
                    "model": "learned" if learned else "hand-set",
                    "evidence": round(float(result.evidence[n]), 2),
                    "evidence_needed": scoring.MIN_EVIDENCE,
                    "exact_key_match": _exact_key_match(frame, i, j, object_name)})
    return out


def _exact_key_match(frame: pd.DataFrame, i: int, j: int, object_name: str) -> bool:
    key = key_field(object_name)
    if not key or key not in frame.columns:
        return False
    column = _as_text(frame[key])
    a, b = column.iloc[i].strip().lower(), column.iloc[j].strip().lower()
    return bool(a) and a == b
