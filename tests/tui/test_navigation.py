"""Moving through the wizard with the keyboard: every step reachable, edits kept, modals, palette."""

from __future__ import annotations

from pathlib import Path

from tests.tui.conftest import settle

STEPS = ["start", "source", "target", "mapping", "clean", "dedupe", "push", "report"]


async def test_steps_back_and_forth_keep_a_mapping_edit(make_app, contacts_csv: Path) -> None:
    from crm_migrate.tui.screens.mapping import MappingStep

    app = make_app(contacts_csv)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.current_step == "source"
        assert [t.label for t in app.state.source.tables] == ["contacts.csv"]
        await pilot.press("ctrl+n")  # target
        await pilot.press("ctrl+n")  # mapping
        await settle(app, pilot)
        assert isinstance(app.pane, MappingStep)
        fields = {m.column: m.field for m in app.state.mapping.profile.fields}
        assert fields["E-mail Address"] == "email"
        # change the field of the "Company" column through the fuzzy picker
        table = app.pane.query_one("#mapping-table")
        row = [m.column for m in app.state.mapping.profile.fields].index("Company")
        table.move_cursor(row=row)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press(*"job title")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert {m.column: m.field for m in app.state.mapping.profile.fields}["Company"] == "jobtitle"
        # away and back: the edit is still there
        await pilot.press("escape", "escape", "escape")
        assert app.current_step == "start"
        for _ in range(3):
            await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert app.current_step == "mapping"
        assert {m.column: m.field for m in app.state.mapping.profile.fields}["Company"] == "jobtitle"
        assert "jobtitle" in str(app.pane.query_one("#mapping-table").get_row("Company"))


async def test_next_is_refused_without_files(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.current_step == "start"
        await pilot.press("n")
        assert app.current_step == "source"
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.current_step == "source"  # nothing loaded: stays


async def test_command_palette_goes_to_a_step(make_app, contacts_csv: Path) -> None:
    app = make_app(contacts_csv)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"go to target")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.current_step == "target"


async def test_help_opens_and_closes(make_app, contacts_csv: Path) -> None:
    from crm_migrate.tui.screens.help import HelpScreen

    app = make_app(contacts_csv)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.current_step == "source" and not isinstance(app.screen, HelpScreen)


async def test_source_override_and_toggle(make_app, tmp_path: Path, contacts_csv: Path) -> None:
    titled = tmp_path / "titled.csv"
    titled.write_text("Customer list 2026\n\n" + contacts_csv.read_text(), encoding="utf-8")
    app = make_app(contacts_csv, titled)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert len(app.state.source.tables) == 2
        screen = app.pane
        screen.query_one("#files").move_cursor(row=1)
        await pilot.pause()
        assert screen.preview_path == str(titled)
        await pilot.press("o")
        await pilot.press("tab")  # header row input
        await pilot.press("3", "enter")
        await settle(app, pilot)
        table = app.state.table_for(str(titled))
        assert table is not None and table.detection.header_row == 3
        assert table.columns[0] != "Full Name"  # header forced onto a data row
        # leave the first file out of this migration
        screen.query_one("#files").focus()
        screen.query_one("#files").move_cursor(row=0)
        await pilot.press("space")
        await settle(app, pilot)
        assert app.state.source.selected == [str(titled)]
        assert [t.label for t in app.state.source.tables] == ["titled.csv"]


async def test_paged_preview_of_a_long_file(make_app, tmp_path: Path) -> None:
    from crm_migrate.tui.widgets.paged_table import PAGE_SIZE, PagedTable

    size = PAGE_SIZE
    total = 4 * size + size // 2  # four full pages and a half one
    big = tmp_path / "big.csv"
    big.write_text("Email,Name\n" + "".join(f"p{i}@example.com,P {i}\n"
                                            for i in range(1, total + 1)))
    app = make_app(big)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        preview = app.pane.query_one("#preview", PagedTable)
        assert preview.row_count == preview.page_size == size and preview.pages == 5
        preview.focus()
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert preview.page == 1 and str(preview.get_row_at(0)[0]) == str(size + 1)
        await pilot.press("right_square_bracket", "right_square_bracket", "right_square_bracket")
        await pilot.pause()
        assert preview.page == 4 and preview.row_count == size // 2
        caption = str(app.pane.query_one("#preview-caption").render())
        assert f"rows {4 * size + 1:,}–{total:,} of {total:,}" in caption
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert preview.page == 3 and str(preview.get_row_at(0)[0]) == str(3 * size + 1)


async def test_mouse_clicks_on_the_step_bar_and_buttons(make_app, contacts_csv: Path) -> None:
    app = make_app(contacts_csv)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.click("#step-bar", offset=(21, 0))  # "3 Target"
        await pilot.pause()
        assert app.current_step == "target"
        await pilot.click("#step-bar", offset=(1, 0))  # "1 Start"
        await pilot.pause()
        assert app.current_step == "start"
        await pilot.click("#step-start #new")
        await settle(app, pilot)
        assert app.current_step == "source"


async def test_a_page_turn_repaints_without_laying_out_the_screen_again(
        make_app, tmp_path: Path, monkeypatch) -> None:
    """Columns only widen as pages turn and the caption's size never follows its text, so a
    page turn whose values are no wider lays out nothing (a layout redraws the whole screen);
    a wider value still widens its column, and a new frame is measured anew."""
    from textual.widget import Widget

    from crm_migrate.tui.widgets.paged_table import PAGE_SIZE, PagedTable

    lines = []
    for i in range(1, 3 * PAGE_SIZE + 1):
        page = (i - 1) // PAGE_SIZE
        note = {0: "medium text", 1: "short", 2: "a rather longer note"}[page]
        lines.append(f"p{i:04d}@example.com,{note}\n")
    big = tmp_path / "pages.csv"
    big.write_text("Email,Note\n" + "".join(lines))
    app = make_app(big)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        preview = app.pane.query_one("#preview", PagedTable)
        preview.focus()
        await pilot.pause()
        note = next(c for c in preview.columns.values() if str(c.label) == "Note")
        assert note.width == len("medium text")
        layouts: list[str] = []
        refresh = Widget.refresh

        def spy(self, *regions, repaint=True, layout=False, recompose=False):  # type: ignore[no-untyped-def]
            if layout:
                layouts.append(type(self).__name__)
            return refresh(self, *regions, repaint=repaint, layout=layout, recompose=recompose)

        monkeypatch.setattr(Widget, "refresh", spy)
        await pilot.press("right_square_bracket")  # "short" notes: the column keeps its width
        await pilot.pause()
        await pilot.pause()
        assert preview.page == 1 and note.width == len("medium text")
        assert f"rows {PAGE_SIZE + 1}" in str(app.pane.query_one("#preview-caption").render())
        assert layouts == []
        await pilot.press("right_square_bracket")  # longer notes: it widens
        await pilot.pause()
        assert preview.page == 2 and note.width == len("a rather longer note")
        monkeypatch.undo()
        preview.show_frame(preview._frame.iloc[:PAGE_SIZE])  # a new frame starts anew
        await pilot.pause()
        note = next(c for c in preview.columns.values() if str(c.label) == "Note")
        assert note.width == len("medium text")
