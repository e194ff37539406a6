"""Field similarities and the weighted pair score.

score = sum(w(s) * s) / sum(w(s)) over the fields filled in on both records, where
w(s) = w_disagree + (w_agree - w_disagree) * s: agreement on an identifying field counts
fully, disagreement on a field people often have several of (e-mail, phone, address) counts
less. Missing values neither help nor hurt. A pair is a match when the score reaches the
threshold AND some field besides the name agrees (the "evidence" gate), so two people who
only share a common name are never merged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, Levenshtein

from crm_migrate.dedupe.features import Features, house_number
from crm_migrate.dedupe.nicknames import same_first_name

AGREE = 0.85  # a field similarity at or above this counts as agreement (evidence)


@dataclass(frozen=True)
class FieldRule:
    """How one field weighs in: weight when it agrees, when it disagrees, evidence it gives."""

    agree: float
    disagree: float
    evidence: float = 0.0


CONTACT_RULES = {
    "first": FieldRule(2.0, 2.0),
    "last": FieldRule(3.0, 3.0),
    "email": FieldRule(4.0, 1.0, 2.0),
    "phone": FieldRule(3.0, 1.0, 2.0),
    "dob": FieldRule(3.0, 3.0, 2.0),
    "address": FieldRule(2.0, 1.0, 1.5),
    "zip": FieldRule(1.0, 0.5, 0.75),
    "city": FieldRule(0.75, 0.5, 0.5),
    "company": FieldRule(1.0, 0.5, 1.0),
}
COMPANY_RULES = {
    "name": FieldRule(4.0, 4.0),
    "domain": FieldRule(3.0, 1.5, 2.0),
    "phone": FieldRule(3.0, 1.0, 2.0),
    "address": FieldRule(2.0, 1.0, 1.5),
    "zip": FieldRule(1.0, 0.5, 0.75),
    "city": FieldRule(1.0, 0.75, 0.5),
    "country": FieldRule(0.5, 0.5, 0.0),
}
DEAL_RULES = {
    "dealname": FieldRule(4.0, 4.0),
    "amount": FieldRule(2.0, 2.0, 1.0),
    "closedate": FieldRule(1.5, 1.0, 1.0),
    "company": FieldRule(1.0, 0.5, 1.0),
    "pipeline": FieldRule(0.5, 0.5, 0.0),
    "dealstage": FieldRule(0.25, 0.25, 0.0),
}
MIN_EVIDENCE = 1.0
NAME_FIELDS = {"first", "last", "name", "dealname"}


def rules_for(object_name: str) -> dict[str, FieldRule]:
    """The field rules of an object type."""
    return {"contacts": CONTACT_RULES, "companies": COMPANY_RULES}.get(object_name, DEAL_RULES)


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
    "country": exact_sim, "dealname": text_sim, "amount": exact_sim, "closedate": date_sim,
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


def combine(sims: dict[str, float], rules: dict[str, FieldRule]) -> tuple[float, float]:
    """(weighted score, evidence) of a set of field similarities."""
    total = weights = evidence = 0.0
    for name, sim in sims.items():
        rule = rules[name]
        weight = rule.disagree + (rule.agree - rule.disagree) * sim
        total += weight * sim
        weights += weight
        if sim >= AGREE:
            evidence += rule.evidence
    if not weights:
        return 0.0, 0.0
    return total / weights, evidence


def has_name(sims: dict[str, float]) -> bool:
    """Whether a name field could be compared at all."""
    return any(name in sims for name in NAME_FIELDS)


def pair_score(feats: Features, i: int, j: int) -> float:
    """The match score of two records; 0 when no field other than the name agrees."""
    sims = field_similarities(feats, i, j)
    if not has_name(sims):
        return 0.0
    score, evidence = combine(sims, rules_for(feats.object_name))
    return score if evidence >= MIN_EVIDENCE else min(score, 0.5)


def score_pairs(feats: Features, pairs: list[tuple[int, int]]) -> list[float]:
    """Scores of many pairs."""
    return [pair_score(feats, i, j) for i, j in pairs]
