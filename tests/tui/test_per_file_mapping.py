"""The demo's vCard beside its Outlook export in the Mapping step: the table says which file
each column comes from, the vCard keeps its own Title -> jobtitle, and cleaning keeps the
vCard's job titles; a change to one file's own mapping leaves the other files alone."""

from __future__ import annotations

from textual.widgets import DataTable

from tests.tui.conftest import settle


async def test_the_demo_keeps_the_vcards_job_titles() -> None:
    from crm_migrate.commands.tui import demo_app

    app = demo_app()
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            app.goto("mapping")
            await settle(app, pilot)
            pane = app.pane
            rows = pane.rows
            own = [(scope, m) for scope, m in rows if scope == "contacts.vcf"]
            assert {m.column: m.field for _, m in own}["Title"] == "jobtitle"
            shared_title = [m for scope, m in rows if scope is None and m.column == "Title"]
            assert shared_title and shared_title[0].field is None  # Outlook's salutation
            table = pane.query_one("#mapping-table", DataTable)
            files = [str(table.get_row_at(n)[0]) for n in range(table.row_count)]
            assert "contacts.vcf" in files and "outlook_contacts.csv" in files
            caption = str(pane.query_one("#mapping-caption").render())
            assert "own mapping: contacts.vcf" in caption

            # leave the vCard's Birthday out: only the vCard's own mapping changes
            birthday = next(n for n, (scope, m) in enumerate(rows)
                            if scope == "contacts.vcf" and m.column == "Birthday")
            table.focus()
            table.move_cursor(row=birthday)
            await pilot.press("f")
            await pilot.press(*"leave out")
            await pilot.press("enter")
            await pilot.pause()
            profile = app.state.mapping.profile
            assert {m.column: m.field for m in profile.fields_for("contacts.vcf")}["Birthday"] is None
            assert any(m.field == "date_of_birth" for m in profile.fields)

            app.goto("clean")
            await settle(app, pilot)
            result = app.state.cleaning.clean_result
            assert result is not None
            vcard = [r for r in result.records if len(r.members) == 1
                     and r.members[0].startswith("contacts.vcf:")]
            assert sum(1 for r in vcard if r.properties.get("jobtitle")) >= 50
    finally:
        app.sandbox.stop()
