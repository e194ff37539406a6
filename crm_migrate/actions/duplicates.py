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

from crm_migrate.dedupe import explain_pairs

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from crm_migrate.mapping.profile import Profile
    from crm_migrate.model import OutputRecord

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
    for owner, explained in zip(owners, explain_pairs(frame, pairs, object_name), strict=True):
        if owner not in weakest or explained["probability"] < weakest[owner]["probability"]:
            weakest[owner] = explained
    return {key: GroupReview(float(e["probability"]), _reasons(e)) for key, e in weakest.items()}


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
