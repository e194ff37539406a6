"""Dedupe decisions recompute only the groups they touch, from the target snapshot the Clean
step read: no re-clean, no target request (the sandbox counts them); filter, bulk accept and
force-merge a near match into a CRM record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.tui.conftest import settle

PEOPLE = """\
Full Name,E-mail Address,Company
Ann Lee,ann@example.com,Acme
Anne Lee,ann@example.com,Acme
Bob Ray,bob@example.com,Globex
Bobby Ray,BOB@example.com,Globex
Cy Day,cy@example.com,Hooli
Cy Day,cy@example.com,Hooli
Dan Fox,dan@example.com,Stark
Eve Stone,eve@new.example,Umbrella
"""


def seed(server: Any) -> dict[str, str]:
    """The target holds Bob (same email) and Eve (same name, another email): their ids."""
    with httpx.Client(base_url=server.url,
                      headers={"Authorization": f"Bearer {server.token}"}) as http:
        answer = http.post("/crm/v3/objects/contacts/batch/create", json={"inputs": [
            {"properties": {"email": "bob@example.com", "firstname": "Bob", "lastname": "Ray"}},
            {"properties": {"email": "eve@old.example", "firstname": "Eve", "lastname": "Stone",
                            "company": "Umbrella"}}]})
        assert answer.status_code in (200, 201), answer.text
        return {r["properties"]["email"]: r["id"] for r in answer.json()["results"]}


def requests(server: Any) -> int:
    """Requests the sandbox has answered (its stats request itself is not counted)."""
    with httpx.Client(base_url=server.url) as http:
        return int(http.get("/_sandbox/stats").json()["requests"])


def held(records: list[Any]) -> list[tuple[Any, ...]]:
    return [(r.source, tuple(r.members), dict(r.properties), r.action, r.target_id)
            for r in records]


async def open_dedupe(app: Any, pilot: Any) -> None:
    await settle(app, pilot)
    for step in ("mapping", "clean", "dedupe"):
        app.goto(step)
        await settle(app, pilot)


async def test_decisions_touch_only_their_group_and_ask_the_target_nothing(
        make_app, tmp_path: Path, sandbox_server: Any) -> None:
    ids = seed(sandbox_server)
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    app = make_app(path, url=sandbox_server.url, object_name="contacts", object_chosen=True,
                   region="US")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_dedupe(app, pilot)
        result = app.state.cleaning.clean_result
        pane = app.pane
        assert len(pane.groups) == 3 and pane.reviews  # scored off the UI thread
        bob = next(r for r in pane.groups if r.key == "bob@example.com")
        assert bob.action == "update" and bob.target_id == ids["bob@example.com"]
        others = [r for r in result.records if r is not bob]
        before_others, asked = held(others), requests(sandbox_server)
        cleaned = app.state.cleaning.clean_result

        # x: Bob's group is split into its two rows, each an update of the CRM's Bob
        pane.query_one("#groups").highlighted = pane.groups.index(bob)
        await pilot.pause()
        await pilot.press("x")
        await settle(app, pilot)
        assert app.state.cleaning.clean_result is cleaned  # not cleaned again
        assert app.current_step == "dedupe" and not app.state.clean_stale
        split = [r for r in result.records if r.key == "bob@example.com"]
        assert len(split) == 2 and all(len(r.members) == 1 for r in split)
        assert {r.action for r in split} == {"update"}
        assert {r.target_id for r in split} == {ids["bob@example.com"]}
        assert held([r for r in result.records if r.key != "bob@example.com"]) == before_others
        assert len(app.pane.groups) == 2
        assert len(result.frame) == len(result.records)  # the cleaned table follows
        assert sorted(result.frame["_source"]) == sorted(r.source for r in result.records)
        assert app.state.mapping.profile.dedupe.not_duplicates  # the next clean keeps it
        summary = str(app.pane.query_one("#dedupe-summary").render())
        assert "2 duplicate groups" in summary and "2 update" in summary

        # s and v: the group's record changes, decided again; nothing else moves
        ann = next(r for r in app.pane.groups if r.key == "ann@example.com")
        app.pane.query_one("#groups").highlighted = app.pane.groups.index(ann)
        await pilot.pause()
        rest = held([r for r in result.records if r is not ann])
        await pilot.press("s")
        await settle(app, pilot)
        assert ann.action == "create"
        assert held([r for r in result.records if r is not ann]) == rest
        assert requests(sandbox_server) == asked

        # m: Eve's row is a near match of the CRM's Eve (another email): merge it into her
        await pilot.press("n")
        await pilot.pause()
        eve = next(r for r in result.records if r.key == "eve@new.example")
        assert eve.action == "create"
        near = [m.get("source") for m in app.pane.others]
        app.pane.query_one("#groups").highlighted = near.index(eve.source)
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        assert eve.merge_into == ids["eve@old.example"] and eve.action == "update"
        assert eve.target_id == ids["eve@old.example"]
        assert "⇢" in str(app.pane.query_one("#groups").get_option_at_index(
            near.index(eve.source)).prompt)
        assert requests(sandbox_server) == asked  # not one request for all of it

        # the push writes Eve as an update of that record, not a new contact
        app.goto("push")
        await settle(app, pilot)
        await pilot.press("s")
        for _ in range(3000):
            await pilot.pause(0.01)
            if app.current_step == "report":
                break
        await settle(app, pilot)
    with httpx.Client(base_url=sandbox_server.url,
                      headers={"Authorization": f"Bearer {sandbox_server.token}"}) as http:
        got = http.get(f"/crm/v3/objects/contacts/{ids['eve@old.example']}",
                       params={"properties": "email,firstname"}).json()
        assert got["properties"]["email"] == "eve@new.example"
        stats = http.get("/_sandbox/stats").json()
        # Bob and Eve were there; Ann, Cy, Dan are new (Bob's two rows update Bob)
        assert stats["records"]["contacts"] == 5


async def test_filter_by_score_and_accept_above(make_app, tmp_path: Path) -> None:
    from crm_migrate.tui.screens.modals import PromptModal

    path = tmp_path / "people.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    app = make_app(path, object_name="contacts", object_chosen=True, region="US",
                   match_target=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dedupe(app, pilot)
        pane = app.pane
        scores = sorted(pane.score_of(r) for r in pane.groups)
        assert len(scores) == 3 and all(0 <= s <= 1 for s in scores)
        seen: dict[str, list[float]] = {}
        for label in ("≥90%", "70–90%", "<70%", "all"):
            await pilot.press("f")
            await pilot.pause()
            assert f"({label})" in str(pane.query_one("#dedupe-summary").render()) or label == "all"
            seen[label] = [pane.score_of(r) for r in pane.groups]
        assert all(s >= 0.9 for s in seen["≥90%"])
        assert all(0.7 <= s < 0.9 for s in seen["70–90%"])
        assert all(s < 0.7 for s in seen["<70%"])
        assert sorted(seen["≥90%"] + seen["70–90%"] + seen["<70%"]) == scores
        assert sorted(seen["all"]) == scores
        # A: accept every group at or above the best score but one
        threshold = scores[-1] - 0.0001
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, PromptModal)
        await pilot.press("ctrl+a", "ctrl+k", *f"{threshold * 100:.4f}", "enter")
        await pilot.pause()
        expected = sum(s >= threshold for s in scores)
        assert 1 <= len(app.state.dedupe.accepted) == expected
        labels = [str(pane.query_one("#groups").get_option_at_index(i).prompt)
                  for i in range(len(pane.groups))]
        assert sum("✓" in label for label in labels) == expected
        # accepting keeps them merged: nothing was split or re-cleaned
        assert len(pane.groups) == 3 and not app.state.clean_stale
