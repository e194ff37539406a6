"""Decide duplicates: not-a-duplicate, and merge choices kept per group so they outlive a re-clean.

Cleaning merges every duplicate group by the profile's survivorship rules; the user may then
pick another survivor or another member's value for a field. Those choices are kept per group,
keyed by the sorted member `file:row` ids: after cleaning re-runs (a cell fix, a mapping
change), a group with the same members gets its choices back; a group whose members changed
loses them (the caller tells the user how many).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from crm_migrate.clean.matching import decide_records, held_snapshot
from crm_migrate.dedupe import explain_pairs
from crm_migrate.identity import key_field, natural_key
from crm_migrate.model import OutputRecord

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from crm_migrate.mapping.profile import Profile
    from crm_migrate.model import CleanResult

GroupKey = tuple[str, ...]  # the sorted member source ids of a duplicate group
MemberValues = dict[str, dict[str, str]]  # member source id -> its own cleaned field values


def group_key(members: Iterable[Any]) -> GroupKey:
    """The key of a duplicate group: its member source ids, sorted."""
    return tuple(sorted(str(m) for m in members))


@dataclass(frozen=True)
class GroupReview:
    """How sure the match of a duplicate group is: its weakest member's match probability with
    the survivor, and why (the fields that agreed, how well)."""

    probability: float
    reasons: tuple[str, ...]

    def text(self) -> str:
        """'94% · email same · lastname same · phone 88%'."""
        return " · ".join([f"{self.probability:.0%}", *self.reasons])


def review_groups(groups: list[OutputRecord], values: dict[str, dict[str, str]],
                  object_name: str) -> dict[GroupKey, GroupReview]:
    """Score every group (each member against the survivor, from the members' cleaned values,
    scored together) and give the reasons of its weakest pair."""
    rows: list[dict[str, str]] = []
    position: dict[str, int] = {}
    for record in groups:
        for member in record.members:
            if str(member) not in position:
                position[str(member)] = len(rows)
                rows.append(values.get(str(member), {}))
    pairs: list[tuple[int, int]] = []
    owners: list[GroupKey] = []
    for record in groups:
        survivor = position[str(record.source)] if str(record.source) in position else None
        for member in record.members:
            if survivor is not None and position[str(member)] != survivor:
                pairs.append((survivor, position[str(member)]))
                owners.append(group_key(record.members))
    frame = pd.DataFrame(rows).fillna("").astype(str) if rows else pd.DataFrame()
    weakest: dict[GroupKey, dict[str, Any]] = {}
    weakest_pair: dict[GroupKey, tuple[int, int]] = {}
    for owner, pair, explained in zip(owners, pairs, explain_pairs(frame, pairs, object_name), strict=True):
        if owner not in weakest or explained["probability"] < weakest[owner]["probability"]:
            weakest[owner] = explained
            weakest_pair[owner] = pair
    key = key_field(object_name)
    reviews: dict[GroupKey, GroupReview] = {}
    for owner, worst in weakest.items():
        reasons = _reasons(worst)
        a, b = weakest_pair[owner]
        shared = key is not None and natural_key(object_name, rows[a]) != "" and (
            natural_key(object_name, rows[a]) == natural_key(object_name, rows[b]))
        if shared and worst["probability"] < 0.5:
            # grouped although the model doubts it: the key forces it, and the user should know
            reasons = (f"same {key}: the CRM keeps one record per {key}", *reasons)
        reviews[owner] = GroupReview(float(worst["probability"]), reasons)
    return reviews


def _reasons(explained: dict[str, Any]) -> tuple[str, ...]:
    """The fields that spoke for the match, strongest first ('email same', 'phone 88%')."""
    fields: dict[str, dict[str, float]] = explained["fields"]
    ranked = sorted(((name, f) for name, f in fields.items() if f["weight_bits"] > 0),
                    key=lambda item: -item[1]["weight_bits"])
    reasons = [f"{name} {'same' if f['similarity'] >= 0.999 else format(f['similarity'], '.0%')}"
               for name, f in ranked[:4]]
    against = [name for name, f in fields.items() if f["weight_bits"] < 0]
    if against:
        reasons.append("differ: " + ", ".join(sorted(against)[:3]))
    return tuple(reasons)


def not_duplicate(profile: Profile, members: list[str]) -> GroupKey:
    """Record in the profile that a group's rows are different people/companies (clean again after).

    Returns the group's key (its choices, if any, are the caller's to forget).
    """
    group = [str(m) for m in members]
    if group not in profile.dedupe.not_duplicates:
        profile.dedupe.not_duplicates.append(group)
    return group_key(group)


def split_group(result: CleanResult, record: OutputRecord, values: MemberValues,
                key_field: str | None) -> list[OutputRecord]:
    """Put a merged group back as one record per member (each with its own cleaned values),
    in place in the result: no file is read again, nothing else is re-cleaned or re-matched.
    The new records are decided from what the target held when the result was matched (no
    request). Returns them."""
    members = [str(m) for m in record.members]
    fresh = []
    for member in members:
        properties = {k: v for k, v in values.get(member, {}).items() if v}
        key = (properties.get(key_field) or "").lower() or None if key_field else None
        fresh.append(OutputRecord(source=member, properties=properties, key=key, members=[member]))
    position = next(i for i, r in enumerate(result.records) if r is record)
    result.records[position:position + 1] = fresh
    gone = set(members)
    result.duplicate_groups = [g for g in result.duplicate_groups
                               if not _same_rows(g, gone)]
    if "_source" in result.frame.columns:
        frame = result.frame[~result.frame["_source"].isin(members)]  # the merged row
        rows = pd.DataFrame([{**{c: "" for c in frame.columns}, **r.properties, "_source": r.source}
                             for r in fresh], columns=frame.columns)
        result.frame = pd.concat([frame, rows], ignore_index=True).fillna("").astype(object)
    decide_again(result, fresh)
    return fresh


def _same_rows(group: list[Any], members: set[str]) -> bool:
    """Whether a result's duplicate group (row refs: 12 or 'file:row') is these member ids."""
    rows = {m.rpartition(":")[2] for m in members}
    return len(group) == len(members) and all(
        (str(ref) in members) if ":" in str(ref) else (str(ref) in rows) for ref in group)


def decide_again(result: CleanResult, records: list[OutputRecord]) -> None:
    """Create / update / skip for records a Dedupe decision changed, from the target snapshot
    the result was matched with (no request; without one they stay as they are)."""
    held = held_snapshot(result)
    if held is not None:
        decide_records(result, held, records)


def merge_into_target(result: CleanResult, source: str, target_id: str | None) -> OutputRecord:
    """Make a record an update of a chosen target record (a near match the user merged), or
    (target_id None) undo that; decided again from the snapshot. Returns the record."""
    record = next(r for r in result.records if str(r.source) == source)
    record.merge_into = target_id
    if target_id is None:
        record.action, record.target_id = "create", None
    decide_again(result, [record])
    return record


@dataclass
class MergeBase:
    """A group's merged record as cleaning made it (before any choice)."""

    source: str
    key: str | None
    properties: dict[str, str]


@dataclass
class MergeChoices:
    """Survivor and per-field value choices over the duplicate groups of one clean result."""

    survivors: dict[GroupKey, str] = field(default_factory=dict)
    values: dict[tuple[GroupKey, str], str] = field(default_factory=dict)
    bases: dict[GroupKey, MergeBase] = field(default_factory=dict)

    def __len__(self) -> int:
        """How many groups have a choice."""
        return len(self.chosen_groups())

    def chosen_groups(self) -> set[GroupKey]:
        """The groups that have a survivor or a value choice."""
        return set(self.survivors) | {key for key, _ in self.values}

    def discard(self, key: GroupKey) -> None:
        """Forget every choice of one group."""
        self.survivors.pop(key, None)
        for pair in [p for p in self.values if p[0] == key]:
            del self.values[pair]

    def clear(self) -> None:
        """Forget every choice."""
        self.survivors.clear()
        self.values.clear()
        self.bases.clear()

    def rebase(self, records: list[OutputRecord]) -> int:
        """A new clean result: remember its merges; drop choices of groups that are gone.

        Returns how many groups lost their choices (their members changed, or they are no
        longer duplicates).
        """
        self.bases = {group_key(r.members): MergeBase(str(r.source), r.key, dict(r.properties))
                      for r in records if len(r.members) > 1}
        gone = [key for key in self.chosen_groups() if key not in self.bases]
        for key in gone:
            self.discard(key)
        return len(gone)

    def apply(self, records: list[OutputRecord],
              member_values: Callable[[list[GroupKey]], dict[GroupKey, MemberValues]],
              key_field: str | None = None) -> None:
        """Set each chosen group's record from its merge plus the choices (idempotent).

        `member_values` gives each group's member rows cleaned on their own (where a chosen
        survivor's values come from); it is called once, with every group whose survivor was chosen.
        """
        chosen = self.chosen_groups()
        if not chosen:
            return
        by_key = {key: r for r in records if len(r.members) > 1
                  and (key := group_key(r.members)) in chosen}
        wanted = [key for key in self.survivors if key in by_key]
        groups = member_values(wanted) if wanted else {}
        for key, record in by_key.items():
            values = groups.get(key, {})
            base = self.bases.get(key)
            if base is None:  # a result this object never saw: take it as cleaning made it
                base = self.bases[key] = MergeBase(str(record.source), record.key, dict(record.properties))
            properties = dict(base.properties)
            source = base.source
            survivor = self.survivors.get(key)
            if survivor is not None and survivor in key:
                properties.update({k: v for k, v in values.get(survivor, {}).items() if v})
                source = survivor
            for (group, name), value in self.values.items():
                if group != key:
                    continue
                if value:
                    properties[name] = value
                else:
                    properties.pop(name, None)
            record.properties.clear()
            record.properties.update(properties)
            record.source = source
            record.key = (properties.get(key_field) if key_field else None) or base.key

    def reset(self, record: OutputRecord) -> bool:
        """Forget a group's choices and put its record back as cleaning merged it."""
        key = group_key(record.members)
        if key not in self.chosen_groups():
            return False
        self.discard(key)
        base = self.bases.get(key)
        if base is not None:
            record.properties.clear()
            record.properties.update(base.properties)
            record.source, record.key = base.source, base.key
        return True

    def next_survivor(self, record: OutputRecord) -> str:
        """Choose the member after the current survivor (wrapping round); returns it."""
        members = [str(m) for m in record.members]
        current = members.index(str(record.source)) if str(record.source) in members else -1
        survivor = members[(current + 1) % len(members)]
        self.survivors[group_key(members)] = survivor
        return survivor

    def next_value(self, record: OutputRecord, name: str, values: MemberValues) -> str | None:
        """Choose the next distinct member value of a field for the merged record; returns it."""
        options: list[str] = []
        for member in record.members:
            value = values.get(str(member), {}).get(name, "")
            if value and value not in options:
                options.append(value)
        if not options:
            return None
        current = record.properties.get(name, "")
        following = options[(options.index(current) + 1) % len(options)] if current in options else options[0]
        self.values[(group_key(record.members), name)] = following
        return following

    def value_chosen(self, record: OutputRecord, name: str) -> bool:
        """True when the user chose this field's value for this group."""
        return (group_key(record.members), name) in self.values
