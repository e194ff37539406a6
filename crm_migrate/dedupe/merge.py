"""Survivorship: one merged row per duplicate group, and the conflicts it had to settle.

Rules per field (settings.survivorship[field], else settings.default_rule):
- most_complete: the value of the member with the most filled-in fields; an empty value is
  filled from the next most complete member.
- newest: the value of the member with the latest `newest_by` date (ISO text); members
  without a date come last, then by completeness.
- first: the first non-empty value in input order.
- keep_all: like most_complete, and the other distinct values are kept: e-mails go to
  `additional_emails`, phones fill an empty `mobilephone` (else `additional_phones`), any
  other field to `additional_<field>`; several values are joined with ";".
The merged row sits at the survivor's position (chosen by the default rule; keep_all
chooses like most_complete) and keeps the survivor's `_source`; `_members` lists the
`_source` of every member, ";"-joined ("" for rows that were not merged).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crm_migrate.errors import CleanError

if TYPE_CHECKING:
    import pandas as pd

    from crm_migrate.mapping.profile import DedupeSettings

INTERNAL = ("_source", "_members")
PHONE_FIELDS = ("phone", "mobilephone")


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


def merge_groups(frame: pd.DataFrame, groups: list[list[int]],
                 settings: DedupeSettings) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Merge each group into one row at its survivor's position; return the frame and conflicts."""
    import pandas as pd

    frame = frame.reset_index(drop=True)
    columns = [c for c in frame.columns if c != "_members"]
    _check(settings, columns)
    data: dict[str, list[str]] = {c: ["" if v is None or v != v else str(v) for v in frame[c].tolist()]
                                  for c in columns}
    fields = [c for c in columns if c not in INTERNAL]
    size = len(frame)
    filled = [0] * size
    for c in fields:
        for pos, value in enumerate(data[c]):
            if value:
                filled[pos] += 1
    newest = data[settings.newest_by] if settings.newest_by in data else None
    sources = data.get("_source", [str(i) for i in range(size)])
    members_col = [""] * size
    extra: dict[str, list[str]] = {}
    keep = [True] * size
    conflicts: list[dict[str, Any]] = []
    for raw_group in groups:
        group = sorted(set(raw_group))
        if len(group) < 2:
            continue
        default = settings.default_rule
        survivor_rule = default if default in ("newest", "first") else "most_complete"
        survivor = _order(survivor_rule, group, filled, newest)[0]
        for member in group:
            keep[member] = member == survivor
        members_col[survivor] = ";".join(sources[m] for m in group)
        extras_for_row: dict[str, list[str]] = {}
        merged: dict[str, str] = {}
        orders: dict[str, list[int]] = {}  # the member order depends on the rule only
        for field in fields:
            rule = settings.survivorship.get(field, default)
            order_rule = "most_complete" if rule == "keep_all" else rule
            order = orders.get(order_rule)
            if order is None:
                order = orders[order_rule] = _order(order_rule, group, filled, newest)
            column = data[field]
            values = [column[m] for m in order]
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
    out = pd.DataFrame({**data, **extra, "_members": members_col})
    out = out[pd.Series(keep)].reset_index(drop=True)
    return out, conflicts


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
