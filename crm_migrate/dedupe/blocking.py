"""Candidate pairs from blocking keys: near-linear, with big blocks cut down by sorted windows."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import jellyfish
import numpy as np
import pandas as pd

from crm_migrate.dedupe.features import Features
from crm_migrate.dedupe.keys import KeyCodes, contact_key_codes, factorize
from crm_migrate.dedupe.nicknames import nickname_keys

# blocks up to this size are compared all-pairs; larger ones only within a sorted window
BLOCK_CAP = 200
BIG_BLOCK_WINDOW = 12
NEIGHBOURHOOD_WINDOW = 3
# at most about this many candidate pairs per record over all key kinds: past it, the kinds
# with the most pairs (the least selective: a name sound-alike with a city, a birth date, a
# name pair) get a lower all-pairs cap, then a narrower sorted window, until the estimate
# fits. The compound keys (a name with a postcode, a birth year or a house number, a phone,
# an e-mail local part) stay small as a file grows and keep their blocks whole, so the
# candidate pairs grow linearly with the rows (about 5 a record from 100k to 1M rows).
PAIR_BUDGET = 6
MIN_CAP = 6


def _phonetic(word: str) -> str:
    return jellyfish.metaphone(word) if word else ""


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


def _block_steps(records: np.ndarray, codes: np.ndarray, rank: np.ndarray, cap: int, window: int
                 ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pairs within blocks, one distance (in rank order) at a time, as two arrays of records."""
    if len(records) < 2:
        return
    order = np.lexsort((rank, codes))
    recs, cods = records[order], codes[order]
    starts = np.concatenate(([0], np.flatnonzero(cods[1:] != cods[:-1]) + 1))
    counts = np.diff(np.concatenate((starts, [len(cods)])))
    block_size = np.repeat(counts, counts)
    limit = np.where(block_size > cap, window, cap)
    active = np.arange(len(recs) - 1)
    for distance in range(1, max(cap, window)):
        active = active[active + distance < len(recs)]
        same = (cods[active] == cods[active + distance]) & (distance < limit[active])
        active = active[same]
        if not len(active):
            break
        yield recs[active], recs[active + distance]


def pairs_from_keys(records: np.ndarray, codes: np.ndarray, rank: np.ndarray,
                    cap: int = BLOCK_CAP, window: int = BIG_BLOCK_WINDOW) -> np.ndarray:
    """All pairs within blocks of up to `cap` records; within bigger blocks, pairs `window` apart."""
    found = [np.stack([a, b], axis=1) for a, b in _block_steps(records, codes, rank, cap, window)]
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    return np.concatenate(found)


def block_pair_keys(records: np.ndarray, codes: np.ndarray, rank: np.ndarray, size: int,
                    cap: int = BLOCK_CAP, window: int = BIG_BLOCK_WINDOW) -> np.ndarray:
    """pairs_from_keys' pairs as keys low * size + high, a record with itself left out."""
    found = []
    for a, b in _block_steps(records, codes, rank, cap, window):
        low, high = np.minimum(a, b), np.maximum(a, b)
        other = low != high
        found.append(low[other] * size + high[other])
    if not found:
        return np.empty(0, dtype=np.int64)
    return np.concatenate(found)


def estimated_pairs(sizes: np.ndarray, cap: int, window: int) -> int:
    """Pairs pairs_from_keys yields for blocks of these sizes (big blocks: an upper bound)."""
    small, big = sizes[sizes <= cap], sizes[sizes > cap]
    return int((small * (small - 1) // 2).sum() + (big * (window - 1)).sum())


def pair_limits(block_sizes: dict[str, np.ndarray], budget: int) -> dict[str, tuple[int, int]]:
    """(cap, window) per key kind: the defaults unless the estimated pairs exceed the budget.

    The kind with the most pairs is cut first: its all-pairs cap halves (never below
    MIN_CAP: a block that small is one family of records, kept whole), then its window.
    """
    limits = {kind: (BLOCK_CAP, BIG_BLOCK_WINDOW) for kind in block_sizes}
    counts = {kind: estimated_pairs(sizes, BLOCK_CAP, BIG_BLOCK_WINDOW) for kind, sizes in block_sizes.items()}
    while counts and sum(counts.values()) > budget:
        kind = max((k for k in counts if limits[k][1] > 2 or limits[k][0] > MIN_CAP),
                   key=lambda k: counts[k], default=None)
        if kind is None:
            break
        cap, window = limits[kind]
        if cap > MIN_CAP:
            cap = max(MIN_CAP, cap // 2)
        else:
            window = max(2, window // 2)
        limits[kind] = (cap, window)
        counts[kind] = estimated_pairs(block_sizes[kind], cap, window)
    return limits


def neighbourhood_window(key_pairs: int, budget: int, named: int) -> int:
    """The sorted-neighbourhood window: NEIGHBOURHOOD_WINDOW, narrowed to what the key kinds'
    pairs leave of the budget (a window w gives w - 1 pairs a record; under 2: none)."""
    if named < 2:
        return 0
    left = max(0, budget - key_pairs)
    return int(min(NEIGHBOURHOOD_WINDOW, 1 + left // named))


def _codes_of(table: KeyTable) -> KeyCodes:
    """A table of key strings as record arrays and int codes."""
    out: KeyCodes = {}
    for kind, (records, keys) in table.items():
        out[kind] = (np.asarray(records, dtype=np.int64), factorize(np.asarray(keys or [], dtype=object)))
    return out


def key_codes(feats: Features, on_progress: Callable[[float], None] | None = None) -> KeyCodes:
    """Blocking keys of any object type as (record positions, key codes) per kind.

    Contacts (keys.py): name (metaphone of the last name | an initial of the first name or a
    nickname of it | city), swap (both metaphones, either order), dob (day/month order-free),
    zip (| last name's first 3 letters), phone (last 8 digits, each number), local (e-mail
    local part of 4+ characters), addr (| last name's initial), fdob (first name's metaphone
    | birth year), house_zip, house_city (house number with postcode or city).
    """
    if feats.object_name == "contacts":
        return contact_key_codes(feats, _first_initials, _phonetic, on_progress)
    if feats.object_name == "companies":
        return _codes_of(company_keys(feats))
    return _codes_of(deal_keys(feats))


def candidate_pairs(feats: Features) -> np.ndarray:
    """Unique (i, j) pairs, i < j, worth scoring."""
    keys = candidate_keys(feats)
    size = max(feats.size, 1)
    return np.stack([keys // size, keys % size], axis=1)


def candidate_keys(feats: Features, on_progress: Callable[[float], None] | None = None) -> np.ndarray:
    """Unique pairs worth scoring as sorted keys i * size + j (i < j; 8 bytes a pair, not 16)."""
    progress = on_progress or (lambda fraction: None)
    key_sets = key_codes(feats, lambda f: progress(0.5 * f))
    progress(0.5)
    names = sort_key(feats)
    rank = pd.Series(names).rank(method="first").to_numpy(dtype=np.int64)
    size = max(feats.size, 1)

    blocks: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for kind in list(key_sets):
        records, codes = key_sets.pop(kind)
        if len(records) < 2:
            continue
        blocks[kind] = (records, codes, np.bincount(codes))
    limits = pair_limits({kind: sizes for kind, (_, _, sizes) in blocks.items()}, PAIR_BUDGET * size)
    found = []
    for number, kind in enumerate(list(blocks)):
        records, codes, _ = blocks.pop(kind)
        records, codes = records.astype(np.int64), codes.astype(np.int64)  # kept as int32 (keys.py)
        cap, window = limits[kind]
        found.append(block_pair_keys(records, codes, rank[records], size, cap=cap, window=window))
        progress(0.5 + 0.3 * (number + 1) / (len(limits) + 1))
    keys = _unique_sorted(found)
    del found
    # sorted neighbourhood over the whole name order catches typos the keys miss; it is the
    # least selective kind of all (at a million rows 2 pairs a record, 9 true pairs no key
    # found), so it gets what the keys' pairs leave of the budget
    has_name = np.flatnonzero(np.asarray([bool(n.strip()) for n in names], dtype=bool))
    window = neighbourhood_window(len(keys), PAIR_BUDGET * size, len(has_name))
    if window >= 2:
        near = block_pair_keys(has_name, np.zeros(len(has_name), dtype=np.int64),
                               rank[has_name], size, cap=1, window=window)
        keys = _unique_sorted([keys, near])
    progress(0.8)
    return keys


def _unique_sorted(found: list[np.ndarray]) -> np.ndarray:
    """The distinct keys of several arrays, sorted (the parts are emptied as they are copied)."""
    if not found:
        return np.empty(0, dtype=np.int64)
    flat = np.empty(sum(len(part) for part in found), dtype=np.int64)
    at = 0
    for k, part in enumerate(found):  # copied in and released one by one: half the peak memory
        flat[at:at + len(part)] = part
        at += len(part)
        found[k] = part[:0]
    flat.sort()  # in place, and faster than np.unique's hashing; scoring order does not matter
    return _drop_repeats(flat)


def _drop_repeats(flat: np.ndarray, chunk: int = 4_000_000) -> np.ndarray:
    """A sorted array without repeated values, compacted in place (no second full-size copy)."""
    if len(flat) < 2:
        return flat
    write = 1
    for start in range(1, len(flat), chunk):
        end = min(len(flat), start + chunk)
        fresh = flat[start:end][flat[start:end] != flat[start - 1:end - 1]]
        flat[write:write + len(fresh)] = fresh
        write += len(fresh)
    flat.resize(write, refcheck=False)
    return flat
