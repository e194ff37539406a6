"""The wizard's value-map editor against a live schema: every distinct value of the column is
listed, decided or not; an undecided one is marked with its rows and look-alikes (never
applied), and '-' decides to leave a value empty."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.tui.conftest import settle

CSV = """Email,First Name,Industry
a@x.com,Ann,Computer Hardware
b@x.com,Bob,computer hardware
c@x.com,Cid,Banking Services
d@x.com,Dee,Banking Services
e@x.com,Eve,Other stuff
"""


def _live_companies_like_contacts() -> Any:
    from crm_migrate.schema import builtin_schema

    return builtin_schema("contacts").merge_live([
        {"name": "industry", "label": "Industry", "type": "enumeration", "fieldType": "select",
         "hubspotDefined": False, "options": [
             {"value": "COMPUTER_HARDWARE", "label": "Computer Hardware"},
             {"value": "BANKING", "label": "Banking"}]}]).with_live(source="sandbox (live)")


async def test_undecided_values_are_listed_and_decided_in_the_editor(make_app, tmp_path: Path) -> None:
    from textual.widgets import TextArea

    path = tmp_path / "people.csv"
    path.write_text(CSV, encoding="utf-8")
    app = make_app(path, object_name="contacts", object_chosen=True, match_target=False)
    app.state.mapping.schema = _live_companies_like_contacts()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        app.goto("mapping")
        await settle(app, pilot)
        profile = app.state.mapping.profile
        industry = next(m for m in profile.fields if m.column == "Industry")
        industry.field = "industry"
        industry.transforms = []
        columns = [m.column for m in profile.fields]
        app.pane.query_one("#mapping-table").move_cursor(row=columns.index("Industry"))
        await pilot.press("v")
        await pilot.pause()
        area = app.screen.query_one(TextArea)
        lines = area.text.splitlines()
        assert lines[0].startswith("Banking Services:   # undecided, 2 rows; did you mean BANKING")
        assert lines[1] == "Computer Hardware: COMPUTER_HARDWARE"  # case variants listed once
        assert lines[2].startswith("Other stuff:   # undecided, 1 rows")
        assert len(lines) == 3
        area.text = "\n".join(["Banking Services: BANKING", lines[1], "Other stuff: -"])
        await pilot.press("ctrl+s")
        await pilot.pause()
        mapped = [t for t in industry.transforms if isinstance(t, dict) and "map_values" in t]
        assert mapped[0]["map_values"]["mapping"] == {
            "Banking Services": "BANKING", "Computer Hardware": "COMPUTER_HARDWARE", "Other stuff": None}
        # opened again: every value decided, the one left empty shown as '-'
        await pilot.press("v")
        await pilot.pause()
        assert app.screen.query_one(TextArea).text.splitlines()[2] == "Other stuff: -"
