"""The wizard flags personal and sensitive columns on the Source and Mapping steps; a sensitive
column stays unmapped until the user maps it, and the profile then records the choice; the
Start step lists runs from the same audit list as `crm-migrate runs`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.tui.conftest import settle

PEOPLE = ("Email,Name,SSN,Religion,Notes\n"
          "ann@example.com,Ann Lee,078-05-1120,x,hello\n"
          "bob@example.org,Bob Ray,219-09-9999,y,bye\n")


async def test_source_and_mapping_steps_show_flags_and_sensitive_needs_a_choice(
    make_app: Any, tmp_path: Path
) -> None:
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE)
    app = make_app(people, object_name="contacts", object_chosen=True, match_target=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        app.goto("source")
        await settle(app, pilot)
        caption = str(app.pane.query_one("#preview-caption").render())
        assert "SENSITIVE (mapped only if you choose): SSN, Religion" in caption
        assert "personal data: Email, Name" in caption
        app.goto("mapping")
        await settle(app, pilot)
        fields = {m.column: m for m in app.state.mapping.profile.fields}
        assert fields["SSN"].field is None and fields["Religion"].field is None
        assert fields["Email"].field == "email"
        table = app.pane.query_one("#mapping-table")
        row = [str(c) for c in table.get_row("SSN")]
        assert "SENSITIVE national id" in row
        assert "email" in [str(c) for c in table.get_row("Email")]
        columns = [m.column for m in app.state.mapping.profile.fields]
        table.move_cursor(row=columns.index("SSN"))
        await pilot.press("f", *"job title", "enter")
        await settle(app, pilot)
        ssn = next(m for m in app.state.mapping.profile.fields if m.column == "SSN")
        assert ssn.field == "jobtitle" and ssn.sensitive
        assert ssn.to_dict()["sensitive"] is True
        email = next(m for m in app.state.mapping.profile.fields if m.column == "Email")
        assert not email.sensitive


async def test_start_step_lists_runs_with_who_and_purged(make_app: Any, tmp_path: Path,
                                                         isolated_env: dict[str, Any]) -> None:
    from crm_migrate.cli import run

    people = tmp_path / "people.csv"
    people.write_text("Email,First Name\nann@example.com,Ann\n")
    profile = tmp_path / "p.yaml"
    profile.write_text("version: 1\nobject: contacts\nfields:\n  - {column: Email, field: email}\n"
                       "  - {column: First Name, field: firstname}\n")
    journal = tmp_path / "elsewhere" / "run.journal"
    push = ["push", str(people), "--profile", str(profile), "--journal", str(journal)]
    assert await asyncio.to_thread(run, push) == 0  # the push runs its own event loop
    assert run(["purge", str(journal), "--yes"]) == 0
    app = make_app(object_name="contacts")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        app.goto("start")
        await settle(app, pilot)
        table = app.pane.query_one("#runs")
        assert table.row_count == 1
        cells = [str(c) for c in table.get_row_at(0)]
        assert "completed, purged" in cells and "1/1" in cells
