"""Step 6: duplicate groups side by side with the merged result; survivor, values, not-a-duplicate."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Label, OptionList, Static
from textual.widgets.option_list import Option

from crm_migrate.actions.duplicates import GroupKey, GroupReview, group_key
from crm_migrate.actions.progress import number, plural
from crm_migrate.tui.screens.base import WizardStep
from crm_migrate.tui.screens.modals import PromptModal
from crm_migrate.tui.widgets.paged_table import Caption, width_scale

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from crm_migrate.model import OutputRecord


# the `f` filter's steps: a label and the scores it lets through
SCORE_FILTERS: list[tuple[str, float, float]] = [
    ("all", -1.0, 3.0), ("≥90%", 0.9, 3.0), ("70–90%", 0.7, 0.9), ("<70%", -1.0, 0.7)]
MAX_LISTED = 1000  # groups listed at once; a list widget of 100,000 options would stall the keys
LIST_LABEL = 18  # characters of a group's label in the list (at 80 columns)
LIST_WIDTH = 24  # the group list's width at 80 columns
FIELD_WIDTH = 13  # the detail table's field-name column


class DedupeStep(WizardStep):
    """Review what cleaning merged and what updates existing CRM records."""

    STEP = "dedupe"
    FOCUS = "#groups"
    BINDINGS = [
        Binding("s", "next_survivor", "Survivor", id="dedupe.survivor",
                tooltip="Make the next member of the group the survivor"),
        Binding("v", "next_value", "Value", id="dedupe.value",
                tooltip="Take the next member's value for the highlighted field"),
        Binding("x", "not_duplicate", "Not dup", id="dedupe.not_duplicate",
                tooltip="These rows are different records (only this group is split)"),
        Binding("f", "filter_by_score", "Filter", id="dedupe.filter", show=False,
                tooltip="List all groups / score ≥90% / 70–90% / below 70%"),
        Binding("c", "reset_group", "Reset", id="dedupe.reset",
                tooltip="Forget this group's survivor and value choices", show=False),
        Binding("u", "toggle_updates", "Updates", id="dedupe.updates",
                tooltip="Show the records that update existing CRM records", show=False),
        Binding("o", "order_by_score", "By score", id="dedupe.order", show=False,
                tooltip="List the groups weakest match first (again: in input order)"),
        Binding("X", "not_duplicates_below", "Not dup below", id="dedupe.reject_below", show=False,
                tooltip="Mark every group below a match score as not duplicates"),
        Binding("A", "accept_above", "Accept above", id="dedupe.accept_above", show=False,
                tooltip="Accept (keep merged, mark reviewed) every group at or above a match score"),
        Binding("m", "force_merge", "Merge", id="dedupe.force_merge", show=False,
                tooltip="Near matches (n): merge the row into the CRM record it nearly matches "
                        "(it becomes an update of it); again to undo"),
        Binding("n", "toggle_near", "Near", id="dedupe.near",
                tooltip="Show near matches: same name, another email (left unmerged)",
                show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.groups: list[OutputRecord] = []
        self.show_updates = False  # listing updates or near matches instead of the groups
        self.listing = "groups"  # groups | updates | near
        self.others: list[Any] = []  # the update records or near matches listed
        self.by_source: dict[str, OutputRecord] = {}  # records by source id (near matches' names)
        self.fields: list[str] = []
        self.reviews: dict[GroupKey, GroupReview] = {}  # match score and reasons per group
        self.by_score = False  # groups listed weakest match first
        self.score_filter = 0  # index into SCORE_FILTERS

    def compose_body(self) -> ComposeResult:
        yield Static("", id="dedupe-summary")
        with Horizontal(id="dedupe-split"):
            yield OptionList(id="groups")
            yield DataTable(id="group-detail", cursor_type="row", zebra_stripes=True)
        yield Caption("", id="dedupe-detail", classes="caption")
        yield Caption("", id="dedupe-caption", classes="caption")

    def refresh_from_state(self) -> None:
        result = self.state.cleaning.clean_result
        summary = self.query_one("#dedupe-summary", Static)
        options = self.query_one("#groups", OptionList)
        if result is None or self.state.clean_stale:
            edits = len(self.state.source.pending_edits)
            summary.update(f"{edits:,} cell fix{'es' if edits != 1 else ''} wait for cleaning: "
                           "ctrl+r on the Clean step." if edits and result is not None
                           else "Run cleaning first (Clean step).")
            options.clear_options()
            self.query_one("#group-detail", DataTable).clear(columns=True)
            self.groups = []
            return
        views = self.state.clean_views()
        self.groups = list(views["groups"])
        self.reviews = views.get("reviews", {})
        if not self.reviews and self.groups:
            self.load_reviews()
        if self.by_score and self.reviews:
            self.groups.sort(key=lambda r: self.score_of(r))
        label, low, high = SCORE_FILTERS[self.score_filter]
        listed_of = len(self.groups)
        if self.score_filter and self.reviews:
            self.groups = [r for r in self.groups if low <= self.score_of(r) < high]
        actions: dict[str, int] = views["actions"]
        shown = (f"{number(len(self.groups))} of {plural(listed_of, 'duplicate group')} ({label})"
                 if self.score_filter else plural(len(self.groups), 'duplicate group'))
        summary.update(
            f"{shown} · {actions.get('create', 0):,} create · "
            f"{actions.get('update', 0):,} update{' (u)' if actions.get('update') else ''} · "
            f"{actions.get('skip', 0):,} skip"
            + (f" · {plural(len(result.near_matches), 'near match', 'near matches')} (n)"
               if result.near_matches else ""))
        highlighted = options.highlighted
        options.clear_options()
        self.show_updates = self.listing != "groups"
        if self.show_updates:
            self.list_others(result)
            return
        options.add_options([Option(self.group_label(number)) for number in
                             range(min(len(self.groups), MAX_LISTED))])
        if self.groups:
            options.highlighted = min(highlighted or 0, len(self.groups) - 1)
            self.show_group(options.highlighted or 0)
        else:
            self.query_one("#group-detail", DataTable).clear(columns=True)
            self.query_one("#dedupe-caption", Label).update("No duplicates found.")

    def group_label(self, index: int) -> str:
        """A group's line in the list: number, size, ✎ when it has choices, its key or name."""
        record = self.groups[index]
        label = record.key or record.properties.get("name") or record.source
        key = group_key(record.members)
        mark = ("✎" if key in self.state.dedupe.choices.chosen_groups() else "") + (
            "✓" if key in self.state.dedupe.accepted else "")
        review = self.reviews.get(group_key(record.members))
        score = f"{review.probability:.0%} " if review is not None else ""
        return _cut(f"{index + 1:,} {score}({len(record.members)}){mark} {label}", self.list_label())

    def score_of(self, record: OutputRecord) -> float:
        """The group's match probability (2 until it is known: listed last)."""
        review = self.reviews.get(group_key(record.members))
        return review.probability if review is not None else 2.0

    @work(thread=True, exclusive=True, exit_on_error=False, group="reviews")
    def load_reviews(self) -> None:
        """Score every group and find its reasons (cleans the members: off the UI thread)."""
        self.state.group_reviews()
        self.app.call_from_thread(self._reviews_loaded)

    def _reviews_loaded(self) -> None:
        if self.state.cleaning.clean_result is not None and not self.state.clean_stale:
            self.reviews = self.state.clean_views().get("reviews", {})
            self.refresh_from_state()

    def action_order_by_score(self) -> None:
        """List the groups weakest match first, or back in input order."""
        if not self.reviews:
            self.notify("The match scores are still being computed.", severity="warning")
            return
        self.by_score = not self.by_score
        self.query_one("#groups", OptionList).highlighted = 0
        self.refresh_from_state()
        self.notify("Weakest matches first." if self.by_score else "In input order.")

    def _ask_score(self, question: str, then: Callable[[float], None]) -> None:
        """Ask for a match score in % (once the scores are known) and call `then` with it as a
        fraction; a reply that is no number is said so and nothing happens."""
        if not self.reviews:
            self.notify("The match scores are still being computed.", severity="warning")
            return

        def answered(text: str | None) -> None:
            if text is None:
                return
            try:
                threshold = float(text.strip().rstrip("%")) / 100
            except ValueError:
                self.notify(f"Not a score: {text!r} (e.g. 90)", severity="error")
                return
            then(threshold)

        self.app.push_screen(PromptModal(question, "90"), answered)

    def action_not_duplicates_below(self) -> None:
        """Mark every group whose match score is below a threshold as not duplicates."""

        def apply(threshold: float) -> None:
            below = [r for r in self.groups if self.score_of(r) < threshold]
            if not below:
                self.notify(f"No group scores below {threshold:.0%}.")
                return
            for record in below:
                self.state.not_duplicate([str(m) for m in record.members])
            self.notify(f"{plural(len(below), 'group')} marked as not duplicates.")
            self.refresh_from_state()

        self._ask_score("Mark every group below this match score (%) as not duplicates", apply)

    def action_filter_by_score(self) -> None:
        """Cycle the listed groups: all, score ≥90%, 70–90%, below 70%."""
        if not self.reviews:
            self.notify("The match scores are still being computed.", severity="warning")
            return
        self.score_filter = (self.score_filter + 1) % len(SCORE_FILTERS)
        self.listing = "groups"
        self.query_one("#groups", OptionList).highlighted = 0
        self.refresh_from_state()
        self.notify(f"Groups: {SCORE_FILTERS[self.score_filter][0]}.")

    def action_accept_above(self) -> None:
        """Accept every group at or above a match score: kept merged, marked reviewed (✓)."""

        def apply(threshold: float) -> None:
            above = [group_key(r.members) for r in self.state.clean_views()["groups"]
                     if self.score_of(r) >= threshold and self.score_of(r) <= 1.0]
            added = self.state.accept_groups(above)
            self.notify(f"{plural(len(above), 'group')} at or above {threshold:.0%} accepted"
                        f" ({number(added)} newly).")
            self.refresh_from_state()

        self._ask_score("Accept every group at or above this match score (%)", apply)

    def action_force_merge(self) -> None:
        """Merge the highlighted near match into the CRM record it nearly matches, or undo."""
        index = self.query_one("#groups", OptionList).highlighted
        if self.listing != "near" or index is None or index >= len(self.others):
            self.notify("Near matches to a CRM record are listed with n.", severity="warning")
            return
        item = self.others[index]
        if item.get("kind") != "target":
            self.notify("This near match is between rows of the files (x/s/v on groups).",
                        severity="warning")
            return
        record = self.by_source.get(str(item.get("source")))
        if record is None:
            return
        target = None if record.merge_into else str(item.get("target_id"))
        record = self.state.force_merge(str(record.source), target)
        self.show_other(index)
        self.notify(f"{record.source} now updates CRM record #{record.target_id}." if target
                    else f"{record.source} is created again (merge undone).")

    def list_label(self) -> int:
        """Characters of a label in the group list (more on a wide terminal)."""
        return LIST_LABEL + self.list_extra()

    def list_extra(self) -> int:
        """Columns the group list gains beyond 80 (a third of each extra column, up to 24): at
        120 a group's key shows 13 characters more; the group's table keeps room for a whole
        e-mail in its merged column."""
        return min(24, max(0, self.app.size.width - 80) // 3)

    def on_resize(self) -> None:
        """Fit the group list and the group's columns to the new width."""
        self.query_one("#groups", OptionList).styles.width = LIST_WIDTH + self.list_extra()
        index = self.current_group()
        if index is not None and self.display:
            self.call_after_refresh(self.show_group, index)

    def list_others(self, result: Any) -> None:
        """List the records that update CRM records, or the near matches, instead of the groups."""
        options = self.query_one("#groups", OptionList)
        self.query_one("#group-detail", DataTable).clear(columns=True)
        self.query_one("#dedupe-detail", Label).update("")
        if self.listing == "updates":
            self.others = [r for r in result.records if r.action == "update"]
            labels = [f"↻ {r.key or r.source}" for r in self.others[:MAX_LISTED]]
            caption = f"{plural(len(self.others), 'record')} update existing CRM records (u: back to groups)"
        else:
            self.others = list(result.near_matches)
            self.by_source = {str(r.source): r for r in result.records}
            labels = [("⇢ " if self.merged(m) else "≈ ")
                      + f"{m.get('ours', {}).get('lastname') or m.get('source') or ', '.join(m.get('values', []))}"
                      for m in self.others[:MAX_LISTED]]
            caption = f"{plural(len(self.others), 'near match', 'near matches')} left unmerged (n: back to groups)"
        options.add_options([Option(_cut(label, self.list_label())) for label in labels])
        self.query_one("#dedupe-caption", Label).update(caption.replace("matchs", "matches"))
        if self.others:
            options.highlighted = 0
            self.show_other(0)

    def merged(self, item: dict[str, Any]) -> bool:
        """Whether a near match to a CRM record was merged into it (m)."""
        record = self.by_source.get(str(item.get("source")))
        return item.get("kind") == "target" and record is not None and bool(record.merge_into)

    def show_other(self, index: int) -> None:
        """One update record's values, or one near match side by side."""
        table = self.query_one("#group-detail", DataTable)
        table.clear(columns=True)
        item = self.others[index]
        if self.listing == "updates":
            table.add_column("field", key="field", width=FIELD_WIDTH)
            table.add_column(f"→ CRM #{item.target_id}" if item.target_id else "value", key="value")
            for name, value in item.properties.items():
                table.add_row(Text(_cut(name, FIELD_WIDTH)), Text(value), key=name)
            where = f"{item.source} updates CRM record #{item.target_id}"
        elif item.get("kind") == "target":
            ours, theirs = item.get("ours", {}), item.get("theirs", {})
            table.add_column("field", key="field", width=FIELD_WIDTH)
            table.add_column(_cut(str(item.get("source", "ours")), 20), key="ours", width=20)
            table.add_column(f"CRM #{item.get('target_id')}", key="theirs", width=20)
            for name in ours:
                table.add_row(Text(name), Text(_cut(ours.get(name, ""), 20)),
                              Text(_cut(theirs.get(name, ""), 20)), key=name)
            where = str(item.get("reason", ""))
            record = self.by_source.get(str(item.get("source")))
            if record is not None and record.merge_into:
                where = f"merged: updates CRM #{record.merge_into} (m: undo)"
            else:
                where += " (m: merge into it)"
            options = self.query_one("#groups", OptionList)
            if index < options.option_count:
                options.replace_option_prompt_at_index(index, _cut(
                    ("⇢ " if self.merged(item) else "≈ ") + str(ours.get("lastname") or item.get("source")),
                    self.list_label()))
        else:
            records = self.by_source
            table.add_column("row", key="row", width=18)
            table.add_column("name", key="name", width=18)
            table.add_column("email or key", key="value", width=28)
            for number, (row, value) in enumerate(zip(item.get("rows", []), item.get("values", []),
                                                      strict=False)):
                record = records.get(str(row))
                props = record.properties if record is not None else {}
                name = props.get("name") or " ".join(filter(None, (props.get("firstname"),
                                                                   props.get("lastname"))))
                table.add_row(Text(_cut_left(str(row), 18)), Text(_cut(name, 18)),
                              Text(_cut(str(value), 28)), key=str(number))
            where = str(item.get("reason", ""))
        self.query_one("#dedupe-detail", Label).update(where)

    @on(OptionList.OptionHighlighted, "#groups")
    def group_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if self.show_updates:
            if event.option_index < len(self.others):
                self.show_other(event.option_index)
        elif event.option_index < len(self.groups):
            self.show_group(event.option_index)

    def current_group(self) -> int | None:
        index = self.query_one("#groups", OptionList).highlighted
        if self.show_updates or index is None or index >= min(len(self.groups), MAX_LISTED):
            return None
        return index

    def show_group(self, index: int) -> None:
        """Members side by side with the merged record (member values cleaned in a worker)."""
        record = self.groups[index]
        key = group_key(record.members)
        cached = self.state.dedupe.member_cache.get(key)
        if cached is None:
            self.load_members(index, list(record.members))
        values = cached or self.state.member_values(record.members)
        table = self.query_one("#group-detail", DataTable)
        cursor = table.cursor_row
        table.clear(columns=True)
        longest = max((len(v) for v in record.properties.values()), default=0)
        merged, width = self.column_widths(len(record.members), longest)
        table.add_column("field", key="field", width=FIELD_WIDTH)
        table.add_column(_cut("merged →", merged), key="__merged__", width=merged)
        for member in record.members:
            mark = "★ " if member == record.source else ""
            table.add_column(mark + _cut_left(self.member_name(record, member), width - len(mark)),
                             key=member, width=width)
        fields: list[str] = []
        for member_values in values.values():
            fields.extend(f for f in member_values if f not in fields)
        fields.extend(f for f in record.properties if f not in fields)
        self.fields = fields
        for name in fields:
            chosen = self.state.dedupe.choices.value_chosen(record, name)
            cells: list[Any] = [Text(_cut(name, FIELD_WIDTH)),
                                Text(_cut(("✎ " if chosen else "") + record.properties.get(name, ""), merged),
                                     style="bold")]
            cells.extend(Text(_cut(values.get(str(m), {}).get(name, ""), width)) for m in record.members)
            table.add_row(*cells, key=name)
        if fields:
            table.move_cursor(row=min(max(cursor, 0), len(fields) - 1))
        options = self.query_one("#groups", OptionList)
        if index < options.option_count:
            options.replace_option_prompt_at_index(index, self.group_label(index))
        action = record.action + (f" #{record.target_id}" if record.target_id else "")
        review = self.reviews.get(key)
        why = f"match {review.text()} · " if review is not None else ""
        self.query_one("#dedupe-caption", Label).update(
            f"group {index + 1:,}/{len(self.groups):,} · {why}{action}")

    @staticmethod
    def member_name(record: OutputRecord, member: object) -> str:
        """A member's column title: 'row 12' when the group is from one file, else 'file:row'."""
        labels = {str(m).rpartition(":")[0] for m in record.members}
        label, _, row = str(member).rpartition(":")
        return f"row {row}" if len(labels) == 1 and label else str(member)

    @on(DataTable.RowHighlighted, "#group-detail")
    def field_highlighted(self) -> None:
        """Spell out the highlighted field's merged and member values (the columns cut them)."""
        if self.show_updates:
            return  # the line says what the listed update or near match is
        index = self.current_group()
        table = self.query_one("#group-detail", DataTable)
        detail = ""
        if index is not None and self.fields and 0 <= table.cursor_row < len(self.fields):
            record = self.groups[index]
            name = self.fields[table.cursor_row]
            values = self.state.member_values_of(record)
            parts = [f"{self.member_name(record, m)}: {values.get(str(m), {}).get(name, '') or '—'}"
                     for m in record.members]
            detail = f"{name} = {record.properties.get(name, '') or '—'} ← " + " · ".join(parts)
        self.query_one("#dedupe-detail", Label).update(detail)

    def column_widths(self, members: int, longest: int = 0) -> tuple[int, int]:
        """Widths of the merged column and of each member's, so a pair fits side by side; on a
        wide terminal the merged column takes what its longest value needs (a whole e-mail)
        first, up to half the room."""
        table = self.query_one("#group-detail", DataTable)
        room = table.size.width or max(40, self.app.size.width - 24)
        room -= FIELD_WIDTH + 2 * (members + 2) + 2  # cell padding and a scrollbar
        share = room // (members + 1)
        if width_scale(self.app.size.width) > 1 and longest > share:
            merged = min(longest + 2, room * 3 // 5)
            return merged, max(11, min(30, (room - merged) // max(1, members)))
        return max(11, min(20, share)), max(11, min(18, share))

    @work(thread=True, exclusive=True, exit_on_error=False, group="members")
    def load_members(self, index: int, members: list[str]) -> None:
        """Clean each member row on its own so values compare like for like."""
        values = self.state.member_clean_values(members)
        self.state.dedupe.member_cache[group_key(members)] = values
        self.app.call_from_thread(self._members_loaded, index)

    def _members_loaded(self, index: int) -> None:
        if self.current_group() == index:
            self.show_group(index)

    def action_next_survivor(self) -> None:
        """Make the next member the survivor; its values fill the merged record first."""
        index = self.current_group()
        if index is None:
            return
        self.state.next_survivor(self.groups[index])
        self.show_group(index)

    def action_next_value(self) -> None:
        """Cycle the merged value of the highlighted field through the members' values."""
        index = self.current_group()
        if index is None:
            return
        table = self.query_one("#group-detail", DataTable)
        if not self.fields:
            return
        name = self.fields[min(table.cursor_row, len(self.fields) - 1)]
        if self.state.next_value(self.groups[index], name) is None:
            self.notify(f"No member has a value for {name}.", severity="warning")
            return
        self.show_group(index)

    def action_reset_group(self) -> None:
        """Forget the group's survivor and value choices: back to the merge cleaning made."""
        index = self.current_group()
        if index is None:
            return
        if not self.state.reset_choices(self.groups[index]):
            self.notify("This group has no choices to forget.", severity="warning")
            return
        self.show_group(index)

    def action_not_duplicate(self) -> None:
        """Record that the group's rows are different records; re-clean, then come back here."""
        index = self.current_group()
        if index is None:
            return
        self.state.not_duplicate([str(m) for m in self.groups[index].members])
        self.notify("Marked as not duplicates: its rows are separate records now.")
        self.refresh_from_state()

    def action_toggle_updates(self) -> None:
        """Switch between the duplicate groups and the records that update existing ones."""
        self.listing = "groups" if self.listing == "updates" else "updates"
        self.refresh_from_state()

    def action_toggle_near(self) -> None:
        """Switch between the duplicate groups and the near matches cleaning left unmerged."""
        self.listing = "groups" if self.listing == "near" else "near"
        self.refresh_from_state()

    def can_leave(self) -> str | None:
        if self.state.cleaning.clean_result is None or self.state.clean_stale:
            return "Run cleaning first (Clean step)."
        return None


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _cut_left(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[len(text) - width + 1:]

