"""Clean step: counts, before/after preview, bulk fixes (region, drop rows), via the keyboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.tui.conftest import settle


async def open_clean(app: Any, pilot: Any) -> None:
    await settle(app, pilot)
    for step in ("mapping", "clean"):
        app.goto(step)
        await settle(app, pilot)


async def test_region_preview_and_drop(make_app, contacts_csv: Path) -> None:
    from crm_migrate.tui.screens.modals import PromptModal
    from crm_migrate.tui.widgets.paged_table import PagedTable

    app = make_app(contacts_csv, object_name="contacts", object_chosen=True, match_target=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_clean(app, pilot)
        pane = app.pane
        # bulk fix: the default region, typed in a prompt; cleaning re-runs
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, PromptModal)
        await pilot.press("ctrl+a", "ctrl+k", *"US", "enter")
        await settle(app, pilot)
        assert app.state.profile.default_region == "US"
        phones = {r.properties.get("email"): r.properties.get("phone")
                  for r in app.state.clean_result.records}
        assert phones["finn@example.com"] == "+16465550110"
        counts = str(pane.query_one("#clean-counts").render())
        assert "Problems per field" in counts and "email 1" in counts
        # before/after of changed values
        await pilot.press("p")
        await pilot.pause()
        table = pane.query_one("#clean-table", PagedTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert ["contacts.csv:7", "phone", "(646) 555-0110", "+16465550110"] in rows
        # back to problems; drop the rows whose email is invalid
        await pilot.press("p")
        await pilot.pause()
        issues = [str(i.value) for i in pane.issue_rows]
        table.move_cursor(row=issues.index("bob@example"))
        before = len(app.state.clean_result.records)
        await pilot.press("d")
        await pilot.pause()
        records = app.state.clean_result.records
        assert len(records) == before - 1
        assert all("Bob" != r.properties.get("firstname") for r in records)
        assert "1 row dropped" in str(pane.query_one("#clean-counts").render())
