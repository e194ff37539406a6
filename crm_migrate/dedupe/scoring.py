"""Field similarities and the pair score (Fellegi-Sunter style log-odds), column-wise over pairs.

Each field compared on both records adds a weight in bits. A file with enough candidate
pairs has weights learned from itself (model.py, learn.py): per agreement level,
log2(m/u) with u counted over random pairs and m by EM over the candidate pairs. A small
file uses the hand-set rules below, which are also the learned model's prior: log2(m/u)
when a field agrees and log2((1-m)/(1-u)) when it disagrees, interpolated by the
similarity in between. For names, u is the share of records with that name, so
"John Smith" counts less than a rare name. Missing values add nothing.
Fields that people share are not independent: zip/city/state/country count once (the
strongest), street + area at most PLACE_CAP, all context (place, phone, company) at most
CONTEXT_CAP, and at most CONFLICT_CONTEXT_CAP when a first or last name clearly differs or
the birth dates are a generation apart (relatives and colleagues share a home, a phone,
an office). A household look-alike (two e-mails, another person's first name with the
same last name, or the same name a generation apart) is evidence against (model.HOUSEHOLD),
not a veto. score = 1 / (1 + 2 ** -(sum - prior bits)), a match probability compared with
the threshold. A pair also needs some field besides the name to agree (the evidence gate),
so two people who only share a name are never merged; a pair with no name to compare needs
a personal field (birth date, e-mail) and a home field (address, phone) to agree strongly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein

from crm_migrate.dedupe import model
from crm_migrate.dedupe.features import FREQUENCY_FIELDS, Features
from crm_migrate.dedupe.memo import PairMemo
from crm_migrate.dedupe.nicknames import is_known_first_name, nickname_keys

AGREE = 0.85  # a field similarity at or above this counts as agreement (evidence)
PRIOR_BITS = 19.5  # log-odds against a candidate pair being a duplicate before any field
TF_SMOOTHING = 1000  # pseudo-records pulling name frequencies towards the rule's u
MIN_EVIDENCE = 1.0
SWAP_MIN = 0.8  # both names of a first/last swap must be at least this alike
EVIDENCE_BITS = 7.0  # learned models: bits of the strongest field besides the names (evidence 1.0)


@dataclass(frozen=True)
class FieldRule:
    """One field: m and u probabilities, the similarity below which it fully disagrees, evidence."""

    m: float
    u: float
    low: float = 0.5
    evidence: float = 0.0
    disagree_bits: float | None = None  # set where a clear mismatch nearly rules a pair out

    def bits(self, sim: np.ndarray, u: np.ndarray | float | None = None) -> np.ndarray:
        """Weights in bits for similarities (u overrides the rule's u, e.g. a name's frequency)."""
        u_arr = np.asarray(self.u if u is None else u, dtype=float)
        agree = np.log2(self.m / u_arr)
        if self.disagree_bits is not None:
            disagree = np.full_like(u_arr, self.disagree_bits)
        else:
            disagree = math.log2(1 - self.m) - np.log2(1 - u_arr)
        ramp = np.clip((sim - self.low) / (1 - self.low), 0.0, 1.0)
        weights: np.ndarray = disagree + (agree - disagree) * ramp
        return weights


CONTACT_RULES = {
    # a clearly different first name (not a nickname, initial or typo; a spouse, a child) or
    # birth date (not a typo or day/month swap; father and son): about 1 in 64 true duplicates
    "first": FieldRule(0.95, 0.01, 0.7, disagree_bits=-6.0),
    "last": FieldRule(0.92, 0.005, 0.7),
    "email": FieldRule(0.6, 1e-5, 0.5, 2.0),
    "phone": FieldRule(0.7, 1e-4, 0.5, 2.0),
    "dob": FieldRule(0.95, 5e-5, 0.25, 2.0, disagree_bits=-6.0),
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
NAME_FIELDS = ("first", "last", "name", "dealname")
# Context fields are shared by people who live or work together (a household has one
# address and often one phone, colleagues one company), so they are not independent. The
# area fields (zip, city, state, country) imply one another: only the strongest counts.
# The street address plus that area count at most PLACE_CAP bits, all context at most
# CONTEXT_CAP. Identity fields (names, date of birth, e-mail) count in full.
AREA_FIELDS = ("zip", "city", "state", "country")
PLACE_FIELDS = ("address", *AREA_FIELDS)
CONTEXT_FIELDS = (*PLACE_FIELDS, "phone", "company", "domain")
PLACE_CAP = 18.0
CONTEXT_CAP = 22.0
# When an identity field clearly conflicts (another first name or last name, a birth date a
# generation apart),
# shared context is what relatives and colleagues have (spouse, father and son, two people
# at one office): it counts at most this.
CONFLICT_FIELDS = ("first", "last")
CONFLICT_CONTEXT_CAP = 14.0


def capped_total(weights: dict[str, np.ndarray], sims: dict[str, np.ndarray], size: int,
                 far: np.ndarray | None = None) -> np.ndarray:
    """Sum of field bits with the area, place and context rules applied (negatives never capped,
    but another street in another area counts once: the stronger of the two).

    A conflict (capped context) is a clearly different first or last name, or birth dates
    a generation apart (`far`); a birth date that differs less is only evidence against.
    """
    identity = np.zeros(size)
    area_bits = np.zeros(size)
    other_context = np.zeros(size)
    area = [np.where(np.isnan(sims[name]), -np.inf, bits) for name, bits in weights.items()
            if name in AREA_FIELDS]
    if area:
        best = np.max(np.stack(area), axis=0)
        area_bits = np.where(np.isfinite(best), best, 0.0)
    place = area_bits
    for name, bits in weights.items():
        if name in AREA_FIELDS:
            continue
        if name == "address":
            # another street and another area are one move, not two pieces of evidence against
            place = np.where((bits < 0) & (area_bits < 0), np.minimum(bits, area_bits), area_bits + bits)
        elif name in CONTEXT_FIELDS:
            other_context += bits
        else:
            identity += bits
    conflict = np.zeros(size, dtype=bool) if far is None else far.copy()
    for name in CONFLICT_FIELDS:
        if name in sims:
            rule = CONTACT_RULES[name]
            conflict |= _filled_nan(sims[name], 1.0) <= rule.low
    cap = np.where(conflict, CONFLICT_CONTEXT_CAP, CONTEXT_CAP)
    return identity + np.minimum(np.minimum(place, PLACE_CAP) + other_context, cap)


TEXT_FIELDS = ("city", "company", "name", "dealname")


def _filled_nan(values: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """Similarities with NaN (not compared) as `fill` (np.nan_to_num without its slower inf handling:
    similarities are never infinite)."""
    return np.where(np.isnan(values), fill, values)


def rules_for(object_name: str) -> dict[str, FieldRule]:
    """The field rules of an object type."""
    return {"contacts": CONTACT_RULES, "companies": COMPANY_RULES}.get(object_name, DEAL_RULES)


# ---- column-wise comparators over pairs: arrays of str in, similarity arrays out ----

def _sim(scorer: object, a: np.ndarray, b: np.ndarray, **kwargs: object) -> np.ndarray:
    if not len(a):
        return np.zeros(0)
    distances = process.cpdist(list(a), list(b), scorer=scorer, workers=1, **kwargs)  # type: ignore[call-overload]
    return np.asarray(distances, dtype=float)


def _one_edit(a: np.ndarray, b: np.ndarray, weights: tuple[int, int, int] | None = None) -> np.ndarray:
    """Whether each pair is exactly one edit apart (the distance search stops beyond 1)."""
    if not len(a):
        return np.zeros(0, dtype=bool)
    kwargs: dict[str, object] = {"weights": weights} if weights else {}
    distance = process.cpdist(list(a), list(b), scorer=Levenshtein.distance, workers=1, score_cutoff=1,
                              scorer_kwargs=kwargs or None)
    one_edit: np.ndarray = np.asarray(distance) == 1
    return one_edit


def _jw(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _sim(JaroWinkler.normalized_similarity, a, b)


@lru_cache(maxsize=1 << 18)
def _first_name_rule(x: str, y: str) -> tuple[float, float]:
    """For two different first names: (the similarity to use, or -1 for Jaro-Winkler; a floor)."""
    tx, ty = x.split()[0], y.split()[0]
    if nickname_keys(tx) & nickname_keys(ty):
        return 1.0, 0.0
    if len(tx) == 1 or len(ty) == 1:
        return (0.85 if tx[0] == ty[0] else 0.0), 0.0
    if x in y.split() or y in x.split():
        return -1.0, 0.9
    return -1.0, 0.0


# endings that make another person's name of a first name (Robert/Roberta, Daniel/Danielle)
OTHER_ENDINGS = ("a", "e", "ie", "le", "lle", "elle", "ine", "ette", "na", "ina", "o")


@lru_cache(maxsize=1 << 16)
def other_first_name(x: str, y: str) -> bool:
    """Whether two first names belong to different people: neither is a nickname, variant or
    initial of the other, and either one is the other with an ending that makes another name
    (Robert/Roberta, Daniel/Danielle, Paul/Paula), or they are more than a typo or spelling
    apart (over two edits, or two with a different length or first letter: Marilyn/Carolyn;
    a transposition is one edit), or both are names of one length the first-name table
    knows (Christina/Christian). Bob/Robert, R./Robert,
    Micheal/Michael and Mohammed/Muhammad are not."""
    if not x or not y:
        return False
    tx, ty = x.split()[0], y.split()[0]
    if tx == ty or nickname_keys(tx) & nickname_keys(ty):
        return False
    if (" " in x or " " in y) and Levenshtein.distance(x.replace(" ", ""), y.replace(" ", ""), score_cutoff=2) <= 1:
        return False  # a name split or joined by a stray space (samant ha / samantha)
    if len(tx) == 1 or len(ty) == 1:
        return tx[0] != ty[0]
    short, long_ = sorted((tx, ty), key=len)
    if long_.startswith(short) and long_[len(short):] in OTHER_ENDINGS:
        return True
    edits = OSA.distance(tx, ty, score_cutoff=3)  # a transposed pair of letters is one edit
    if edits > 2 or (edits == 2 and (len(tx) != len(ty) or tx[0] != ty[0])):
        return True
    # as long as each other, two names the first-name table knows of different families
    # (Jean/Joan, Christina/Christian)
    return len(tx) == len(ty) and is_known_first_name(tx) and is_known_first_name(ty)


@lru_cache(maxsize=1 << 16)
def clearly_other_first_name(x: str, y: str) -> bool:
    """other_first_name that no typo explains: more than two edits apart (Jason/Juan,
    Charles/Charlotte), or two names the first-name table knows (Robert/Roberta). Kirr/Kirra
    or Dante/Dzne may be slips of one name: they stay "fuzzy"."""
    if not other_first_name(x, y):
        return False
    tx, ty = x.split()[0], y.split()[0]
    if Levenshtein.distance(tx, ty, score_cutoff=3) > 2:
        return True
    return is_known_first_name(tx) and is_known_first_name(ty)


def email_apart(feats: Features, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Pairs where at least one record has an e-mail and they do not share it."""
    if "email" not in feats.columns:
        return np.zeros(len(i), dtype=bool)
    filled = feats.filled("email")
    codes = feats.value_codes(("email",))[0]
    apart: np.ndarray = (filled[i] | filled[j]) & (codes[i] != codes[j])
    return apart


def other_people(feats: Features, i: np.ndarray, j: np.ndarray,
                 sims: dict[str, np.ndarray]) -> np.ndarray:
    """Contact pairs that look like two people of one household: not one e-mail (at least one
    has one), one last name, and first names that are not forms of one name
    (other_first_name), unless their dates of birth agree. The last name may be shared across
    a first/last swap ("Turner Laura" / "Lauren Turner": Turner is both's family name, Laura
    and Lauren are two people)."""
    out = np.zeros(len(i), dtype=bool)
    if feats.object_name != "contacts" or "first" not in feats.columns:
        return out
    first_code, last_code = feats.shared_codes(("first", "last"))
    count = feats.shared_count(("first", "last"))
    has_first, has_last = feats.filled("first"), feats.filled("last")
    apart = email_apart(feats, i, j)
    names = {"first": (feats.array("first"), first_code), "last": (feats.array("last"), last_code)}
    fi, fj, li, lj = first_code[i], first_code[j], last_code[i], last_code[j]
    # (pairs, the given names compared) for each way the family names can line up
    ways = [(has_last[i] & (li == lj), "first", "first"),
            (has_first[i] & (fi == lj) & (li != lj), "last", "first"),
            (has_last[i] & (li == fj) & (li != lj), "first", "last")]
    for same_family, given_a, given_b in ways:
        candidates = np.flatnonzero(apart & same_family & ~out)
        if not len(candidates):
            continue
        (values_a, codes_a), (values_b, codes_b) = names[given_a], names[given_b]
        ia, jb = i[candidates], j[candidates]
        # once per distinct pair of given names (a file repeats them)
        inverse, distinct = pd.factorize(codes_a[ia] * count + codes_b[jb])
        one = np.empty(len(distinct), dtype=np.int64)
        one[inverse] = np.arange(len(candidates))
        verdicts = np.asarray([other_first_name(str(x), str(y)) for x, y in
                               zip(values_a[ia[one]].tolist(), values_b[jb[one]].tolist(), strict=True)],
                              dtype=bool)
        out[candidates] = verdicts[inverse]
    dob = sims.get("dob")
    if dob is not None:
        out &= ~(_filled_nan(dob) >= AGREE)
    return out


# the similarity of two first names of different people (clearly_other_first_name): below
# the rule's `low`, so the pair falls in the "different" level and counts as a name conflict
OTHER_NAME_SIM = 0.5


def first_name_sims(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """First names: nicknames equal, an initial matches its name (0.85), another person's name
    (clearly_other_first_name: Jason/Juan, Charles/Charlotte) at most OTHER_NAME_SIM
    however alike it is spelt, else Jaro-Winkler."""
    sim = _jw(a, b)
    differ = np.flatnonzero(sim < 1.0)
    if len(differ):
        xs, ys = a[differ].tolist(), b[differ].tolist()
        rules = np.asarray([_first_name_rule(x, y) for x, y in zip(xs, ys, strict=True)], dtype=float)
        jaro = sim[differ]
        sim[differ] = np.where(rules[:, 0] >= 0, rules[:, 0], np.maximum(jaro, rules[:, 1]))
        # below the rule's `low` a name already counts as different (and as a conflict)
        alike = np.flatnonzero(sim[differ] > CONTACT_RULES["first"].low)
        other = np.asarray([clearly_other_first_name(xs[k], ys[k]) for k in alike.tolist()], dtype=bool)
        if len(other):
            sim[differ[alike[other]]] = OTHER_NAME_SIM
    return sim


def last_name_sims(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Last names: Jaro-Winkler; sharing one part of a double-barrelled name counts 0.9."""
    sim = _jw(a, b)
    for k in np.flatnonzero((sim < 0.9) & (np.char.find(a.astype(str), " ") + np.char.find(b.astype(str), " ") > -2)):
        if set(a[k].split()) & set(b[k].split()):
            sim[k] = 0.9
    return sim


def email_sims(feats: Features, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Same address 1; else half the local parts' similarity.

    The same local part at another domain (jane.doe@a.com, jane.doe@b.org) is usually just
    the name again, so it counts as no information (NaN) rather than as agreement.
    """
    ua, ub = feats.array("email_user")[i], feats.array("email_user")[j]
    users, count = feats.value_codes(("email_user",))
    sim = 0.5 * _on_distinct(lambda x, y: _sim(Levenshtein.normalized_similarity, x, y), ua, ub,
                             users[i], users[j], count)
    nodots = feats.value_codes(("email_user_nodots",))[0]
    sim[feats.filled("email_user_nodots")[i] & (nodots[i] == nodots[j])] = np.nan
    email = feats.value_codes(("email",))[0]
    sim[email[i] == email[j]] = 1.0
    return sim


def dob_sims(feats: Features, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Dates of birth: equal 1, day/month swapped 0.9, one digit wrong 0.7, same year 0.3."""
    a, b = feats.array("dob")[i], feats.array("dob")[j]
    sim = np.zeros(len(i))
    year = feats.value_codes(("dob_year",))[0]
    sim[year[i] == year[j]] = 0.3
    sim[_one_edit(a, b)] = 0.7
    dob, swapped = feats.shared_codes(("dob", "dob_swapped"))
    sim[dob[i] == swapped[j]] = 0.9
    sim[dob[i] == dob[j]] = 1.0
    return sim


def address_sims(feats: Features, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Street addresses (already abbreviated): token similarity, halved when house numbers differ."""
    a, b = feats.array("address")[i], feats.array("address")[j]
    sim: np.ndarray = np.maximum(_sim(fuzz.token_sort_ratio, a, b), _sim(fuzz.ratio, a, b))
    sim = np.maximum(sim, 0.95 * _sim(fuzz.token_set_ratio, a, b)) / 100.0
    na, nb = feats.array("house")[i], feats.array("house")[j]
    differ = np.flatnonzero((na != "") & (nb != "") & (na != nb))
    if len(differ):
        # a slip (16/61, 202/20) is a typo more often than a neighbour; other numbers: neighbours
        typo = _one_edit(na[differ], nb[differ], weights=(1, 1, 2))
        swapped = np.array([sorted(x) == sorted(y) for x, y in zip(na[differ], nb[differ], strict=True)])
        one_digit = _one_edit(na[differ], nb[differ])
        sim[differ] *= np.where(typo | swapped, 0.9, np.where(one_digit, 0.7, 0.5))
    sim[a == b] = 1.0
    return sim


def zip_sims(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Postcodes: equal 1, one character off 0.5."""
    sim: np.ndarray = np.where(_one_edit(a, b), 0.5, 0.0)
    sim[a == b] = 1.0
    return sim


def text_sims(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Short text (company, city): the better of Jaro-Winkler and 0.95 x token-set ratio."""
    sim: np.ndarray = np.maximum(_jw(a, b), 0.95 * _sim(fuzz.token_set_ratio, a, b) / 100.0)
    sim[a == b] = 1.0
    return sim


def date_sims(feats: Features, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Dates: equal 1, same month 0.7, one digit wrong 0.6."""
    a, b = feats.array("closedate")[i], feats.array("closedate")[j]
    sim = np.where(_one_edit(a, b), 0.6, 0.0)
    same_month = feats.array("closedate_month")[i] == feats.array("closedate_month")[j]
    sim[same_month] = np.maximum(sim[same_month], 0.7)
    sim[a == b] = 1.0
    return sim


def phone_sims(feats: Features, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Best match between the records' phone numbers: exact 1, same last 9 digits 0.95, one typo 0.6."""
    cols = feats.columns
    sim = np.full(len(i), np.nan)
    present = tuple(c for c in ("phone_a", "phone_b") if c in cols)
    if not present:
        return sim
    numbers = dict(zip(present, feats.shared_codes(present), strict=True))
    tails = dict(zip(present, feats.shared_codes(tuple(f"{c}_tail" for c in present)), strict=True))
    pairs = [("phone_a", "phone_a"), ("phone_a", "phone_b"), ("phone_b", "phone_a"), ("phone_b", "phone_b")]
    for ca, cb in pairs:
        if ca not in numbers or cb not in numbers:
            continue
        idx = np.flatnonzero(feats.filled(ca)[i] & feats.filled(cb)[j])
        if not len(idx):
            continue
        ii, jj = i[idx], j[idx]
        part = np.zeros(len(idx))
        same_tail = tails[ca][ii] == tails[cb][jj]
        # one edit apart needs other last digits and digit counts at most 2 apart (cheap to test)
        digits_a, digits_b = digit_counts(feats, ca), digit_counts(feats, cb)
        maybe = np.flatnonzero(~same_tail & (np.abs(digits_a[ii] - digits_b[jj]).sum(axis=1) <= 2))
        part[maybe[_one_edit(feats.array(ca)[ii[maybe]], feats.array(cb)[jj[maybe]])]] = 0.6
        part[same_tail] = 0.95
        part[numbers[ca][ii] == numbers[cb][jj]] = 1.0
        sim[idx] = np.fmax(sim[idx], part)
    return sim


def digit_counts(feats: Features, name: str) -> np.ndarray:
    """Per record, how often each digit 0-9 occurs in a column (cached; int16, records x 10).

    Two strings one edit apart differ by at most 2 in these counts (the counts of other
    characters are left out, which can only make them closer), so a pair further apart
    needs no edit-distance call. Non-ASCII text gets all-zero counts (no pair left out).
    """
    key = f"{name}\x00digits"
    if key not in feats._arrays:
        values = feats.get(name)
        counts = np.zeros((feats.size, 10), dtype=np.int16)
        if values and all(v.isascii() for v in values):
            width = max(1, max(map(len, values)))
            matrix = np.asarray(values, dtype=f"S{width}").view(np.uint8).reshape(len(values), width)
            for digit in range(10):
                counts[:, digit] = (matrix == 48 + digit).sum(axis=1)
        feats._arrays[key] = counts
    return feats._arrays[key]


# comparators over the two values; RECORD_COMPARATORS also read precomputed columns
COMPARATORS = {"zip": zip_sims, **{name: text_sims for name in TEXT_FIELDS}}
RECORD_COMPARATORS = {"email": email_sims, "dob": dob_sims, "address": address_sims,
                      "closedate": date_sims}


# batches smaller than this are compared directly; bigger ones once per distinct pair of values
DISTINCT_MIN = 64
# ...unless the distinct pairs are nearly all of them (deduplicating would cost more than it saves)
DISTINCT_SHARE = 0.8


def by_distinct_values(feats: Features, names: tuple[str, ...], i: np.ndarray, j: np.ndarray,
                       compare: Callable[[np.ndarray, np.ndarray], np.ndarray],
                       memo: str | None = None) -> np.ndarray:
    """compare(i, j) run once per distinct (values of i, values of j) and spread to every pair.

    Exact for comparators whose result for a pair depends only on the two records' values of
    `names` (all of ours: derived columns are functions of them). Generated and real exports
    repeat names, streets, cities and companies, so big batches shrink several-fold. With
    `memo` (a name for this comparator) results are also kept for later batches.
    """
    if len(i) < DISTINCT_MIN:
        return compare(i, j)
    codes, count = feats.value_codes(names)
    inverse, distinct = pd.factorize(codes[i] * count + codes[j])
    if len(distinct) > DISTINCT_SHARE * len(i):
        return compare(i, j)
    one = np.empty(len(distinct), dtype=np.int64)
    one[inverse] = np.arange(len(i))  # any pair with those values stands for them all
    if memo is None:
        return compare(i[one], j[one])[..., inverse]
    return _memo(feats, memo).run(np.asarray(distinct, dtype=np.int64),
                                  lambda todo: compare(i[one[todo]], j[one[todo]]))[inverse]


def _memo(feats: Features, name: str) -> PairMemo:
    """The memo of one comparator over these features (made on first use)."""
    memo = feats._memos.get(name)
    if not isinstance(memo, PairMemo):
        memo = feats._memos[name] = PairMemo()
    return memo


def field_similarity_arrays(feats: Features, i: np.ndarray, j: np.ndarray,
                            on_field: Callable[[float], None] | None = None) -> dict[str, np.ndarray]:
    """Per field, the similarity of each pair (NaN where either record lacks the value);
    `on_field(fraction)` after each field (the first comparisons of a big file fill its caches)."""
    sims: dict[str, np.ndarray] = {}
    fields = list(rules_for(feats.object_name))
    for number, name in enumerate(fields):
        if on_field is not None and number:
            on_field(number / (len(fields) + 1))
        if name == "phone":
            sims[name] = by_distinct_values(feats, ("phone_a", "phone_b"), i, j,
                                            lambda x, y: phone_sims(feats, x, y), memo="phone")
            continue
        if name not in feats.columns or name in ("first", "last"):
            continue
        values = feats.array(name)
        filled = feats.filled(name)
        both = np.flatnonzero(filled[i] & filled[j])
        out = np.full(len(i), np.nan)
        if len(both):
            if name in RECORD_COMPARATORS:
                record_compare = RECORD_COMPARATORS[name]
                out[both] = by_distinct_values(feats, (name,), i[both], j[both],
                                               partial(record_compare, feats), memo=name)
            elif name in COMPARATORS:
                compare = COMPARATORS[name]
                out[both] = by_distinct_values(feats, (name,), i[both], j[both],
                                               partial(_on_values, compare, values), memo=name)
            else:
                codes = feats.value_codes((name,))[0]
                out[both] = (codes[i[both]] == codes[j[both]]).astype(float)
        sims[name] = out
    if feats.object_name == "contacts":
        if on_field is not None:
            on_field(len(fields) / (len(fields) + 1))
        sims["first"], sims["last"] = _name_sims(feats, i, j)
    return sims


def _on_values(compare: Callable[[np.ndarray, np.ndarray], np.ndarray], values: np.ndarray,
               i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """A comparator of two value arrays applied to records i and j of one column."""
    return compare(values[i], values[j])


def _on_distinct(compare: Callable[[np.ndarray, np.ndarray], np.ndarray], a: np.ndarray, b: np.ndarray,
                 code_a: np.ndarray, code_b: np.ndarray, count: int, memo: PairMemo | None = None) -> np.ndarray:
    """compare(a, b) once per distinct pair of values (codes: equal values, equal code); `memo`
    keeps results for later batches (codes must be numbered the same way in every batch)."""
    if len(a) < DISTINCT_MIN:
        return compare(a, b)
    inverse, distinct = pd.factorize(code_a * count + code_b)
    if len(distinct) > DISTINCT_SHARE * len(a):
        return compare(a, b)
    one = np.empty(len(distinct), dtype=np.int64)
    one[inverse] = np.arange(len(a))
    if memo is None:
        return compare(a[one], b[one])[inverse]
    return memo.run(np.asarray(distinct, dtype=np.int64), lambda todo: compare(a[one[todo]], b[one[todo]]))[inverse]


def _name_sims(feats: Features, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, last) similarities, taking the names swapped where that fits better."""
    f1, f2 = feats.array("first")[i], feats.array("first")[j]
    l1, l2 = feats.array("last")[i], feats.array("last")[j]
    fc, lc = feats.shared_codes(("first", "last"))
    count = feats.shared_count(("first", "last"))
    fc1, fc2, lc1, lc2 = fc[i], fc[j], lc[i], lc[j]
    first, last = np.full(len(i), np.nan), np.full(len(i), np.nan)
    ff1, ff2 = feats.filled("first")[i], feats.filled("first")[j]
    lf1, lf2 = feats.filled("last")[i], feats.filled("last")[j]
    has_f = np.flatnonzero(ff1 & ff2)
    has_l = np.flatnonzero(lf1 & lf2)
    first_memo, last_memo = _memo(feats, "first_name_sims"), _memo(feats, "last_name_sims")
    first[has_f] = _on_distinct(first_name_sims, f1[has_f], f2[has_f], fc1[has_f], fc2[has_f], count, first_memo)
    last[has_l] = _on_distinct(last_name_sims, l1[has_l], l2[has_l], lc1[has_l], lc2[has_l], count, last_memo)
    straight = _filled_nan(first) + _filled_nan(last)
    four = np.flatnonzero(ff1 & ff2 & lf1 & lf2 & (straight < 1.9))
    if len(four):
        sf = _on_distinct(first_name_sims, f1[four], l2[four], fc1[four], lc2[four], count, first_memo)
        sl = _on_distinct(last_name_sims, l1[four], f2[four], lc1[four], fc2[four], count, last_memo)
        # swapped only where both swapped names fit ("Smith John" / "John Smith"): a pair whose
        # first names agree and last names differ is not a swap because the cross names look alike
        better = (sf + sl > straight[four]) & (np.minimum(sf, sl) >= SWAP_MIN)
        first[four[better]] = sf[better] * 0.98
        last[four[better]] = sl[better] * 0.98
    return first, last


def _frequency_u(feats: Features, name: str, i: np.ndarray, j: np.ndarray, base_u: float) -> np.ndarray:
    counts = np.maximum(feats.counts(name)[i], feats.counts(name)[j])
    u: np.ndarray = (counts + TF_SMOOTHING * base_u) / (feats.size + TF_SMOOTHING)
    return u


# learned models also weaken exact agreement on a value of these that is common among the
# records that have one (a placeholder or a file's default birth date agrees far more often than
# 1 in 20,000 random pairs); only weaken, and only past OWN_COPIES records: that many may be
# one person's own copies (FEBRL repeats a person up to 5 times), which make a value look common
VALUE_TF_FIELDS = ("dob",)
OWN_COPIES = 10


def _common_value_u(feats: Features, name: str, i: np.ndarray, j: np.ndarray, level_u: float) -> np.ndarray:
    """u of exact agreement on each pair's value: its share among the records that have one
    (beyond OWN_COPIES), never below the level's u."""
    key = f"{name}\x00value_counts"
    if key not in feats._arrays:
        codes = feats.value_codes((name,))[0]
        feats._arrays[key] = np.bincount(codes)[codes].astype(float)
        feats._arrays[key + "\x00filled"] = np.asarray([float(max(1, feats.filled(name).sum()))])
    counts = np.maximum(feats._arrays[key][i], feats._arrays[key][j])
    others = np.maximum(counts - OWN_COPIES, 0.0)
    u: np.ndarray = np.maximum(level_u, others / float(feats._arrays[key + "\x00filled"][0]))
    return u


def weight_arrays(feats: Features, i: np.ndarray, j: np.ndarray,
                  sims: dict[str, np.ndarray], far: np.ndarray | None = None,
                  street: np.ndarray | None = None,
                  levels: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Bits each field adds per pair (0 where not compared): the learned levels' weights when
    the features carry a learned model, else the hand-set rules (`levels`: pair_levels'
    answer when the caller has it)."""
    learned = feats.model if feats.model is not None and feats.model.learned else None
    rules = rules_for(feats.object_name)
    if learned is not None and street is None and levels is None:
        street = other_street(feats, i, j, sims)
    out = {}
    for name, sim in sims.items():
        rule = rules[name]
        tf = name in FREQUENCY_FIELDS and name in feats.columns
        if learned is not None and name in learned.m:
            lv = levels[name] if levels is not None and name in levels else model.levels(name, sim, far, street)
            bits = np.where(lv >= 0, learned.weights(name)[np.maximum(lv, 0)], 0.0)
            if tf:  # agreeing exactly on a common value is weaker evidence than on a rare one
                exact = np.flatnonzero(lv == 0)
                value_u = _frequency_u(feats, name, i[exact], j[exact], float(learned.u[name][0]))
                bits[exact] = np.log2(learned.m[name][0] / value_u)
            elif name in VALUE_TF_FIELDS and name in feats.columns:
                exact = np.flatnonzero(lv == 0)
                value_u = _common_value_u(feats, name, i[exact], j[exact], float(learned.u[name][0]))
                bits[exact] = np.log2(learned.m[name][0] / value_u)
            out[name] = bits
            continue
        u = _frequency_u(feats, name, i, j, rule.u) if tf else None
        bits = rule.bits(_filled_nan(sim), u)
        out[name] = np.where(np.isnan(sim), 0.0, bits)
    return out


def far_apart(feats: Features, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Pairs whose years of birth are a generation (model.FAR_YEARS or more) apart."""
    if feats.object_name != "contacts":
        return np.zeros(len(i), dtype=bool)
    years = feats.years()
    with np.errstate(invalid="ignore"):
        far: np.ndarray = np.abs(years[i] - years[j]) >= model.FAR_YEARS
    return far


# street names (house numbers left out) less alike than this are two streets
OTHER_STREET_SIM = 0.6


def street_name(address: str) -> str:
    """A street address without its numbers ("12 main st flat 3" -> "main st flat")."""
    return " ".join(w for w in address.split() if not w[:1].isdigit())


NUMBER_TOKEN = r"(?:^|(?<=\s))\d\S*"  # a word that starts with a digit


def street_sims(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Street names (street_name): the better of token-set and plain ratio (0-1)."""
    sim: np.ndarray = np.maximum(_sim(fuzz.token_set_ratio, a, b), _sim(fuzz.ratio, a, b)) / 100.0
    return sim


STREET_CHUNK = 100_000  # distinct addresses worked through between two progress calls


def _streets(feats: Features, on_progress: Callable[[float], None] | None = None
             ) -> tuple[np.ndarray, np.ndarray, int]:
    """Per record its street name, the names' int codes and how many there are (cached;
    `on_progress(fraction)` while the file's addresses are worked through)."""
    key = "address\x00street"
    if key not in feats._arrays:
        names = np.asarray(feats.get("address"), dtype=object)
        codes, uniques = pd.factorize(names, use_na_sentinel=False)
        # street_name column-wise: the number tokens out, spaces as street_name leaves them
        distinct = np.asarray(uniques, dtype=object)
        parts = []
        for start in range(0, len(distinct), STREET_CHUNK):
            parts.append(pd.Series(distinct[start:start + STREET_CHUNK], dtype=object)
                         .str.replace(NUMBER_TOKEN, " ", regex=True).str.split().str.join(" ")
                         .to_numpy(dtype=object))
            if on_progress is not None:
                on_progress(min(1.0, (start + STREET_CHUNK) / len(distinct)))
        streets = np.concatenate(parts) if parts else np.zeros(0, dtype=object)
        street_codes, street_uniques = pd.factorize(streets, use_na_sentinel=False)
        feats._arrays[key] = np.asarray(street_uniques, dtype=object)[street_codes[codes]] if len(codes) \
            else np.zeros(0, dtype=object)
        feats._arrays[key + "\x00codes"] = np.asarray(street_codes[codes] if len(codes) else codes, dtype=np.int64)
        feats._arrays[key + "\x00count"] = np.asarray([max(1, len(street_uniques))])
    return (feats._arrays[key], feats._arrays[key + "\x00codes"], int(feats._arrays[key + "\x00count"][0]))


def other_street(feats: Features, i: np.ndarray, j: np.ndarray,
                 sims: dict[str, np.ndarray]) -> np.ndarray | None:
    """Pairs whose street addresses are both given and name other streets (model.STREET_SPLIT):
    the address is "different" and so are the street names without the house numbers (a
    changed or mistyped house number on one street is not another street). Only pairs whose
    postcode or city agrees exactly are looked at: nothing else asks (the split level and the
    area evidence are about agreeing areas)."""
    address = sims.get("address")
    if address is None or "address" not in feats.columns:
        return None
    out = np.zeros(len(i), dtype=bool)
    area_agrees = np.zeros(len(i), dtype=bool)
    for name in model.STREET_SPLIT:
        if name in sims:
            area_agrees |= sims[name] >= model.CUTS[name][0]
    differ = np.flatnonzero(area_agrees & (_filled_nan(address, 1.0) < model.CUTS["address"][-1]))
    if len(differ):
        streets, codes, count = _streets(feats)
        ii, jj = i[differ], j[differ]
        street = _on_distinct(street_sims, streets[ii], streets[jj], codes[ii], codes[jj], count,
                              _memo(feats, "street"))
        out[differ] = street < OTHER_STREET_SIM
    return out


def household_levels(feats: Features, i: np.ndarray, j: np.ndarray, sims: dict[str, np.ndarray],
                     far: np.ndarray) -> np.ndarray:
    """The household comparison: 0 for a look-alike, 1 for a pair that could have been one (at
    least one e-mail, not shared), -1 otherwise. A look-alike is either another person's first
    name with the same last name (other_people: a spouse, a child) or a birth date a
    generation apart (a junior or senior of the same name). Without e-mails (FEBRL) the
    comparison stays silent: a file of typed-in records has duplicates like that."""
    out = np.full(len(i), -1, dtype=np.int8)
    if feats.object_name != "contacts":
        return out
    apart = email_apart(feats, i, j)
    out[apart] = 1
    out[other_people(feats, i, j, sims) | (far & apart)] = 0
    return out


def pair_levels(feats: Features, i: np.ndarray, j: np.ndarray, sims: dict[str, np.ndarray],
                far: np.ndarray, street: np.ndarray | None = None,
                on_step: Callable[[float], None] | None = None) -> dict[str, np.ndarray]:
    """Per learned field (and the household comparison), each pair's agreement level
    (`street`: other_street's answer when the caller has it; `on_step(fraction)` between steps)."""
    if street is None:
        if on_step is not None and "address" in feats.columns:
            # the file's street names, once (seconds at a million rows)
            _streets(feats, lambda f: on_step(0.25 * f))
        street = other_street(feats, i, j, sims)
    if on_step is not None:
        on_step(0.5)
    out = {name: model.levels(name, sim, far, street) for name, sim in sims.items() if name in model.CUTS}
    out[model.HOUSEHOLD] = household_levels(feats, i, j, sims, far)
    return out


def household_bits(feats: Features, lv: np.ndarray) -> np.ndarray:
    """Bits the household comparison adds (a look-alike: strong evidence of two people)."""
    learned = feats.model if feats.model is not None and feats.model.learned else None
    if learned is None:
        return np.where(lv == 0, model.HOUSEHOLD_BITS, 0.0)
    return np.where(lv >= 0, learned.weights(model.HOUSEHOLD)[np.maximum(lv, 0)], 0.0)


def prior_bits(feats: Features) -> float:
    """Log-odds against a pair being a duplicate before any field (learned or hand-set)."""
    if feats.model is not None and feats.model.learned:
        return feats.model.prior_bits
    return PRIOR_BITS


def _area_is_evidence(sims: dict[str, np.ndarray], street: np.ndarray | None, size: int) -> np.ndarray:
    """Pairs where an agreeing postcode or city may be the evidence a learned match needs: both
    street addresses given and on one street, and not two different e-mails."""
    address = sims.get("address")
    if address is None:
        return np.zeros(size, dtype=bool)
    ok: np.ndarray = ~np.isnan(address)
    if street is not None:
        ok &= ~street
    email = sims.get("email")
    if email is not None:
        ok &= ~(~np.isnan(email) & (email < AGREE))
    return ok


# a pair with no name to compare (one or both records have none) is scored only when a personal
# field (birth date, e-mail) and a field of the home (street address, phone) both agree with at
# least EVIDENCE_BITS: a home alone is shared by a household
PERSONAL_FIELDS = ("dob", "email")
HOME_FIELDS = ("address", "phone")


def _nameless_but_identified(weights: dict[str, np.ndarray], size: int) -> np.ndarray:
    """Pairs that need no name: a personal field and a home field both agree strongly."""
    def strongest(names: tuple[str, ...]) -> np.ndarray:
        found = [weights[n] for n in names if n in weights]
        return np.max(np.stack(found), axis=0) if found else np.zeros(size)

    found: np.ndarray = (strongest(PERSONAL_FIELDS) >= EVIDENCE_BITS) & (strongest(HOME_FIELDS) >= EVIDENCE_BITS)
    return found


@dataclass
class PairScores:
    """Column-wise results for a batch of pairs."""

    probability: np.ndarray  # without the evidence gate
    score: np.ndarray  # gated: what is compared with the threshold
    evidence: np.ndarray
    sims: dict[str, np.ndarray]
    weights: dict[str, np.ndarray]
    total: np.ndarray | None = None  # capped sum of bits (before the prior)
    levels: dict[str, np.ndarray] | None = None  # learned models' agreement level per field


def score_pairs(feats: Features, i: np.ndarray, j: np.ndarray) -> PairScores:
    """Scores of many pairs at once."""
    i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
    sims = field_similarity_arrays(feats, i, j)
    far = far_apart(feats, i, j)
    street = other_street(feats, i, j, sims) if feats.object_name == "contacts" else None
    levels = pair_levels(feats, i, j, sims, far, street) if feats.object_name == "contacts" else None
    weights = weight_arrays(feats, i, j, sims, far, street, levels)
    rules = rules_for(feats.object_name)
    evidence = np.zeros(len(i))
    for name in weights:
        evidence += rules[name].evidence * (_filled_nan(sims[name]) >= AGREE)
    if levels is not None:
        household = household_bits(feats, levels[model.HOUSEHOLD])
        if household.any():
            weights[model.HOUSEHOLD] = household
    total = capped_total(weights, sims, len(i), far)
    if feats.model is not None and feats.model.learned:
        # learned: the evidence is the strongest agreeing field besides the names (a pair needs
        # one worth EVIDENCE_BITS: two people who share a name, a city and an employer are not
        # one). A postcode or city is that evidence only beside a street address on one street
        # (thousands of namesakes share a postcode in a million rows; a duplicate that lacks its
        # street shares a phone, an e-mail or a birth date instead) and not between two people
        # with their own e-mails.
        area_counts = _area_is_evidence(sims, street, len(i))
        others = [np.where(area_counts, bits, 0.0) if name in AREA_FIELDS else bits
                  for name, bits in weights.items() if name not in NAME_FIELDS]
        evidence = (np.maximum(np.max(np.stack(others), axis=0), 0.0) / EVIDENCE_BITS if others
                    else np.zeros(len(i)))
    probability = 1.0 / (1.0 + np.exp2(-np.clip(total - prior_bits(feats), -60, 60)))
    has_name = np.zeros(len(i), dtype=bool)
    for name in NAME_FIELDS:
        if name in sims:
            has_name |= ~np.isnan(sims[name])
    score = np.where(evidence >= MIN_EVIDENCE, probability, np.minimum(probability, 0.5))
    score = np.where(has_name | _nameless_but_identified(weights, len(i)), score, 0.0)
    return PairScores(probability, score, evidence, sims, weights, total, levels)
