"""The command palette: the wizard's main actions, calling the same action_* methods as the keys."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Provider

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

# (title, help, step, action); step "" means an app action
ENTRIES: tuple[tuple[str, str, str, str], ...] = (
    ("Go to Start", "New migration, resume a run, open a profile", "", "goto:start"),
    ("Go to Source", "Files, detection and preview", "", "goto:source"),
    ("Go to Target", "Target CRM, object, credentials", "", "goto:target"),
    ("Go to Mapping", "Columns to fields", "", "goto:mapping"),
    ("Go to Clean", "Problems and fixes", "", "goto:clean"),
    ("Go to Dedupe", "Duplicate groups", "", "goto:dedupe"),
    ("Go to Push", "Dry run, push, pause, resume", "", "goto:push"),
    ("Go to Report", "Results and rollback", "", "goto:report"),
    ("Next step", "Go on to the next step", "", "next_step"),
    ("Previous step", "Go back one step", "", "prev_step"),
    ("Add a file", "Open the file picker", "source", "add_file"),
    ("Use or skip the file", "Include the highlighted file or leave it out", "source", "toggle_file"),
    ("Override detection", "Sheet, header row, encoding or delimiter of the file", "source",
     "edit_overrides"),
    ("Reload files", "Load the selected files again", "source", "reload"),
    ("Test connection", "Check the target and credentials", "target", "test_connection"),
    ("Save token to keyring", "Store the entered token for this target", "target", "save_token"),
    ("Change field of column", "Fuzzy-search the target field", "mapping", "pick_field"),
    ("Edit transforms", "The highlighted column's transforms", "mapping", "edit_transforms"),
    ("Map picklist values", "Source values to the field's options", "mapping", "value_map"),
    ("Save profile", "Write the mapping profile", "mapping", "save_profile"),
    ("Open profile", "Read a saved mapping profile", "mapping", "open_profile"),
    ("Run cleaning", "Map, normalise, validate and dedupe", "clean", "run_clean"),
    ("Set default region", "Region for phone numbers without +code", "clean", "set_region"),
    ("Edit the cell", "Fix the highlighted problem's source value", "clean", "edit_cell"),
    ("Drop rows with this problem", "Leave out the rows having the highlighted problem", "clean",
     "drop_rows"),
    ("Restore dropped rows", "Take back every dropped row", "clean", "restore_rows"),
    ("Before/after preview", "Switch between problems and changed values", "clean",
     "toggle_preview"),
    ("Next survivor", "Make the next member of the group the survivor", "dedupe", "next_survivor"),
    ("Next value", "Take the next member's value for the field", "dedupe", "next_value"),
    ("Not a duplicate", "These rows are different records", "dedupe", "not_duplicate"),
    ("Reset group", "Forget this group's survivor and value choices", "dedupe", "reset_group"),
    ("Records that update the CRM", "Show the records that update existing ones", "dedupe",
     "toggle_updates"),
    ("Near matches", "Same name, another email (left unmerged)", "dedupe", "toggle_near"),
    ("Groups by match score", "Weakest match first, or back in input order", "dedupe",
     "order_by_score"),
    ("Not duplicates below a score", "Mark every group under a match score as not duplicates",
     "dedupe", "not_duplicates_below"),
    ("Filter groups by score", "All groups, score ≥90%, 70–90% or below 70%", "dedupe",
     "filter_by_score"),
    ("Accept groups above a score", "Keep merged and mark reviewed every group at or above a "
     "match score", "dedupe", "accept_above"),
    ("Merge a near match into its CRM record", "The row becomes an update of the CRM record it "
     "nearly matches (again to undo)", "dedupe", "force_merge"),
    ("Dry run", "Plan the push without writing", "push", "dry_run"),
    ("Start push", "Push the records to the target", "push", "start"),
    ("Pause push", "Stop after the current batch (resumable)", "push", "pause"),
    ("Resume push", "Carry on a paused or interrupted run", "push", "resume"),
    ("Cancel push", "Stop the push (the run stays resumable)", "push", "cancel"),
    ("Roll back run", "Undo what the run created", "report", "rollback"),
    ("New migration", "Start over with new files", "report", "new_migration"),
    ("New migration (Start)", "Start a migration", "start", "new"),
    ("Resume the highlighted run", "Carry on an unfinished run from Start", "start",
     "resume_run"),
    ("Help", "Keys of the current step", "", "help"),
)


class WizardCommands(Provider):
    """Palette entries for the wizard's main actions."""

    def _callback(self, step: str, action: str) -> Callable[[], object]:
        app = self.app
        if not step:
            if action.startswith("goto:"):
                return partial(app.goto, action.split(":", 1)[1])  # type: ignore[attr-defined]
            return getattr(app, f"action_{action}")  # type: ignore[no-any-return]
        return partial(app.run_step_action, step, action)  # type: ignore[attr-defined]

    async def discover(self) -> AsyncIterator[DiscoveryHit]:
        for title, help_text, step, action in ENTRIES:
            yield DiscoveryHit(title, self._callback(step, action), help=help_text)

    async def search(self, query: str) -> AsyncIterator[Hit]:
        matcher = self.matcher(query)
        for title, help_text, step, action in ENTRIES:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), self._callback(step, action), help=help_text)
