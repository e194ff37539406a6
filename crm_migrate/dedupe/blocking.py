"""Candidate pairs from blocking keys: near-linear, with big blocks cut down by sorted windows."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from crm_migrate.dedupe.features import Features, house_number
from crm_migrate.dedupe.nicknames import nickname_keys

# blocks up to this size are compared all-pairs; larger ones only within a sorted window
BLOCK_CAP = 200
BIG_BLOCK_WINDOW = 12
NEIGHBOURHOOD_WINDOW = 5


def _phonetic(word: str) -> str:
    import jellyfish

    return jellyfish.metaphone(word) if word else ""


def _cached(func: object, values: Iterable[str]) -> list[str]:
    cache: dict[str, str] = {}
    out = []
    for value in values:
        hit = cache.get(value)
        if hit is None:
            hit = func(value) if value else ""  # type: ignore[operator]
            cache[value] = hit
        out.append(hit)
    return out


def _first_initials(first: str) -> set[str]:
    if not first:
        return set()
    token = first.split()[0]
    return {key[:1] for key in nickname_keys(token)} | {token[:1]}


def contact_keys(feats: Features) -> dict[str, list[list[str]]]:
    """Blocking keys per record (each record may have several keys per kind)."""
    first, last = feats.get("first"), feats.get("last")
    last_tok = [w.split()[-1] if w else "" for w in last]
    first_tok = [w.split()[0] if w else "" for w in first]
    mp_last = _cached(_phonetic, last_tok)
    mp_first = _cached(_phonetic, first_tok)
    dob, zips, address = feats.get("dob"), feats.get("zip"), feats.get("address")
    city = feats.get("city")
    keys: dict[str, list[list[str]]] = {k: [] for k in
                                        ("name", "swap", "dob", "zip", "phone", "local", "addr", "fdob",
                                         "house_zip", "house_city")}
    for i in range(feats.size):
        keys["name"].append([f"{mp_last[i]}|{x}|{city[i]}" for x in _first_initials(first[i])]
                            if mp_last[i] else [])
        pair = sorted(p for p in (mp_first[i], mp_last[i]) if p)
        keys["swap"].append(["|".join(pair)] if len(pair) == 2 else [])
        keys["dob"].append([_dob_key(dob[i])] if len(dob[i]) == 10 else [])
        keys["zip"].append([f"{zips[i]}|{last_tok[i][:3]}"] if zips[i] and last_tok[i] else [])
        keys["phone"].append([p[-8:] for p in feats.phones[i]])
        local = feats.get("email_local")[i]
        keys["local"].append([local] if len(local) >= 4 else [])
        keys["addr"].append([f"{address[i]}|{last_tok[i][:1]}"] if address[i] else [])
        keys["fdob"].append([f"{mp_first[i]}|{dob[i][:4]}"] if mp_first[i] and dob[i] else [])
        house = house_number(address[i])
        keys["house_zip"].append([f"{house}|{zips[i]}"] if house and zips[i] else [])
        keys["house_city"].append([f"{house}|{city[i]}"] if house and city[i] else [])
    return keys


def _dob_key(dob: str) -> str:
    """A date key that is the same when day and month are swapped."""
    year, a, b = dob[:4], dob[5:7], dob[8:10]
    return f"{year}-{min(a, b)}-{max(a, b)}"


def company_keys(feats: Features) -> dict[str, list[list[str]]]:
    """Blocking keys for companies: name words, phone, postcode, address."""
    name, zips, address = feats.get("name"), feats.get("zip"), feats.get("address")
    keys: dict[str, list[list[str]]] = {k: [] for k in ("name", "name2", "phone", "zip", "addr")}
    for i in range(feats.size):
        words = name[i].split()
        keys["name"].append([_phonetic(words[0])] if words else [])
        keys["name2"].append([name[i].replace(" ", "")[:6]] if words else [])
        keys["phone"].append([p[-8:] for p in feats.phones[i]])
        keys["zip"].append([f"{zips[i]}|{name[i][:2]}"] if zips[i] else [])
        keys["addr"].append([address[i]] if address[i] else [])
    return keys


def deal_keys(feats: Features) -> dict[str, list[list[str]]]:
    """Blocking keys for deals: name prefix, amount with close date."""
    name, amount, close = feats.get("dealname"), feats.get("amount"), feats.get("closedate")
    keys: dict[str, list[list[str]]] = {"name": [], "amount": []}
    for i in range(feats.size):
        keys["name"].append([name[i].replace(" ", "")[:5]] if name[i] else [])
        keys["amount"].append([f"{amount[i]}|{close[i][:7]}"] if amount[i] else [])
    return keys


def sort_key(feats: Features) -> list[str]:
    """The string records are sorted by for sorted-neighbourhood windows."""
    if feats.object_name == "contacts":
        return [f"{la} {f}" for la, f in zip(feats.get("last"), feats.get("first"), strict=True)]
    if feats.object_name == "companies":
        return feats.get("name")
    return feats.get("dealname")


def pairs_from_keys(records: np.ndarray, codes: np.ndarray, rank: np.ndarray,
                    cap: int = BLOCK_CAP, window: int = BIG_BLOCK_WINDOW) -> np.ndarray:
    """All pairs within blocks of up to `cap` records; within bigger blocks, pairs `window` apart."""
    if len(records) < 2:
        return np.empty((0, 2), dtype=np.int64)
    order = np.lexsort((rank, codes))
    recs, cods = records[order], codes[order]
    _, starts, counts = np.unique(cods, return_index=True, return_counts=True)
    block_size = np.repeat(counts, counts)
    limit = np.where(block_size > cap, window, cap)
    found = []
    active = np.arange(len(recs) - 1)
    for distance in range(1, max(cap, window)):
        active = active[active + distance < len(recs)]
        same = (cods[active] == cods[active + distance]) & (distance < limit[active])
        active = active[same]
        if not len(active):
            break
        found.append(np.stack([recs[active], recs[active + distance]], axis=1))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    return np.concatenate(found)


def _explode(key_lists: list[list[str]]) -> tuple[np.ndarray, list[str]]:
    records: list[int] = []
    keys: list[str] = []
    for i, ks in enumerate(key_lists):
        for k in set(ks):
            if k:
                records.append(i)
                keys.append(k)
    return np.asarray(records, dtype=np.int64), keys


def candidate_pairs(feats: Features) -> np.ndarray:
    """Unique (i, j) pairs, i < j, worth scoring."""
    import pandas as pd

    if feats.object_name == "contacts":
        key_sets = contact_keys(feats)
    elif feats.object_name == "companies":
        key_sets = company_keys(feats)
    else:
        key_sets = deal_keys(feats)
    names = sort_key(feats)
    rank = pd.Series(names).rank(method="first").to_numpy(dtype=np.int64)
    found = []
    for key_lists in key_sets.values():
        records, keys = _explode(key_lists)
        if len(records) < 2:
            continue
        codes, _ = pd.factorize(pd.Series(keys))
        found.append(pairs_from_keys(records, np.asarray(codes, dtype=np.int64), rank[records]))
    # sorted neighbourhood over the whole name order catches typos the keys miss
    has_name = np.flatnonzero(np.asarray([bool(n.strip()) for n in names]))
    if len(has_name) > 1:
        found.append(pairs_from_keys(has_name, np.zeros(len(has_name), dtype=np.int64),
                                     rank[has_name], cap=1, window=NEIGHBOURHOOD_WINDOW))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    pairs = np.sort(pairs, axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    size = max(feats.size, 1)
    flat = np.unique(pairs[:, 0] * size + pairs[:, 1])
    return np.stack([flat // size, flat % size], axis=1)
