"""Mapping step: transforms, picklist value maps, warnings, save and open a profile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.tui.conftest import settle


async def open_mapping(app: Any, pilot: Any) -> None:
    await settle(app, pilot)
    app.goto("mapping")
    await settle(app, pilot)


async def test_transforms_value_map_save_and_open(make_app, contacts_csv: Path, tmp_path: Path) -> None:
    from textual.widgets import Input, TextArea

    app = make_app(contacts_csv, object_name="contacts", object_chosen=True, match_target=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_mapping(app, pilot)
        pane = app.pane
        columns = [m.column for m in app.state.mapping.profile.fields]
        table = pane.query_one("#mapping-table")
        # transforms of the Company column, typed as one line
        table.move_cursor(row=columns.index("Company"))
        await pilot.press("t", *"trim, upper", "enter")
        await pilot.pause()
        company = next(m for m in app.state.mapping.profile.fields if m.column == "Company")
        assert company.transforms == ["trim", "upper"]
        # an unknown transform is refused with a message, the old list is kept
        await pilot.press("t", "ctrl+a", "ctrl+k", *"shout", "enter")
        await pilot.pause()
        assert company.transforms == ["trim", "upper"]
        # the picklist value map of Lifecycle, edited one pair per line
        table.move_cursor(row=columns.index("Lifecycle"))
        await pilot.press("v")
        await pilot.pause()
        area = app.screen.query_one(TextArea)
        assert "Customer: customer" in area.text
        area.text = "Customer: customer\nLead: salesqualifiedlead\nSubscriber: subscriber"
        await pilot.press("ctrl+s")
        await pilot.pause()
        lifecycle = next(m for m in app.state.mapping.profile.fields if m.column == "Lifecycle")
        mapped = [t for t in lifecycle.transforms if isinstance(t, dict) and "map_values" in t]
        assert mapped[0]["map_values"]["mapping"]["Lead"] == "salesqualifiedlead"
        # two columns on one field: a warning
        table.move_cursor(row=columns.index("Business Phone"))
        await pilot.press("f", *"E-mail", "enter")
        await pilot.pause()
        warnings = str(pane.query_one("#mapping-warnings").render())
        assert "'email' is filled by 2 columns" in warnings
        table.move_cursor(row=columns.index("Business Phone"))
        await pilot.press("f", *"phone number", "enter")
        await pilot.pause()
        assert "No mapping warnings" in str(pane.query_one("#mapping-warnings").render())
        # save the profile, then open it in a fresh wizard
        saved = tmp_path / "mine.yaml"
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.query_one(Input).value = str(saved)  # a long path: set, not typed key by key
        await pilot.press("enter")
        await pilot.pause()
        assert saved.is_file() and app.state.mapping.profile_path == saved

    fresh = make_app(contacts_csv)
    async with fresh.run_test(size=(80, 24)) as pilot:
        await settle(fresh, pilot)
        fresh.goto("start")
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        fresh.screen.query_one(Input).value = str(saved)
        await pilot.press("enter")
        await settle(fresh, pilot)
        assert fresh.current_step == "source"
        fresh.goto("mapping")
        await settle(fresh, pilot)
        fields = {m.column: m for m in fresh.state.mapping.profile.fields}
        assert fresh.state.target_step.object_name == "contacts"
        assert fields["Company"].transforms == ["trim", "upper"]
        assert fields["Business Phone"].field == "phone"


async def test_mapping_step_shows_the_evidence_of_each_suggestion(make_app, tmp_path: Path) -> None:
    path = tmp_path / "fields.csv"
    path.write_text("Field1,E-mail Address,Company\nAnna,anna@x.se,Acme\nErik,erik@y.se,Globex\n"
                    "Maria,maria@z.se,Initech\n", encoding="utf-8")
    app = make_app(path, object_name="contacts", object_chosen=True, match_target=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_mapping(app, pilot)
        pane = app.pane
        table = pane.query_one("#mapping-table")
        columns = [m.column for m in app.state.mapping.profile.fields]
        sources = {c: table.get_cell(c, "from") for c in columns}
        assert sources == {"Field1": "values", "E-mail Address": "both", "Company": "header"}
        table.move_cursor(row=columns.index("Field1"))
        await pilot.pause()
        why = str(pane.query_one("#mapping-why").render())
        assert "Field1 → suggested firstname, by its values" in why
        assert "given names" in why
        # a field chosen by hand is the user's, not the auto-mapper's
        await pilot.press("f", *"Last Name", "enter")
        await pilot.pause()
        assert table.get_cell("Field1", "from") == "you"
