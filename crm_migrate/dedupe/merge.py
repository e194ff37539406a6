"""Survivorship: one merged row per duplicate group, and the conflicts it had to settle.

Rules per field (settings.survivorship[field], else settings.default_rule):
- most_complete: the value most members agree on; on a tie a first name's full form over its
  nickname (Jessica over Jess), then the spelling the whole column uses more (a one-off typo
  such as Scottt loses to Scott), then the value of the member with the most filled-in
  fields; an empty value is filled from the next most complete member. First and last names
  that members hold swapped (Lee Ann / Ann Lee) are read the way the name table and the
  columns' other rows say.
- newest: the value of the member with the latest `newest_by` date (ISO text); members
  without a date come last, then by completeness.
- first: the first non-empty value in input order.
- keep_all: like most_complete, and the other distinct values are kept: e-mails go to
  `additional_emails`, phones fill an empty `mobilephone` (else `additional_phones`), any
  other field to `additional_<field>`; several values are joined with ";".
The postal address (street, city, state, zip, country) is one unit: it comes from one member
(under the address's rule: the address most members hold, else the most complete one; or the
newest/first member's), and a part that member lacks is filled only from a member whose
address agrees with it on every part both hold. A merged row never pairs one member's street
with another's zip.
The merged row sits at the survivor's position (chosen by the default rule; keep_all
chooses like most_complete) and keeps the survivor's `_source`; `_members` lists the
`_source` of every member, ";"-joined ("" for rows that were not merged).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from crm_migrate.dedupe.nicknames import is_formal_name, is_known_first_name, same_first_name
from crm_migrate.errors import CleanError

if TYPE_CHECKING:
    from crm_migrate.mapping.profile import DedupeSettings

INTERNAL = ("_source", "_members")
PHONE_FIELDS = ("phone", "mobilephone")
PROGRESS_EVERY = 20_000  # groups merged between progress calls
AGREEING_RULES = ("most_complete", "keep_all")  # rules that take the value members agree on
# fields whose spelling elsewhere in the column settles a tie (a one-off typo loses)
COMMON_SPELLING_FIELDS = ("firstname", "lastname", "company", "city", "state", "country",
                          "jobtitle", "name")
# one postal address: kept together from one member, never a street of one and a zip of another
ADDRESS_FIELDS = ("address", "city", "state", "zip", "country")


def _fold(value: str) -> str:
    return " ".join(value.casefold().split())


class Spellings:
    """How often each (folded) value occurs in a whole column, counted when first needed."""

    def __init__(self, data: dict[str, list[str]]) -> None:
        self.data = data
        self.counts: dict[str, Counter[str]] = {}

    def count(self, field: str, value: str) -> int:
        if field not in COMMON_SPELLING_FIELDS or field not in self.data:
            return 0
        counts = self.counts.get(field)
        if counts is None:
            counts = self.counts[field] = Counter(_fold(v) for v in self.data[field] if v)
        return counts[_fold(value)]


def _agreed(field: str, ordered: list[str], spellings: Spellings) -> str:
    """The value most of the members hold; ties: a full first name over its nickname, the
    spelling the column uses more, a value without a tripled letter, then the rule's order."""
    present = [v for v in ordered if v]
    if not present:
        return ""
    support = Counter(_fold(v) for v in present)
    if len(support) == 1:
        return present[0]

    def rank(item: tuple[int, str]) -> tuple[int, int, int, int, int]:
        position, value = item
        formal = field == "firstname" and is_formal_name(value) and any(
            _fold(o) != _fold(value) and same_first_name(_fold(o), _fold(value)) for o in present)
        tripled = any(a == b == c for a, b, c in zip(value, value[1:], value[2:], strict=False))
        return (-support[_fold(value)], -int(formal), -spellings.count(field, value),
                int(tripled), position)

    return min(enumerate(present), key=rank)[1]


def _swapped_names(group: list[int], data: dict[str, list[str]],
                   spellings: Spellings) -> tuple[str, str] | None:
    """(first, last) when members hold the same two names the other way round, read the way
    the name table (a known first name) and the columns' other rows say; else None."""
    first, last = data["firstname"], data["lastname"]
    pairs = {(_fold(first[m]), _fold(last[m])): (first[m], last[m]) for m in group
             if first[m] and last[m]}
    for (f, l_), (given, family) in pairs.items():
        if f != l_ and (l_, f) in pairs:
            def score(a: str, b: str) -> tuple[int, int]:
                return (int(is_known_first_name(a)) - int(is_known_first_name(b)),
                        spellings.count("firstname", a) + spellings.count("lastname", b)
                        - spellings.count("firstname", b) - spellings.count("lastname", a))
            return (given, family) if score(given, family) >= score(family, given) else (family, given)
    return None


def _order(rule: str, members: list[int], filled: list[int], newest: list[str] | None) -> list[int]:
    if rule == "first":
        return list(members)
    if rule == "newest":
        assert newest is not None
        dated = sorted((m for m in members if newest[m]), key=lambda m: (newest[m], filled[m], -m),
                       reverse=True)
        rest = sorted((m for m in members if not newest[m]), key=lambda m: (-filled[m], m))
        return dated + rest
    return sorted(members, key=lambda m: (-filled[m], m))


def _distinct(values: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        if value:
            seen.setdefault(" ".join(value.casefold().split()), value)
    return list(seen.values())


def _check(settings: DedupeSettings, columns: list[str]) -> list[str] | None:
    rules = [settings.default_rule, *settings.survivorship.values()]
    if "newest" not in rules:
        return None
    if not settings.newest_by:
        raise CleanError("dedupe: the survivorship rule 'newest' needs dedupe.newest_by "
                         "(the date field to compare)")
    if settings.newest_by not in columns:
        raise CleanError(f"dedupe.newest_by: field {settings.newest_by!r} is not in the cleaned data",
                         column=settings.newest_by)
    return None


def _text_columns(frame: pd.DataFrame, columns: list[str]) -> dict[str, list[str]]:
    """Each column as a list of str ("" for missing), without a Python loop when it is all text."""
    data: dict[str, list[str]] = {}
    for c in columns:
        values = frame[c].to_numpy(dtype=object, copy=True)
        missing = pd.isna(values)
        if missing.any():
            values[missing] = ""
        if pd.api.types.infer_dtype(values, skipna=False) not in ("string", "empty"):
            values = np.asarray([str(v) for v in values.tolist()] or [], dtype=object)
        data[c] = values.tolist()
    return data


def _filled_counts(data: dict[str, list[str]], fields: list[str], size: int) -> list[int]:
    """Per row, how many of the fields are filled in."""
    filled = np.zeros(size, dtype=np.int64)
    for c in fields:
        filled += np.asarray(data[c], dtype=object) != ""
    return filled.tolist()


def merge_groups(frame: pd.DataFrame, groups: list[list[int]], settings: DedupeSettings, *,
                 on_progress: Callable[[float], None] | None = None,
                 ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Merge each group into one row at its survivor's position; return the frame and conflicts."""
    frame = frame.reset_index(drop=True)
    columns = [c for c in frame.columns if c != "_members"]
    _check(settings, columns)
    data = _text_columns(frame, columns)
    fields = [c for c in columns if c not in INTERNAL]
    size = len(frame)
    # an object frame stays one: inferring pandas' str dtype would copy every string
    dtype = object if all(frame[c].dtype == object for c in columns) else None
    del frame
    filled = _filled_counts(data, fields, size)
    newest = data[settings.newest_by] if settings.newest_by in data else None
    sources = data.get("_source", [str(i) for i in range(size)])
    members_col = [""] * size
    extra: dict[str, list[str]] = {}
    keep = np.ones(size, dtype=bool)
    conflicts: list[dict[str, Any]] = []
    every = max(1, PROGRESS_EVERY)
    if on_progress is not None:
        on_progress(0.0)
    prepared = [sorted(set(raw_group)) for raw_group in groups]
    varying = _varying_fields(data, fields, prepared)
    spellings = Spellings(data)
    for number, group in enumerate(prepared):
        if on_progress is not None and number % every == 0:
            on_progress(0.9 * number / len(groups))
        if len(group) < 2:
            continue
        default = settings.default_rule
        survivor_rule = default if default in ("newest", "first") else "most_complete"
        survivor = _order(survivor_rule, group, filled, newest)[0]
        keep[group] = False
        keep[survivor] = True
        members_col[survivor] = ";".join(sources[m] for m in group)
        extras_for_row: dict[str, list[str]] = {}
        merged: dict[str, str] = {}
        orders: dict[str, list[int]] = {}  # the member order depends on the rule only
        differ = varying[number]
        names = None
        if {"firstname", "lastname"} <= differ and all(
                settings.survivorship.get(f, default) in AGREEING_RULES for f in ("firstname", "lastname")):
            names = _swapped_names(group, data, spellings)
            if names is not None:
                conflicts.append({"group": list(group), "field": "firstname",
                                  "values": _distinct([data["firstname"][m] for m in group]),
                                  "kept": names[0], "rule": "swapped first/last names"})
        block = _address_block(group, data, differ, settings, filled, newest, spellings)
        for field in fields:
            if field not in differ:  # every member holds the same value (or none)
                merged[field] = data[field][group[0]]
                continue
            rule = settings.survivorship.get(field, default)
            order_rule = "most_complete" if rule == "keep_all" else rule
            order = orders.get(order_rule)
            if order is None:
                order = orders[order_rule] = _order(order_rule, group, filled, newest)
            column = data[field]
            values = [column[m] for m in order]
            if names is not None and field in ("firstname", "lastname"):
                merged[field] = names[0] if field == "firstname" else names[1]
                continue
            if block is not None and field in block:
                kept = block[field]
            elif rule in AGREEING_RULES:
                kept = _agreed(field, values, spellings)
            else:
                kept = next((v for v in values if v), "")
            merged[field] = kept
            in_group = [column[m] for m in group]
            if not any(in_group[1:]) or all(v == in_group[0] for v in in_group[1:]):
                continue  # one value (or none): no conflict, nothing extra to keep
            distinct = _distinct(in_group)
            if len(distinct) > 1:
                conflicts.append({"group": list(group), "field": field, "values": distinct,
                                  "kept": kept, "rule": rule})
            if rule == "keep_all":
                others = [v for v in _distinct(values) if v.casefold() != kept.casefold()]
                if others:
                    extras_for_row.setdefault(field, []).extend(others)
        _place_extras(merged, extras_for_row, fields, extra, survivor, size)
        for field in fields:
            data[field][survivor] = merged[field]
    if on_progress is not None:
        on_progress(0.9)
    rows = np.flatnonzero(keep)
    out = pd.DataFrame({name: _kept(values, rows) for name, values in
                        [*data.items(), *extra.items(), ("_members", members_col)]}, dtype=dtype)
    return out, conflicts


def _address_block(group: list[int], data: dict[str, list[str]], differ: set[str],
                   settings: DedupeSettings, filled: list[int], newest: list[str] | None,
                   spellings: Spellings) -> dict[str, str] | None:
    """The merged address parts, all from one member (see the module doc); None when the
    members' addresses do not differ or fewer than two address parts are mapped."""
    parts = [f for f in ADDRESS_FIELDS if f in data]
    if len(parts) < 2 or not differ.intersection(parts):
        return None
    rule = settings.survivorship.get("address", settings.default_rule)
    order_rule = "most_complete" if rule in AGREEING_RULES else rule
    order = _order(order_rule, group, filled, newest)

    def folded(member: int) -> tuple[str, ...]:
        return tuple(_fold(data[f][member]) for f in parts)

    def agrees(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
        return all(x == y or not x or not y for x, y in zip(a, b, strict=True))

    blocks = {m: block for m in order if any(block := folded(m))}
    if not blocks:
        return None
    if rule in AGREEING_RULES:
        def rank(item: tuple[int, int]) -> tuple[int, int, int, int]:
            position, member = item
            mine = blocks[member]
            support = sum(1 for other in blocks.values() if agrees(mine, other))
            common = sum(spellings.count(f, data[f][member]) for f in parts)
            return (-support, -sum(1 for x in mine if x), -common, position)
        donor = min(enumerate(blocks), key=rank)[1]
    else:
        donor = next(iter(blocks))
    chosen = {f: data[f][donor] for f in parts}
    for member in order:  # fill a missing part from a member whose address is the same one
        if member in blocks and agrees(blocks[donor], blocks[member]):
            for f in parts:
                if not chosen[f] and data[f][member]:
                    chosen[f] = data[f][member]
    return chosen


def _varying_fields(data: dict[str, list[str]], fields: list[str], groups: list[list[int]]) -> list[set[str]]:
    """Per group, the fields its members do not all agree on (column-wise over all groups)."""
    sized = [g for g in groups if len(g) >= 2]
    if not sized:
        return [set() for _ in groups]
    members = np.fromiter((m for g in sized for m in g), dtype=np.int64, count=sum(len(g) for g in sized))
    starts = np.concatenate(([0], np.cumsum([len(g) for g in sized])[:-1]))
    differs = np.zeros((len(sized), len(fields)), dtype=bool)
    for k, field in enumerate(fields):
        codes, _ = pd.factorize(np.asarray(data[field], dtype=object)[members], use_na_sentinel=False)
        differs[:, k] = np.minimum.reduceat(codes, starts) != np.maximum.reduceat(codes, starts)
    found = iter([{fields[k] for k in np.flatnonzero(row)} for row in differs])
    return [next(found) if len(g) >= 2 else set() for g in groups]


def _kept(values: list[str], rows: np.ndarray) -> list[str]:
    """The values at these row positions."""
    if len(rows) == len(values):
        return values
    if len(rows) == 1:
        return [values[int(rows[0])]]
    return list(itemgetter(*rows.tolist())(values))


def _place_extras(merged: dict[str, str], extras: dict[str, list[str]], fields: list[str],
                  extra: dict[str, list[str]], row: int, size: int) -> None:
    """Put keep_all's other values into secondary fields of the merged row."""
    for field, values in extras.items():
        if field == "email":
            target = "additional_emails"
        elif field in PHONE_FIELDS:
            if field == "phone" and "mobilephone" in fields and not merged.get("mobilephone"):
                merged["mobilephone"] = values[0]
                values = values[1:]
            target = "additional_phones"
        else:
            target = f"additional_{field}"
        known = {v.casefold() for v in merged.values() if v}
        values = [v for v in values if v.casefold() not in known]
        if not values:
            continue
        column = extra.setdefault(target, [""] * size)
        current = [v for v in column[row].split(";") if v]
        column[row] = ";".join(current + [v for v in values if v not in current])
