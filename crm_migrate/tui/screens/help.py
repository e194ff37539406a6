"""The help screen: what each step is for and its keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from crm_migrate.tui.widgets.paged_table import PAGE_SIZE

if TYPE_CHECKING:
    from textual.app import ComposeResult

GENERAL = f"""\
**Quick path**: `ctrl+n` through the steps (each one works out what it can by itself),
`s` on Push, and the Report shows what happened.

**Everywhere**: `ctrl+n` next step · `escape` previous step · `ctrl+p` command palette ·
`F1`/`?` this help · `ctrl+q` quit (an unfinished push stays resumable from Start) ·
`tab` moves between fields · click the step bar to jump to a step.
Tables show {PAGE_SIZE} rows at a time: `[` and `]` (or `ctrl+pgup`/`ctrl+pgdn`) change page.
"""

STEP_HELP = {
    "start": "**Start**: `n` new migration · `r` resume the highlighted run · `o` open a saved profile.",
    "source": "**Source**: `a` add a file (picker) · `space` use/skip the highlighted file · "
              "`o` override sheet, header row (0-based), encoding or delimiter, then Enter · "
              "`ctrl+r` reload. One migration moves one object: use only its files.",
    "target": "**Target**: choose the CRM and the object; the sandbox needs no account. "
              "Enter a token (masked) and `ctrl+s` stores it in the keyring; `ctrl+t` tests the "
              "connection. Region is used for phone numbers written without a +country code.",
    "mapping": "**Mapping**: `enter`/`f` change the highlighted column's field (fuzzy search; "
               "pick *(leave out)* to skip it) · `t` edit its transforms (e.g. `trim, phone: {region: US}`) "
               "· `v` map picklist values · `ctrl+s` save the profile · `o` open one.",
    "clean": "**Clean**: `enter`/`e` fix the highlighted problem's source cell: the fix shows at "
             "once (✎) and waits, so you can fix several in a row · `ctrl+r` re-clean with every "
             "fix (`ctrl+n` does it too before going on) · `r` set the default region · `d` drop "
             "the rows having the highlighted problem (asks when there are several) · `D` take "
             "dropped rows back · `p` before/after preview of changed values.",
    "dedupe": "**Dedupe**: `up`/`down` choose a group · `s` make the next member the survivor (★) · "
              "`tab` to the fields, then `v` takes the next member's value for the highlighted "
              "field (✎) · `c` forget the group's choices · `x` not a duplicate (only that group "
              "is split; nothing is cleaned or read again) · `u` show records that update "
              "existing CRM records · `n` show near matches (same name, another email; left "
              "unmerged), then `m` merges the highlighted one into its CRM record (an update of "
              "it; `m` again undoes) · each group shows its match score and why (the fields that "
              "agreed) · `o` weakest matches first (again: input order) · `f` filter by score "
              "(all, ≥90%, 70–90%, below 70%) · `A` accept every group at or above a score "
              "(kept merged, ✓) · `X` mark every group below a score as not duplicates. Choices "
              "stay when cleaning re-runs, unless the group's members change.",
    "push": "**Push**: `d` dry run · `s` start · `p` pause (stops after the batch; resumable) · "
            "`r` resume · `c` cancel. Leaving mid-push keeps the run resumable from Start.",
    "report": "**Report**: created/updated/failed counts and the error file · `ctrl+z` roll back "
              "(asks first) · `n` new migration.",
}


class HelpScreen(ModalScreen[None]):
    """Keys and a short guide; Escape closes."""

    BINDINGS = [Binding("escape,f1,question_mark,q", "close", "Close", id="help.close",
                        tooltip="Close the help")]

    def __init__(self, step: str) -> None:
        super().__init__(classes="modal")
        self.step = step

    def compose(self) -> ComposeResult:
        order = [self.step] + [s for s in STEP_HELP if s != self.step]
        text = "# Help\n\n" + STEP_HELP.get(self.step, "") + "\n\n" + GENERAL + "\n\n## All steps\n\n"
        text += "\n\n".join(STEP_HELP[s] for s in order[1:])
        with VerticalScroll(classes="dialog tall", id="help-body"):
            yield Markdown(text)

    def action_close(self) -> None:
        self.dismiss(None)
