"""Match weights learned from the file itself (Fellegi-Sunter, as Splink does), hand-set as the prior.

Every compared field of a pair falls into an agreement level (exact, close, fuzzy, ...,
different; a birth date also "20+ years apart"; plus one binary comparison, "household
look-alike": another person's first name, the same last name, different e-mails). Per level:

- u (how often two different records fall into it) is counted over random pairs of the
  file, with the hand-set rule's value as a prior (a level seen rarely keeps near its prior);
- m (how often a true duplicate does) and the share of duplicates among the candidate
  pairs are estimated by expectation maximisation over (a sample of) the candidate pairs,
  u fixed. The E-step scores pairs with the same structure the final score uses
  (scoring.capped_total: area fields count once, shared context is capped, and capped
  harder where an identity field conflicts), so a household does not pass for a duplicate
  and teach the model that "another first name" is what duplicates look like. The
  hand-set m is a Dirichlet prior of PRIOR_PAIRS pseudo-pairs.
- The weight of a level is log2(m / u); agreeing exactly on a name, city or company is
  adjusted by the value's own frequency (u of that value instead of the level's u), a birth
  date only where many records share it (scoring.VALUE_TF_FIELDS).
- A postcode or city that agrees between two other streets has a level of its own
  (STREET_SPLIT: "same, other street"), learned like the others.
- The prior log-odds are those of two random records: the estimated number of duplicate
  pairs over all pairs of the file.

A file with fewer than MIN_LEARN_PAIRS candidate pairs is too small to learn from: the
hand-set rules (scoring.CONTACT_RULES) score it as they are. Only contacts learn; companies
and deals keep their hand-set rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

# fields with learned levels, and the similarity each level starts at (best first; below the
# last cut: "different"). dob has one more level after "different": 20+ years apart.
CUTS: dict[str, tuple[float, ...]] = {
    "first": (0.999, 0.9, 0.8),
    "last": (0.999, 0.9, 0.8),
    "email": (0.999,),  # a similar local part mostly repeats the name: no level of its own
    "phone": (0.95, 0.55),
    "dob": (0.999, 0.85, 0.65, 0.25),
    "address": (0.999, 0.9, 0.75, 0.5),
    "zip": (0.999, 0.45),
    "city": (0.999, 0.85),
    "state": (0.999,),
    "company": (0.999, 0.85, 0.6),
}
HOUSEHOLD = "household"  # the binary look-alike comparison (level 0: look-alike; 1: not)
# area fields whose exact agreement has a level of its own when both records have a street
# address and the streets differ ("same postcode, other street"): neighbours and namesakes in
# one postcode agree like that, a person who moved mostly changes the postcode too
STREET_SPLIT = ("zip", "city")
STREET_SPLIT_BITS = 2.0  # hand-set weight of that level (the prior)
FAR_YEARS = 20  # birth dates this many years apart or more: another generation
HOUSEHOLD_BITS = -15.0
FAR_BITS = -10.0  # hand-set weight of birth dates a generation apart (the prior)  # hand-set weight of a household look-alike
MIN_LEARN_PAIRS = 2_000  # fewer candidate pairs: the hand-set prior scores the file
EM_SAMPLE = 200_000  # candidate pairs EM runs on (a random sample of bigger files)
U_SAMPLE = 150_000  # random pairs u is counted on
U_PRIOR_PAIRS = 20_000  # pseudo-pairs of the hand-set u
PRIOR_PAIRS = 30.0  # pseudo-duplicates of the hand-set m
EM_ITERATIONS = 25
EM_TOLERANCE = 1e-4
MIN_PRIOR_BITS = 6.0  # never more than 1 in 64 random pairs a duplicate


@dataclass
class LevelModel:
    """m and u per field and level, the prior log-odds, and how they were obtained."""

    m: dict[str, np.ndarray]
    u: dict[str, np.ndarray]
    prior_bits: float
    learned: bool = False
    pairs: int = 0  # candidate pairs EM ran on
    duplicate_share: float = 0.0  # share of candidate pairs EM took for duplicates
    iterations: int = 0
    _weights: dict[str, np.ndarray] = field(default_factory=dict)

    def weights(self, name: str) -> np.ndarray:
        """log2(m / u) per level of a field."""
        if name not in self._weights:
            self._weights[name] = np.log2(self.m[name] / self.u[name])
        return self._weights[name]


def level_count(name: str) -> int:
    """Levels of a field (its cuts, "different", and for dob "20+ years apart", for a
    STREET_SPLIT field "same, other street")."""
    if name == HOUSEHOLD:
        return 2
    return len(CUTS[name]) + 1 + (1 if name == "dob" or name in STREET_SPLIT else 0)


def levels(name: str, sim: np.ndarray, far: np.ndarray | None = None,
           other_street: np.ndarray | None = None) -> np.ndarray:
    """Per pair, the level of a field's similarity (-1 where not compared); `far`: birth
    years a generation apart, `other_street`: both street addresses given, on other streets."""
    out = np.full(len(sim), -1, dtype=np.int8)
    compared = ~np.isnan(sim)
    cuts = CUTS[name]
    level = np.full(len(sim), len(cuts), dtype=np.int8)
    for k in range(len(cuts) - 1, -1, -1):
        level[np.where(compared, sim, -1.0) >= cuts[k]] = k
    out[compared] = level[compared]
    if name == "dob" and far is not None:
        out[compared & far & (out == len(cuts))] = len(cuts) + 1
    if name in STREET_SPLIT and other_street is not None:
        out[compared & other_street & (out == 0)] = len(cuts) + 1
    return out


LEVEL_NAMES = ("exact", "close", "fuzzy", "weak", "weaker")


def level_name(name: str, level: int) -> str:
    """A level's name for the review: exact, close, ..., different (dob: a generation apart)."""
    if name == HOUSEHOLD:
        return "look-alike" if level == 0 else "not a look-alike"
    agree = len(CUTS[name])
    if level < agree:
        return LEVEL_NAMES[min(level, len(LEVEL_NAMES) - 1)]
    if level == agree:
        return "different"
    return "same, other street" if name in STREET_SPLIT else f"{FAR_YEARS}+ years apart"


def _rule_sims(name: str) -> list[float]:
    """A similarity standing for each level (for the hand-set prior)."""
    cuts = list(CUTS[name])
    reps = [1.0] + [(cuts[k] + cuts[k + 1]) / 2 if k + 1 < len(cuts) else cuts[k] for k in range(1, len(cuts))]
    reps.append(0.0)
    if name == "dob" or name in STREET_SPLIT:
        reps.append(0.0)
    return reps


def prior_model(rules: dict[str, object], prior_bits: float) -> LevelModel:
    """m and u per level from the hand-set FieldRules (the prior; also the model of small files)."""
    m: dict[str, np.ndarray] = {}
    u: dict[str, np.ndarray] = {}
    for name in CUTS:
        rule = rules.get(name)
        if rule is None:
            continue
        reps = _rule_sims(name)
        count = level_count(name)
        rule_u, rule_m = float(rule.u), float(rule.m)  # type: ignore[attr-defined]
        u_lv = np.zeros(count)
        # agreeing levels: rule.u, a little more likely for weaker agreement; the rest differ
        agree = len(CUTS[name])
        for k in range(agree):
            u_lv[k] = min(0.2, rule_u * (4.0 ** k))
        rest = max(1e-6, 1.0 - u_lv[:agree].sum())
        if name == "dob":
            u_lv[agree], u_lv[agree + 1] = rest * 0.6, rest * 0.4
        else:
            u_lv[agree] = rest
        bits = np.asarray([float(rule.bits(np.asarray([s]))[0]) for s in reps])  # type: ignore[attr-defined]
        if name == "dob":
            bits[-1] = FAR_BITS
        m_lv = u_lv * np.exp2(bits)
        m_lv[0] = rule_m
        m_lv = np.maximum(m_lv, 1e-6)
        # the differing levels take what the agreeing ones leave
        tail = slice(agree, count)
        left = max(1e-4, 1.0 - m_lv[:agree].sum())
        m_lv[tail] = left * m_lv[tail] / m_lv[tail].sum()
        if name == "dob":  # the far level has its own hand-set weight
            m_lv[-1] = u_lv[-1] * 2.0 ** FAR_BITS
            m_lv[agree] = max(1e-6, 1.0 - m_lv[:agree].sum() - m_lv[-1])
        if name in STREET_SPLIT:  # exact agreement is mostly "other street" between random records
            u_lv[-1], u_lv[0] = 0.8 * u_lv[0], 0.2 * u_lv[0]
            u_lv[agree] = max(1e-6, 1.0 - u_lv[:agree].sum() - u_lv[-1])
            m_lv[-1] = u_lv[-1] * 2.0 ** STREET_SPLIT_BITS
            m_lv[agree] = max(1e-6, 1.0 - m_lv[:agree].sum() - m_lv[-1])
        m[name], u[name] = m_lv / m_lv.sum(), u_lv / u_lv.sum()
    u[HOUSEHOLD] = np.asarray([1e-3, 1 - 1e-3])
    m[HOUSEHOLD] = np.asarray([1e-3 * 2.0 ** HOUSEHOLD_BITS, 1 - 1e-3 * 2.0 ** HOUSEHOLD_BITS])
    return LevelModel(m, u, prior_bits)


def estimate_u(prior: LevelModel, random_levels: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """u per level from the levels of random pairs, the prior's u as U_PRIOR_PAIRS pseudo-pairs."""
    out = {}
    for name, u_prior in prior.u.items():
        lv = random_levels.get(name)
        if lv is None:
            out[name] = u_prior
            continue
        lv = lv[lv >= 0]
        counts = np.bincount(lv, minlength=len(u_prior)).astype(float)
        u = (counts + U_PRIOR_PAIRS * u_prior) / (len(lv) + U_PRIOR_PAIRS)
        out[name] = u / u.sum()
    return out


def random_pairs(size: int, count: int, seed: int = 15) -> tuple[np.ndarray, np.ndarray]:
    """About `count` random pairs of different records (all pairs of a small file)."""
    if size * (size - 1) // 2 <= count:
        i, j = np.triu_indices(size, k=1)
        return i.astype(np.int64), j.astype(np.int64)
    rng = np.random.default_rng(seed)
    i = rng.integers(0, size, count, dtype=np.int64)
    j = rng.integers(0, size, count, dtype=np.int64)
    keep = i != j
    return np.minimum(i, j)[keep], np.maximum(i, j)[keep]


def random_prior_bits(duplicate_pairs: float, size: int) -> float:
    """log2 odds against two random records being duplicates, given the expected duplicate pairs."""
    total = max(1.0, size * (size - 1) / 2)
    share = min(0.5, max(duplicate_pairs, 1.0) / total)
    return max(MIN_PRIOR_BITS, math.log2((1 - share) / share))
