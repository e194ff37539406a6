"""Dedupe step: groups side by side, survivor/value choices, not-a-duplicate, update vs create."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.tui.conftest import settle


async def open_dedupe(app: Any, pilot: Any) -> None:
    await settle(app, pilot)
    app.state.target_step.object_name, app.state.target_step.object_chosen = "contacts", True
    for step in ("mapping", "clean", "dedupe"):
        app.goto(step)
        await settle(app, pilot)


async def test_choose_survivor_value_and_not_duplicate(make_app, contacts_csv: Path) -> None:
    app = make_app(contacts_csv, region="US")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_dedupe(app, pilot)
        pane = app.pane
        assert len(pane.groups) == 1
        record = pane.groups[0]
        assert sorted(str(m).rsplit(":", 1)[-1] for m in record.members) == ["1", "3"]
        first_source, merged = record.source, dict(record.properties)
        await pilot.press("s")  # the other member becomes the survivor
        await pilot.pause()
        assert record.source != first_source and record.source in record.members
        # take the other member's company for the merged record
        fields = pane.fields
        table = pane.query_one("#group-detail")
        table.move_cursor(row=fields.index("company"))
        before = record.properties.get("company")
        await pilot.press("v")
        await pilot.pause()
        assert record.properties.get("company") != before
        assert record.properties.get("company") in ("Acme", "Acme Inc")
        # c forgets the group's choices: back to the merge cleaning made
        await pilot.press("c")
        await pilot.pause()
        assert record.source == first_source and record.properties == merged
        assert not app.state.dedupe.choices.chosen_groups()
        # not a duplicate: the pair is recorded in the profile and only that group is split
        await pilot.press("x")
        await settle(app, pilot)
        assert app.state.mapping.profile.dedupe.not_duplicates
        assert app.state.cleaning.clean_result.duplicate_groups == []
        assert app.current_step == "dedupe"  # no re-clean: still here
        assert app.pane.groups == []


async def test_records_already_in_the_crm_show_as_updates(make_app, contacts_csv: Path,
                                                          sandbox_server: Any) -> None:
    import httpx

    with httpx.Client(base_url=sandbox_server.url,
                      headers={"Authorization": f"Bearer {sandbox_server.token}"}) as http:
        answer = http.post("/crm/v3/objects/contacts/batch/create", json={"inputs": [
            {"properties": {"email": "cara@example.org", "firstname": "Cara", "lastname": "Old"}}]})
        assert answer.status_code in (200, 201), answer.text
    app = make_app(contacts_csv, url=sandbox_server.url, region="US")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_dedupe(app, pilot)
        actions = {r.key: r.action for r in app.state.cleaning.clean_result.records}
        assert actions["cara@example.org"] == "update"
        assert actions["dan@example.net"] == "create"
        summary = str(app.pane.query_one("#dedupe-summary").render())
        assert "1 update" in summary
        await pilot.press("u")
        await pilot.pause()
        options = app.pane.query_one("#groups")
        assert options.option_count == 1
        assert "cara@example.org" in str(options.get_option_at_index(0).prompt)


async def test_choices_survive_a_reclean_and_reach_the_push(make_app, contacts_csv: Path) -> None:
    from crm_migrate.push.plan import build_rows
    from crm_migrate.tui.screens.modals import PromptModal

    # Bob's row is Ann's too (an initial and a broken address): fixing the address later
    # brings it into her group
    contacts_csv.write_text(contacts_csv.read_text(encoding="utf-8").replace(
        "Bob Stone,bob@example,", "A. Lee,ann@example,"), encoding="utf-8")
    app = make_app(contacts_csv, region="US", match_target=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dedupe(app, pilot)
        pane = app.pane
        [record] = pane.groups
        members = list(record.members)
        await pilot.press("s")
        await pilot.pause()
        survivor = record.source
        assert survivor != sorted(members)[0]
        await pilot.press("tab")
        pane.query_one("#group-detail").move_cursor(row=pane.fields.index("company"))
        await pilot.press("v")
        await pilot.pause()
        company = record.properties["company"]
        assert "✎" in str(pane.query_one("#groups").get_option_at_index(0).prompt)

        async def fix(value: str, text: str) -> None:
            issues = [str(i.value) for i in app.pane.issue_rows]
            app.pane.query_one("#clean-table").move_cursor(row=issues.index(value))
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, PromptModal)
            await pilot.press("ctrl+a", "ctrl+k", *text, "enter")
            await pilot.pause()

        # an unrelated fix on the Clean step; Next re-cleans and comes back here
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.current_step == "clean"
        before = app.state.cleaning.clean_result
        await fix("12", "(415) 555-0188")
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert app.current_step == "dedupe" and app.state.cleaning.clean_result is not before
        [record] = app.pane.groups
        assert record.members == members and record.source == survivor
        assert record.properties["company"] == company
        star = [str(c.label) for c in app.pane.query_one("#group-detail").columns.values()
                if str(c.label).startswith("★")]
        assert star == [f"★ row {survivor.rpartition(':')[2]}"]
        # what the Push step would send (it applies the choices again first: idempotent)
        app.state.apply_choices()
        rows = build_rows(app.state.cleaning.clean_result.records, "contacts", "run")
        [row] = [r for r in rows if r.kind == "record" and r.members == members]
        assert row.source == survivor and row.payload["company"] == company
        # a fix that changes the group's members drops its choices, and says so once
        app.clear_notifications()
        await pilot.press("escape")
        await settle(app, pilot)
        await fix("ann@example", "ann@example.com")
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        messages = [n.message for n in app._notifications]
        assert any("1 duplicate group changed" in m and "dropped" in m for m in messages), messages
        assert not app.state.dedupe.choices.chosen_groups()
        [record] = [r for r in app.state.cleaning.clean_result.records if len(r.members) > 1]
        assert len(record.members) == 3


async def test_near_matches_are_listed(make_app, tmp_path: Path) -> None:
    path = tmp_path / "near.csv"
    path.write_text("Full Name,E-mail Address,Business Phone,Company\n"
                    "Lukas Schulz,lukas.schulz@gmx.de,030 1234567,Orion\n"
                    "Lukas Schulz,lukas.schulz@t-online.de,040 7654321,Orion\n"
                    "Ann Lee,ann@example.com,(415) 555-0123,Acme\n", encoding="utf-8")
    app = make_app(path, region="DE", match_target=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dedupe(app, pilot)
        pane = app.pane
        assert "1 near match" in str(pane.query_one("#dedupe-summary").render())
        await pilot.press("n")
        await pilot.pause()
        table = pane.query_one("#group-detail")
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows == [["near.csv:1", "Lukas Schulz", "lukas.schulz@gmx.de"],
                        ["near.csv:2", "Lukas Schulz", "lukas.schulz@t-online.de"]]
        assert "different email" in str(pane.query_one("#dedupe-detail").render())
        await pilot.press("n")
        await pilot.pause()
        assert "No duplicates found." in str(pane.query_one("#dedupe-caption").render())
