"""Expectation maximisation of the match weights over a file's candidate pairs (model.py says how)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from crm_migrate.dedupe import model, scoring
from crm_migrate.dedupe.features import Features
from crm_migrate.dedupe.model import LevelModel


def learn_model(feats: Features, keys: np.ndarray,
                on_progress: Callable[[float], None] | None = None) -> LevelModel:
    """The model for a file: learned from its candidate pairs (sorted keys i * size + j), or the
    hand-set prior when the file is too small (or not contacts). `on_progress(fraction)` after
    each of its steps (random pairs, the sample's comparisons, each EM session)."""
    progress = on_progress or (lambda fraction: None)
    rules = scoring.rules_for(feats.object_name)
    prior = model.prior_model(rules, scoring.PRIOR_BITS)  # type: ignore[arg-type]
    if feats.object_name != "contacts" or len(keys) < model.MIN_LEARN_PAIRS:
        return prior
    size = max(1, feats.size)
    feats.model = None  # comparators only: the similarities do not depend on the model
    ri, rj = model.random_pairs(size, model.U_SAMPLE)
    # the first comparisons fill the file's per-value caches (seconds at a million rows): steps
    r_sims = scoring.field_similarity_arrays(feats, ri, rj, on_field=lambda f: progress(0.15 * f))
    progress(0.15)
    r_levels = scoring.pair_levels(feats, ri, rj, r_sims, scoring.far_apart(feats, ri, rj),
                                   on_step=lambda f: progress(0.15 + 0.15 * f))
    u = model.estimate_u(prior, r_levels)
    del r_sims, r_levels, ri, rj
    progress(0.3)
    sample = keys
    if len(keys) > model.EM_SAMPLE:
        rng = np.random.default_rng(15)
        sample = np.sort(rng.choice(keys, model.EM_SAMPLE, replace=False))
    ci, cj = sample // size, sample % size
    sims = scoring.field_similarity_arrays(feats, ci, cj, on_field=lambda f: progress(0.3 + 0.2 * f))
    far = scoring.far_apart(feats, ci, cj)
    progress(0.5)
    levels = scoring.pair_levels(feats, ci, cj, sims, far, on_step=lambda f: progress(0.5 + 0.1 * f))
    progress(0.6)
    # one EM session per blocking field set, as Splink trains: among pairs that agree exactly
    # on those fields, two different records agree on the others about as often as random
    # pairs do (u holds), so m of the other fields can be learned there
    mass: dict[str, float] = {}
    learned: dict[str, np.ndarray] = {}
    session_totals: list[tuple[tuple[str, ...], float]] = []
    iterations = 0
    totals: list[float] = []
    for number, (fields, excluded) in enumerate(SESSIONS, 1):
        progress(0.6 + 0.4 * (number - 1) / len(SESSIONS))
        if any(f not in levels for f in fields):
            continue
        rows = np.flatnonzero(np.logical_and.reduce([levels[f] == 0 for f in fields]))
        if len(rows) < MIN_SESSION_PAIRS:
            continue
        part = {name: lv[rows] for name, lv in levels.items()}
        part_sims = {name: sim[rows] for name, sim in sims.items()}
        m, posterior, steps = _em(prior, u, part, part_sims, far[rows], frozenset(fields))
        iterations += steps
        session_totals.append((fields, float(posterior.sum())))
        for name, lv in part.items():
            if name in fields or name in excluded:
                continue
            weight = float(posterior[lv >= 0].sum())
            if weight <= 0:
                continue
            learned[name] = learned.get(name, 0.0) + weight * m[name]
            mass[name] = mass.get(name, 0.0) + weight
    progress(1.0)
    final = {name: (learned[name] / mass[name]) if name in learned else values.copy()
             for name, values in prior.m.items()}
    final = {name: values / values.sum() for name, values in final.items()}
    # duplicates in all: each session's duplicates over the share of duplicates agreeing on its
    # fields (m of exact agreement times how often both records have them); the median
    for fields, found in session_totals:
        agree = 1.0
        for f in fields:
            agree *= float(final[f][0]) * float(np.mean(levels[f] >= 0))
        totals.append(found / max(agree, 1e-3))
    duplicates = float(np.median(totals)) * len(keys) / max(1, len(sample)) if totals else 0.01 * len(keys)
    duplicates = min(duplicates, 0.5 * len(keys))
    share = duplicates / max(1, len(keys))
    return LevelModel(final, u, model.random_prior_bits(duplicates, size), learned=True,
                      pairs=len(sample), duplicate_share=share, iterations=iterations)


# field sets EM sessions block on (pairs agreeing exactly on all of them), and the fields a
# session does not learn: a pair with one name and home is often a household (another first
# name, birth dates a generation apart), so that session does not learn those fields' m
SESSIONS: tuple[tuple[tuple[str, ...], frozenset[str]], ...] = (
    (("dob",), frozenset()),
    (("email",), frozenset()),
    (("first", "last"), frozenset({model.HOUSEHOLD})),
)
MIN_SESSION_PAIRS = 200
CLEAR = 0.5


def _posterior(m: dict[str, np.ndarray], u: dict[str, np.ndarray], levels: dict[str, np.ndarray],
               sims: dict[str, np.ndarray], far: np.ndarray, share: float,
               skip: frozenset[str] = frozenset()) -> np.ndarray:
    """Each pair's probability of being a duplicate under m, u and the share (fields in skip left out)."""
    size = len(far)
    weights = {name: np.where(lv >= 0, np.log2(m[name] / u[name])[np.maximum(lv, 0)], 0.0)
               for name, lv in levels.items() if name not in skip}
    total = scoring.capped_total(weights, {n: s for n, s in sims.items() if n not in skip}, size, far)
    odds = np.log2((1 - share) / share)
    posterior: np.ndarray = 1.0 / (1.0 + np.exp2(-np.clip(total - odds, -60, 60)))
    return posterior


def _em(prior: LevelModel, u: dict[str, np.ndarray], levels: dict[str, np.ndarray],
        sims: dict[str, np.ndarray], far: np.ndarray, skip: frozenset[str]
        ) -> tuple[dict[str, np.ndarray], np.ndarray, int]:
    """m per level (and the pairs' posteriors) by EM over one session's pairs, u fixed."""
    m = {name: values.copy() for name, values in prior.m.items()}
    share = 0.3
    posterior = np.zeros(len(far))
    steps = 0
    for steps in range(1, model.EM_ITERATIONS + 1):  # noqa: B007 (returned)
        posterior = _posterior(m, u, levels, sims, far, share, skip)
        # the many clear non-duplicates' small posteriors add up to a false share of the m
        # counts (a namesake's other birth date): pairs under CLEAR count as non-duplicates
        posterior = np.where(posterior >= CLEAR, posterior, 0.0)
        change = 0.0
        for name, lv in levels.items():
            if name in skip:
                continue
            seen = lv >= 0
            counts = np.bincount(lv[seen], weights=posterior[seen], minlength=len(m[name]))
            fresh = (counts + model.PRIOR_PAIRS * prior.m[name]) / (posterior[seen].sum() + model.PRIOR_PAIRS)
            fresh = np.maximum(fresh / fresh.sum(), 1e-6)
            change = max(change, float(np.abs(fresh - m[name]).max()))
            m[name] = fresh
        new_share = float(np.clip(posterior.mean(), 1e-4, 0.99))
        change = max(change, abs(new_share - share))
        share = new_share
        if change < model.EM_TOLERANCE:
            break
    return m, posterior, steps
