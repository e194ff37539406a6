"""find_duplicate_groups: exact keys, blocked fuzzy pairs, guarded union-find."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm_migrate.dedupe import scoring
from crm_migrate.dedupe.features import build_features
from crm_migrate.dedupe.unionfind import UnionFind

if TYPE_CHECKING:
    import pandas as pd

    from crm_migrate.mapping.profile import DedupeSettings

UNIQUE_KEYS = {"contacts": "email", "companies": "domain"}
# a fuzzy join of two groups (chaining guard) needs the cross pairs' mean score to reach
# threshold - CHAIN_SLACK and no cross pair below CHAIN_FLOOR
CHAIN_SLACK = 0.12
CHAIN_FLOOR = 0.05
# beyond this many cross pairs only each member against the other group's first members is checked
CHAIN_CHECK_LIMIT = 400


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


def _exact_groups(frame: pd.DataFrame, object_name: str) -> list[list[int]]:
    key = UNIQUE_KEYS.get(object_name)
    if not key or key not in frame.columns:
        return []
    values = frame[key].astype(str).str.strip().str.lower()
    if object_name == "companies":
        values = values.str.replace(r"^(https?://)?(www\.)?", "", regex=True).str.split("/").str[0]
    filled = values[values != ""]
    dup = filled[filled.duplicated(keep=False)]
    if dup.empty:
        return []
    return [sorted(int(p) for p in idx) for idx in dup.groupby(dup, sort=False).groups.values()]


def find_duplicate_groups(frame: pd.DataFrame, object_name: str, settings: DedupeSettings) -> list[list[int]]:
    """Groups of row positions judged to be one record (sorted; only groups of 2 or more)."""
    if not settings.enabled or len(frame) < 2:
        return []
    frame = frame.reset_index(drop=True)
    uf = UnionFind(len(frame), _not_duplicate_links(frame, settings))
    exact_groups = _exact_groups(frame, object_name)
    same_key: set[tuple[int, int]] = set()
    for group in exact_groups:
        for k, member in enumerate(group[1:], start=1):
            # join the first earlier member whose set may take it (not_duplicates can split a key)
            for earlier in group[:k]:
                if uf.union(earlier, member):
                    break
        if len(group) <= 50:
            same_key.update((a, b) for n, a in enumerate(group) for b in group[n + 1:])
    if settings.fuzzy:
        _fuzzy_join(frame, object_name, settings, uf, same_key)
    return uf.groups()


def _fuzzy_join(frame: pd.DataFrame, object_name: str, settings: DedupeSettings,
                uf: UnionFind, same_key: set[tuple[int, int]]) -> None:
    from crm_migrate.dedupe.blocking import candidate_pairs

    feats = build_features(frame, object_name)
    pairs = candidate_pairs(feats)
    threshold = settings.threshold
    scored: list[tuple[float, int, int]] = []
    for i, j in pairs.tolist():
        if uf.find(i) == uf.find(j):
            continue
        score = scoring.pair_score(feats, i, j)
        if score >= threshold:
            scored.append((score, i, j))
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))
    mean_floor = threshold - CHAIN_SLACK
    cache: dict[tuple[int, int], float] = {}

    def cross_score(a: int, b: int) -> float:
        key = (a, b) if a < b else (b, a)
        if key in same_key:
            return 1.0
        if key not in cache:
            cache[key] = scoring.raw_score(feats, *key)
        return cache[key]

    def linkable(group_a: list[int], group_b: list[int]) -> bool:
        if len(group_a) * len(group_b) > CHAIN_CHECK_LIMIT:
            group_a, group_b = group_a[:20], group_b[:20]
        scores = [cross_score(a, b) for a in group_a for b in group_b]
        return min(scores) >= CHAIN_FLOOR and sum(scores) / len(scores) >= mean_floor

    for _, i, j in scored:
        uf.union_checked(i, j, linkable)


def explain_pair(frame: pd.DataFrame, i: int, j: int, object_name: str) -> dict[str, object]:
    """Field-by-field similarity of two rows and the total, for a side-by-side review."""
    feats = build_features(frame.reset_index(drop=True), object_name)
    sims = scoring.field_similarities(feats, i, j)
    weights = scoring.field_weights(feats, i, j, sims)
    score, evidence = scoring.combine(sims, weights, scoring.rules_for(object_name))
    fields = {name: {"similarity": round(sim, 3), "weight_bits": round(weights[name], 2)}
              for name, sim in sims.items()}
    return {"fields": fields, "score": round(scoring.pair_score(feats, i, j), 3),
            "total_bits": round(sum(weights.values()), 2), "prior_bits": scoring.PRIOR_BITS,
            "probability": round(score, 3), "evidence": round(evidence, 2),
            "evidence_needed": scoring.MIN_EVIDENCE,
            "exact_key_match": _exact_key_match(frame, i, j, object_name)}


def _exact_key_match(frame: pd.DataFrame, i: int, j: int, object_name: str) -> bool:
    key = UNIQUE_KEYS.get(object_name)
    if not key or key not in frame.columns:
        return False
    a, b = str(frame[key].iloc[i]).strip().lower(), str(frame[key].iloc[j]).strip().lower()
    return bool(a) and a == b
