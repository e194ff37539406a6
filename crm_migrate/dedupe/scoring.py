"""Field similarities and the pair score (Fellegi-Sunter style log-odds).

Each field compared on both records adds a weight in bits: log2(m/u) when it agrees and
log2((1-m)/(1-u)) when it disagrees (m: how often a true duplicate agrees on it, u: how
often two different records do), interpolated by the similarity in between. For names, u
is the share of records with that name, so "John Smith" counts less than a rare name.
Missing values add nothing. score = 1 / (1 + 2 ** -(sum - PRIOR_BITS)), a match probability
compared with the threshold. A pair also needs some field besides the name to agree (the
evidence gate), so two people who only share a name are never merged.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, Levenshtein

from crm_migrate.dedupe.features import Features, house_number
from crm_migrate.dedupe.nicknames import same_first_name

AGREE = 0.85  # a field similarity at or above this counts as agreement (evidence)
PRIOR_BITS = 22.0  # log-odds against a candidate pair being a duplicate before any field
TF_SMOOTHING = 1000  # pseudo-records pulling name frequencies towards the rule's u


@dataclass(frozen=True)
class FieldRule:
    """One field: m and u probabilities, the similarity below which it fully disagrees, evidence."""

    m: float
    u: float
    low: float = 0.5
    evidence: float = 0.0

    def bits(self, sim: float, u: float | None = None) -> float:
        """Weight in bits for a similarity (u overrides the rule's u, e.g. a name's frequency)."""
        u = self.u if u is None else u
        agree = math.log2(self.m / u)
        disagree = math.log2((1 - self.m) / (1 - u))
        ramp = min(1.0, max(0.0, (sim - self.low) / (1 - self.low)))
        return disagree + (agree - disagree) * ramp


CONTACT_RULES = {
    "first": FieldRule(0.95, 0.01, 0.7),
    "last": FieldRule(0.92, 0.005, 0.7),
    "email": FieldRule(0.6, 1e-5, 0.5, 2.0),
    "phone": FieldRule(0.7, 1e-4, 0.5, 2.0),
    "dob": FieldRule(0.95, 5e-5, 0.5, 2.0),
    "address": FieldRule(0.7, 1e-4, 0.5, 1.5),
    "zip": FieldRule(0.8, 1e-3, 0.4, 0.75),
    "city": FieldRule(0.85, 0.01, 0.7, 0.5),
    "state": FieldRule(0.9, 0.1, 0.5, 0.0),
    "company": FieldRule(0.6, 0.01, 0.6, 1.0),
}
COMPANY_RULES = {
    "name": FieldRule(0.92, 0.002, 0.7),
    "domain": FieldRule(0.7, 1e-4, 0.5, 2.0),
    "phone": FieldRule(0.7, 1e-4, 0.5, 2.0),
    "address": FieldRule(0.7, 1e-4, 0.5, 1.5),
    "zip": FieldRule(0.8, 1e-3, 0.4, 0.75),
    "city": FieldRule(0.85, 0.01, 0.7, 0.5),
    "country": FieldRule(0.95, 0.2, 0.5, 0.0),
}
DEAL_RULES = {
    "dealname": FieldRule(0.92, 0.001, 0.7),
    "amount": FieldRule(0.8, 0.005, 0.5, 1.0),
    "closedate": FieldRule(0.7, 0.003, 0.5, 1.0),
    "company": FieldRule(0.8, 0.01, 0.6, 1.0),
    "pipeline": FieldRule(0.95, 0.5, 0.5, 0.0),
    "dealstage": FieldRule(0.8, 0.2, 0.5, 0.0),
}
MIN_EVIDENCE = 1.0
NAME_FIELDS = {"first", "last", "name", "dealname"}
FREQUENCY_FIELDS = {"first", "last", "name", "city", "company"}


def rules_for(object_name: str) -> dict[str, FieldRule]:
    """The field rules of an object type."""
    return {"contacts": CONTACT_RULES, "companies": COMPANY_RULES}.get(object_name, DEAL_RULES)


def value_frequencies(feats: Features) -> dict[str, Counter[str]]:
    """How often each name (and city, company) occurs, for frequency-adjusted agreement."""
    return {name: Counter(v for v in feats.get(name) if v) for name in FREQUENCY_FIELDS
            if name in feats.columns}


# ---- field comparators: (a, b) -> similarity in [0, 1]; callers skip empty values ----

def first_name_sim(a: str, b: str) -> float:
    """First names: nicknames equal, an initial matches its name, else Jaro-Winkler."""
    if a == b or same_first_name(a.split()[0], b.split()[0]):
        return 1.0
    if len(a) == 1 or len(b) == 1:
        return 0.85 if a[0] == b[0] else 0.0
    if a in b.split() or b in a.split():  # "mary" vs "mary ann"
        return 0.9
    return JaroWinkler.normalized_similarity(a, b)


def last_name_sim(a: str, b: str) -> float:
    """Last names: Jaro-Winkler, with part of a double-barrelled name counting high."""
    if a == b:
        return 1.0
    sim = JaroWinkler.normalized_similarity(a, b)
    if " " in a or " " in b:
        ta, tb = set(a.split()), set(b.split())
        if ta & tb:
            sim = max(sim, 0.9)
    return sim


def names_sim(f1: str, l1: str, f2: str, l2: str) -> tuple[float | None, float | None]:
    """(first, last) similarities, trying the names swapped as well."""
    first = first_name_sim(f1, f2) if f1 and f2 else None
    last = last_name_sim(l1, l2) if l1 and l2 else None
    if f1 and l1 and f2 and l2 and (first or 0) + (last or 0) < 1.9:
        swapped_first = first_name_sim(f1, l2)
        swapped_last = last_name_sim(l1, f2)
        if swapped_first + swapped_last > (first or 0) + (last or 0):
            return swapped_first * 0.98, swapped_last * 0.98
    return first, last


def email_sim(a: str, b: str) -> float:
    """Same address 1; same local part elsewhere 0.8; else a low similarity of local parts."""
    if a == b:
        return 1.0
    la, lb = a.split("@", 1)[0], b.split("@", 1)[0]
    if la.replace(".", "") == lb.replace(".", "") and len(la) >= 4:
        return 0.8
    return 0.5 * Levenshtein.normalized_similarity(la, lb)


def phones_sim(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Best match between two sets of phone digits: exact, same last 9 digits, one typo."""
    best = 0.0
    for x in a:
        for y in b:
            if x == y:
                return 1.0
            if x[-9:] == y[-9:]:
                best = max(best, 0.95)
            elif len(x) >= 7 and Levenshtein.distance(x[-10:], y[-10:]) == 1:
                best = max(best, 0.6)
    return best


def dob_sim(a: str, b: str) -> float:
    """Dates of birth: equal 1, day/month swapped 0.9, one digit wrong 0.7, same year 0.3."""
    if a == b:
        return 1.0
    if len(a) == 10 and len(b) == 10 and a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]:
        return 0.9
    if Levenshtein.distance(a, b) == 1:
        return 0.7
    if a[:4] == b[:4]:
        return 0.3
    return 0.0


def address_sim(a: str, b: str) -> float:
    """Street addresses (already abbreviated): token similarity, halved when house numbers differ."""
    if a == b:
        return 1.0
    sim = max(fuzz.token_sort_ratio(a, b), fuzz.ratio(a, b)) / 100.0
    na, nb = house_number(a), house_number(b)
    if na and nb and na != nb:
        sim *= 0.5
    return sim


def zip_sim(a: str, b: str) -> float:
    """Postcodes: equal 1, one character off 0.5."""
    if a == b:
        return 1.0
    return 0.5 if Levenshtein.distance(a, b) == 1 else 0.0


def text_sim(a: str, b: str) -> float:
    """Generic short text: the better of Jaro-Winkler and token-set ratio."""
    if a == b:
        return 1.0
    return max(JaroWinkler.normalized_similarity(a, b), fuzz.token_set_ratio(a, b) / 100.0 * 0.95)


def exact_sim(a: str, b: str) -> float:
    """1 when equal, else 0."""
    return 1.0 if a == b else 0.0


def date_sim(a: str, b: str) -> float:
    """Dates: equal 1, same month 0.7, one digit wrong 0.6."""
    if a == b:
        return 1.0
    if a[:7] == b[:7]:
        return 0.7
    return 0.6 if Levenshtein.distance(a, b) == 1 else 0.0


COMPARATORS: dict[str, Callable[[str, str], float]] = {
    "email": email_sim, "dob": dob_sim, "address": address_sim, "zip": zip_sim,
    "city": text_sim, "company": text_sim, "name": text_sim, "domain": exact_sim,
    "country": exact_sim, "state": exact_sim, "dealname": text_sim, "amount": exact_sim, "closedate": date_sim,
    "pipeline": exact_sim, "dealstage": exact_sim,
}


def field_similarities(feats: Features, i: int, j: int) -> dict[str, float]:
    """Similarity of each field filled in on both records."""
    cols = feats.columns
    sims: dict[str, float] = {}
    if feats.object_name == "contacts":
        first, last = names_sim(cols["first"][i], cols["last"][i], cols["first"][j], cols["last"][j])
        if first is not None:
            sims["first"] = first
        if last is not None:
            sims["last"] = last
    if feats.phones[i] and feats.phones[j]:
        sims["phone"] = phones_sim(feats.phones[i], feats.phones[j])
    for name in rules_for(feats.object_name):
        if name in sims or name in ("first", "last", "phone"):
            continue
        column = cols.get(name)
        if column is None:
            continue
        a, b = column[i], column[j]
        if a and b:
            sims[name] = COMPARATORS[name](a, b)
    return sims


def frequency_u(feats: Features, field: str, a: str, b: str, rule: FieldRule) -> float | None:
    """u for an agreeing name: the smoothed share of records carrying it."""
    freqs = feats.frequencies.get(field)
    if not freqs:
        return None
    count = max(freqs.get(a, 0), freqs.get(b, 0))
    return (count + TF_SMOOTHING * rule.u) / (feats.size + TF_SMOOTHING)


def field_weights(feats: Features, i: int, j: int, sims: dict[str, float]) -> dict[str, float]:
    """Bits each compared field adds."""
    rules = rules_for(feats.object_name)
    out = {}
    for name, sim in sims.items():
        rule = rules[name]
        u = None
        if name in FREQUENCY_FIELDS and sim >= AGREE and feats.frequencies:
            column = feats.get(name)
            u = frequency_u(feats, name, column[i], column[j], rule)
        out[name] = rule.bits(sim, u)
    return out


def combine(sims: dict[str, float], weights: dict[str, float],
            rules: dict[str, FieldRule]) -> tuple[float, float]:
    """(match probability, evidence) from field similarities and their weights in bits."""
    if not weights:
        return 0.0, 0.0
    total = sum(weights.values()) - PRIOR_BITS
    evidence = sum(rules[name].evidence for name, sim in sims.items() if sim >= AGREE)
    return 1.0 / (1.0 + 2.0 ** (-max(min(total, 60.0), -60.0))), evidence


def has_name(sims: dict[str, float]) -> bool:
    """Whether a name field could be compared at all."""
    return any(name in sims for name in NAME_FIELDS)


def raw_score(feats: Features, i: int, j: int) -> float:
    """The match probability of two records without the evidence gate."""
    sims = field_similarities(feats, i, j)
    return combine(sims, field_weights(feats, i, j, sims), rules_for(feats.object_name))[0]


def pair_score(feats: Features, i: int, j: int) -> float:
    """The match probability of two records; at most 0.5 when nothing besides the name agrees."""
    sims = field_similarities(feats, i, j)
    if not has_name(sims):
        return 0.0
    score, evidence = combine(sims, field_weights(feats, i, j, sims), rules_for(feats.object_name))
    return score if evidence >= MIN_EVIDENCE else min(score, 0.5)


def score_pairs(feats: Features, pairs: list[tuple[int, int]]) -> list[float]:
    """Scores of many pairs."""
    return [pair_score(feats, i, j) for i, j in pairs]
