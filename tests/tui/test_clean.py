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
        assert app.state.mapping.profile.default_region == "US"
        phones = {r.properties.get("email"): r.properties.get("phone")
                  for r in app.state.cleaning.clean_result.records}
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
        before = len(app.state.cleaning.clean_result.records)
        await pilot.press("d")
        await pilot.pause()
        records = app.state.cleaning.clean_result.records
        assert len(records) == before - 1
        assert all("Bob" != r.properties.get("firstname") for r in records)
        assert "1 row dropped" in str(pane.query_one("#clean-counts").render())


async def fix_cell(app: Any, pilot: Any, value: str, text: str) -> None:
    """Highlight the problem whose value is `value`, open its cell and type `text` over it."""
    from crm_migrate.tui.screens.modals import PromptModal
    from crm_migrate.tui.widgets.paged_table import PagedTable

    issues = [str(i.value) for i in app.pane.issue_rows]
    app.pane.query_one("#clean-table", PagedTable).move_cursor(row=issues.index(value))
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, PromptModal)
    await pilot.press("ctrl+a", "ctrl+k", *text, "enter")
    await pilot.pause()


async def test_edits_wait_for_one_reclean_or_next(make_app, contacts_csv: Path) -> None:
    from crm_migrate.tui.widgets.paged_table import PagedTable

    app = make_app(contacts_csv, object_name="contacts", object_chosen=True, region="US",
                   match_target=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_clean(app, pilot)
        pane = app.pane
        before = app.state.cleaning.clean_result
        await fix_cell(app, pilot, "bob@example", "bob@example.com")
        await fix_cell(app, pilot, "12", "(415) 555-0188")
        await settle(app, pilot)
        # both show at once, marked, and wait: no clean ran
        assert app.state.source.pending_edits == {("contacts.csv", 2, "E-mail Address"): "bob@example.com",
                                           ("contacts.csv", 6, "Business Phone"): "(415) 555-0188"}
        assert app.state.cleaning.clean_result is before and app.state.clean_stale
        table = pane.query_one("#clean-table", PagedTable)
        values = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        assert "✎ bob@example.com" in values and "✎ (415) 555-0188" in values
        assert "2 edited cells" in str(pane.query_one("#clean-caption").render())
        # the Dedupe step will not show the stale result meanwhile
        app.goto("dedupe")
        await settle(app, pilot)
        assert "2 cell fixes wait for cleaning" in str(app.pane.query_one("#dedupe-summary").render())
        app.goto("clean")
        await settle(app, pilot)
        assert app.state.cleaning.clean_result is before and len(app.state.source.pending_edits) == 2  # kept, not run
        # one re-clean applies both
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        result = app.state.cleaning.clean_result
        assert result is not before and not app.state.source.pending_edits and not app.state.clean_stale
        records = {r.properties.get("email"): r.properties for r in result.records}
        assert records["bob@example.com"]
        assert records["eve@example.com"]["phone"] == "+14155550188"
        assert not [i for i in result.issues if str(i.value) in ("bob@example", "12")]
        assert "edited" not in str(pane.query_one("#clean-caption").render())
        # Next with a fix pending cleans first, then goes on
        before = app.state.cleaning.clean_result
        await fix_cell(app, pilot, "555-0199", "(415) 555-0199")
        assert app.state.cleaning.clean_result is before
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert app.current_step == "dedupe"
        result = app.state.cleaning.clean_result
        assert result is not before and not app.state.clean_stale
        assert "+14155550199" in {r.properties.get("phone") for r in result.records}
        assert len(app.pane.groups) == 1


async def test_drop_many_asks_first_and_restore_takes_back(make_app, tmp_path: Path) -> None:
    from crm_migrate.tui.screens.modals import ConfirmModal

    path = tmp_path / "bad.csv"
    path.write_text("Full Name,E-mail Address\nAnn Lee,ann@\nBob Stone,bob@\nCara Diaz,cara@example.org\n"
                    "Dan Wu,dan@\n", encoding="utf-8")
    app = make_app(path, object_name="contacts", object_chosen=True, match_target=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_clean(app, pilot)
        pane = app.pane
        problems = [i.problem for i in pane.issue_rows]
        pane.query_one("#clean-table").move_cursor(row=problems.index("not a valid email address"))
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")  # changed my mind: nothing dropped
        await settle(app, pilot)
        assert not app.state.cleaning.dropped and len(app.state.cleaning.clean_result.records) == 4
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert len(app.state.cleaning.dropped) == 3
        assert [r.properties.get("email") for r in app.state.cleaning.clean_result.records] == ["cara@example.org"]
        assert "3 rows dropped (D restores)" in str(pane.query_one("#clean-counts").render())
        await pilot.press("D")
        await settle(app, pilot)
        assert not app.state.cleaning.dropped and len(app.state.cleaning.clean_result.records) == 4
        assert not app.state.clean_stale


async def test_a_cell_fix_starts_at_the_end_of_the_value(make_app, contacts_csv: Path) -> None:
    """Typing straight away appends (fixing 'bob@example' is typing '.com'), it does not
    replace the whole value."""
    from crm_migrate.tui.screens.modals import PromptModal
    from crm_migrate.tui.widgets.paged_table import PagedTable

    app = make_app(contacts_csv, object_name="contacts", object_chosen=True, region="US",
                   match_target=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_clean(app, pilot)
        issues = [str(i.value) for i in app.pane.issue_rows]
        app.pane.query_one("#clean-table", PagedTable).move_cursor(
            row=issues.index("bob@example"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptModal)
        await pilot.press(*".com", "enter")
        await pilot.pause()
        assert "bob@example.com" in app.state.source.pending_edits.values()
