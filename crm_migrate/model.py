"""Results shared by clean, dedupe, push and the wizard."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

RowRef = int | str  # a 1-based data-row number (one file) or "file:row" (several files)


@dataclass
class CleanIssue:
    """One problem with one value (or with a file as a whole when row is None)."""

    row: RowRef | None
    column: str | None
    field: str | None
    value: str | None
    problem: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "value": self.value,
            "problem": self.problem,
        }


@dataclass
class OutputRecord:
    """One cleaned record ready to push.

    `source` is the `file:row` id of the row (or of the survivor of a duplicate
    group), `members` every `file:row` merged into it, `key` the value of the
    object's unique key field (email/domain) or None, `properties` the
    non-empty canonical field values (strings), `action` create|update|skip once
    matched against the target, and `target_id` the existing record's id when
    one matched.
    """

    source: str
    properties: dict[str, str]
    key: str | None = None
    members: list[str] = field(default_factory=list)
    action: str = "create"
    target_id: str | None = None
    # why the target would refuse it (a value with no option, too long, a required field
    # empty): the push journals it as failed without sending it, the dry run counts it
    blocked: str | None = None
    merge_into: str | None = None  # a target record the user merged this one into (an update)


@dataclass
class CleanResult:
    """What `clean` produced: the cleaned table, the issues and the duplicate groups.

    `frame` has one row per output record: the canonical fields then `_source`;
    every cell a string ("" when empty).
    """

    object: str
    frame: pd.DataFrame
    rows_in: int
    issues: list[CleanIssue] = field(default_factory=list)
    invalid: dict[str, int] = field(default_factory=dict)
    duplicate_groups: list[list[RowRef]] = field(default_factory=list)
    records: list[OutputRecord] = field(default_factory=list)
    near_matches: list[dict[str, Any]] = field(default_factory=list)
    # values with no option of their field: {column, field, value, count} per column and value
    unmapped: list[dict[str, Any]] = field(default_factory=list)
    # what the target held for the records' keys when they were matched (a
    # clean.matching.TargetSnapshot): the Dedupe decisions, dry run and push reuse it
    target_snapshot: Any = None

    @property
    def rows_out(self) -> int:
        return len(self.frame)

    def report(self) -> dict[str, Any]:
        """The `clean --report` JSON of CONTRACT.md (plus extra keys)."""
        actions: dict[str, int] = {}
        for rec in self.records:
            actions[rec.action] = actions.get(rec.action, 0) + 1
        return {
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "invalid": dict(self.invalid),
            "duplicate_groups": [list(g) for g in self.duplicate_groups],
            "issues": [i.to_dict() for i in self.issues],
            "actions": actions,
            "near_matches": list(self.near_matches),
            "unmapped_values": [dict(u) for u in self.unmapped],
            "would_fail": sum(1 for rec in self.records if rec.blocked),
        }
