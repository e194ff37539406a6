"""Candidate pairs from blocking keys: near-linear, with big blocks cut down by sorted windows."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from crm_migrate.dedupe.features import Features, house_number
from crm_migrate.dedupe.nicknames import nickname_keys

# blocks up to this size are compared all-pairs; larger ones only within a sorted window
BLOCK_CAP = 200
BIG_BLOCK_WINDOW = 12
NEIGHBOURHOOD_WINDOW = 3
# at most about this many candidate pairs per record over all key kinds: past it (a million
# generated rows with few distinct names, streets and cities), the kinds with the most pairs
# get a lower all-pairs cap, then a narrower window, until the estimate fits (bounds time and memory)
PAIR_BUDGET = 100


def _phonetic(word: str) -> str:
    import jellyfish

    return jellyfish.metaphone(word) if word else ""


def _cached(func: Callable[[str], str], values: Iterable[str]) -> list[str]:
    cache: dict[str, str] = {}
    out = []
    for value in values:
        hit = cache.get(value)
        if hit is None:
            hit = func(value) if value else ""
            cache[value] = hit
        out.append(hit)
    return out


def _first_initials(first: str) -> set[str]:
    if not first:
        return set()
    token = first.split()[0]
    return {key[:1] for key in nickname_keys(token)} | {token[:1]}


KeyTable = dict[str, tuple[list[int], list[str]]]  # kind -> (record positions, keys)


def _table(kinds: tuple[str, ...]) -> KeyTable:
    return {kind: ([], []) for kind in kinds}


def _add(table: KeyTable, kind: str, record: int, key: str) -> None:
    records, keys = table[kind]
    records.append(record)
    keys.append(key)


def contact_keys(feats: Features) -> KeyTable:
    """Blocking keys: a record may have several keys of one kind, or none."""
    first, last = feats.get("first"), feats.get("last")
    last_tok = [w.split()[-1] if w else "" for w in last]
    first_tok = [w.split()[0] if w else "" for w in first]
    mp_last = _cached(_phonetic, last_tok)
    mp_first = _cached(_phonetic, first_tok)
    initials: dict[str, set[str]] = {}
    dob, zips, address = feats.get("dob"), feats.get("zip"), feats.get("address")
    city, local = feats.get("city"), feats.get("email_local")
    houses = _cached(house_number, address)
    table = _table(("name", "swap", "dob", "zip", "phone", "local", "addr", "fdob", "house_zip",
                    "house_city"))
    for i in range(feats.size):
        ml, mf, lt, house = mp_last[i], mp_first[i], last_tok[i], houses[i]
        if ml:
            found = initials.get(first[i])
            if found is None:
                found = initials[first[i]] = _first_initials(first[i])
            for x in found:
                _add(table, "name", i, f"{ml}|{x}|{city[i]}")
            if mf:
                _add(table, "swap", i, f"{ml}|{mf}" if ml < mf else f"{mf}|{ml}")
        if len(dob[i]) == 10:
            _add(table, "dob", i, _dob_key(dob[i]))
            if mf:
                _add(table, "fdob", i, f"{mf}|{dob[i][:4]}")
        if zips[i]:
            if lt:
                _add(table, "zip", i, f"{zips[i]}|{lt[:3]}")
            if house:
                _add(table, "house_zip", i, f"{house}|{zips[i]}")
        for phone in feats.phones[i]:
            _add(table, "phone", i, phone[-8:])
        if len(local[i]) >= 4:
            _add(table, "local", i, local[i])
        if address[i]:
            _add(table, "addr", i, f"{address[i]}|{lt[:1]}")
            if house and city[i]:
                _add(table, "house_city", i, f"{house}|{city[i]}")
    return table


def _dob_key(dob: str) -> str:
    """A date key that is the same when day and month are swapped."""
    year, a, b = dob[:4], dob[5:7], dob[8:10]
    return f"{year}-{min(a, b)}-{max(a, b)}"


def company_keys(feats: Features) -> KeyTable:
    """Blocking keys for companies: name words, phone, postcode, address."""
    name, zips, address = feats.get("name"), feats.get("zip"), feats.get("address")
    table = _table(("name", "name2", "phone", "zip", "addr"))
    for i in range(feats.size):
        if name[i]:
            _add(table, "name", i, _phonetic(name[i].split()[0]))
            _add(table, "name2", i, name[i].replace(" ", "")[:6])
        for phone in feats.phones[i]:
            _add(table, "phone", i, phone[-8:])
        if zips[i]:
            _add(table, "zip", i, f"{zips[i]}|{name[i][:2]}")
        if address[i]:
            _add(table, "addr", i, address[i])
    return table


def deal_keys(feats: Features) -> KeyTable:
    """Blocking keys for deals: name prefix, amount with close month."""
    name, amount, close = feats.get("dealname"), feats.get("amount"), feats.get("closedate")
    table = _table(("name", "amount"))
    for i in range(feats.size):
        if name[i]:
            _add(table, "name", i, name[i].replace(" ", "")[:5])
        if amount[i]:
            _add(table, "amount", i, f"{amount[i]}|{close[i][:7]}")
    return table


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


def estimated_pairs(sizes: np.ndarray, cap: int, window: int) -> int:
    """Pairs pairs_from_keys yields for blocks of these sizes (big blocks: an upper bound)."""
    small, big = sizes[sizes <= cap], sizes[sizes > cap]
    return int((small * (small - 1) // 2).sum() + (big * (window - 1)).sum())


def pair_limits(block_sizes: dict[str, np.ndarray], budget: int) -> dict[str, tuple[int, int]]:
    """(cap, window) per key kind: the defaults unless the estimated pairs exceed the budget."""
    limits = {kind: (BLOCK_CAP, BIG_BLOCK_WINDOW) for kind in block_sizes}
    counts = {kind: estimated_pairs(sizes, BLOCK_CAP, BIG_BLOCK_WINDOW) for kind, sizes in block_sizes.items()}
    while counts and sum(counts.values()) > budget:
        kind = max((k for k in counts if limits[k][1] > 2 or limits[k][0] > limits[k][1]),
                   key=lambda k: counts[k], default=None)
        if kind is None:
            break
        cap, window = limits[kind]
        if cap > window:
            cap = max(window, cap // 2)
        else:
            window = max(2, window // 2)
            cap = window
        limits[kind] = (cap, window)
        counts[kind] = estimated_pairs(block_sizes[kind], cap, window)
    return limits


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
    size = max(feats.size, 1)

    def pair_keys(pairs: np.ndarray) -> np.ndarray:
        """(i, j) pairs as one int each, i*size + j with i < j (8 bytes a pair, not 16)."""
        low, high = np.minimum(pairs[:, 0], pairs[:, 1]), np.maximum(pairs[:, 0], pairs[:, 1])
        other = low != high
        return low[other] * size + high[other]

    blocks: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for kind in list(key_sets):
        record_list, keys = key_sets.pop(kind)
        if len(record_list) < 2:
            continue
        codes, _ = pd.factorize(pd.Series(keys, dtype=object))
        codes = np.asarray(codes, dtype=np.int64)
        blocks[kind] = (np.asarray(record_list, dtype=np.int64), codes, np.bincount(codes))
        del record_list, keys
    limits = pair_limits({kind: sizes for kind, (_, _, sizes) in blocks.items()}, PAIR_BUDGET * size)
    found = []
    for kind, (records, codes, _) in blocks.items():
        cap, window = limits[kind]
        found.append(pair_keys(pairs_from_keys(records, codes, rank[records], cap=cap, window=window)))
    del blocks
    # sorted neighbourhood over the whole name order catches typos the keys miss
    has_name = np.flatnonzero(np.asarray([bool(n.strip()) for n in names]))
    if len(has_name) > 1:
        found.append(pair_keys(pairs_from_keys(has_name, np.zeros(len(has_name), dtype=np.int64),
                                               rank[has_name], cap=1, window=NEIGHBOURHOOD_WINDOW)))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    flat = np.empty(sum(len(part) for part in found), dtype=np.int64)
    at = 0
    for k, part in enumerate(found):  # copied in and released one by one: half the peak memory
        flat[at:at + len(part)] = part
        at += len(part)
        found[k] = part[:0]
    del found
    flat.sort()  # in place, and faster than np.unique's hashing; scoring order does not matter
    if len(flat) > 1:
        flat = flat[np.concatenate(([True], flat[1:] != flat[:-1]))]
    return np.stack([flat // size, flat % size], axis=1)
