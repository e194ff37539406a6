"""The whole wizard with the keyboard: file -> mapping edit -> cell fix -> push, interrupted, resumed.

Real parts throughout: a CSV on disk, the core cleaner, a sandbox CRM over a loopback
socket, the journaled push runner.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.tui.conftest import CONTACTS_CSV, settle

EXTRA_ROWS = 53  # 60 contacts in all; batches of 10 make the push stop part-way


@pytest.fixture
def slow_sandbox(tmp_path: Path) -> Any:
    """A sandbox CRM on a loopback port whose answers take 120 ms, so a push can be paused."""
    from crm_migrate.sandbox.serve import SandboxServer

    server = SandboxServer(tmp_path / "walk-sandbox.sqlite3", latency_ms=120).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def walk_csv(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    extra = "".join(f"Person {i},person{i}@example.com,(415) 555-{1000 + i},Firm {i},Lead\n"
                    for i in range(EXTRA_ROWS))
    path.write_text(CONTACTS_CSV + extra, encoding="utf-8")
    return path


def sandbox_contacts(server: Any) -> list[dict[str, str]]:
    """Every contact in the sandbox (properties), through its HTTP API."""
    out: list[dict[str, str]] = []
    after: str | None = None
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}) as http:
        while True:
            params = {"limit": 100, "properties": "email,firstname,lastname,company,phone"}
            if after:
                params["after"] = after
            body = http.get("/crm/v3/objects/contacts", params=params).json()
            out.extend(r["properties"] for r in body["results"])
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return out


def stats(server: Any) -> dict[str, Any]:
    with httpx.Client(base_url=server.url) as http:
        return http.get("/_sandbox/stats").json()  # type: ignore[no-any-return]


async def wait_until(app: Any, pilot: Any, condition: Any, tries: int = 400) -> None:
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached")


async def test_walk_edit_interrupt_and_resume(make_app, walk_csv: Path, slow_sandbox: Any) -> None:
    from crm_migrate.push.runner import push_status
    from crm_migrate.tui.messages import PushProgressed
    from crm_migrate.tui.widgets.paged_table import PagedTable

    server = slow_sandbox
    pause_at: dict[str, Any] = {}

    def pause_after_first_batch(message: Any) -> None:
        """Pause (as the p key does) once a batch is in: a known point of the push."""
        pane = pause_at.get("pane")
        if pane is not None and isinstance(message, PushProgressed) \
                and message.progress.phase == "records" and message.progress.done >= 10:
            pane.stop_event.set()

    app = make_app(walk_csv, url=server.url, run_name="walk", batch_size=10)
    async with app.run_test(size=(120, 40), message_hook=pause_after_first_batch) as pilot:
        await settle(app, pilot)
        assert [t.label for t in app.state.source.tables] == ["people.csv"]

        # Target: choose the object with the keyboard
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert app.current_step == "target"
        await pilot.press("tab", "enter")
        await pilot.press(*"cont")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.state.target_step.object_name == "contacts"
        await pilot.press("tab", "tab", "tab", *"us")  # region for phones without +code
        assert app.state.target_step.region == "US"

        # Mapping: leave the Company column out
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        columns = [m.column for m in app.state.mapping.profile.fields]
        app.pane.query_one("#mapping-table").move_cursor(row=columns.index("Company"))
        await pilot.press("f")
        await pilot.press(*"leave out")
        await pilot.press("enter")
        await pilot.pause()
        table = app.pane.query_one("#mapping-table")
        table.move_cursor(row=columns.index("Full Name"))
        await pilot.press("enter", *"split", "enter")
        await pilot.pause()
        mapping = {m.column: m for m in app.state.mapping.profile.fields}
        assert mapping["Company"].field is None
        assert mapping["Full Name"].split_into == ["firstname", "lastname"]
        assert mapping["E-mail Address"].field == "email"

        # Clean: fix the malformed email in its cell
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        result = app.state.cleaning.clean_result
        assert result is not None and result.rows_in == 7 + EXTRA_ROWS
        bad = [i for i, issue in enumerate(app.pane.issue_rows) if issue.value == "bob@example"]
        assert bad, [i.value for i in app.pane.issue_rows]
        table = app.pane.query_one("#clean-table", PagedTable)
        table.focus()
        table.move_cursor(row=bad[0])
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("end", *".com", "enter")
        await pilot.pause()
        assert app.state.source.pending_edits and app.state.clean_stale  # shown, not yet re-cleaned
        await pilot.press("ctrl+r")  # one re-clean for every fix made
        await settle(app, pilot)
        result = app.state.cleaning.clean_result
        assert not [i for i in result.issues if i.field == "email" and "bob" in str(i.value)]
        emails = {r.properties.get("email") for r in result.records}
        assert "bob@example.com" in emails

        # Dedupe: the two Ann Lee rows are one group
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert len(app.pane.groups) == 1
        assert len(app.pane.groups[0].members) == 2
        expected = {r.properties["email"] for r in result.records}
        assert len(expected) == 7 + EXTRA_ROWS - 1

        # Push, then pause part-way
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert app.current_step == "push"
        pane = app.pane
        pause_at["pane"] = pane
        await pilot.press("s")
        await wait_until(app, pilot, lambda: pane.stop_event.is_set(), tries=1500)
        await wait_until(app, pilot, lambda: not pane.running, tries=1500)
        await settle(app, pilot)
        journal = app.state.run.journal_path
        assert journal is not None and journal.name == "walk-contacts.journal"
        status = push_status(journal)
        assert status["state"] == "interrupted", status
        assert 0 < status["done"] < status["total"] == len(expected)
        assert stats(server)["records"]["contacts"] == status["created"]
        assert "Paused" in str(app.pane.query_one("#push-live").render())

    # a new session: the Start step lists the run; resume it with the keyboard
    fresh = make_app(url=server.url)
    async with fresh.run_test(size=(120, 40)) as pilot:
        await settle(fresh, pilot)
        assert fresh.current_step == "start"
        runs = fresh.pane.runs
        assert [r["state"] for r in runs] == ["interrupted"]
        await pilot.press("r")
        await wait_until(fresh, pilot, lambda: fresh.current_step == "report", tries=1500)
        await settle(fresh, pilot)
        status = push_status(journal)
        assert status["state"] == "completed", status
        assert status["created"] == len(expected) and status["failed"] == 0
        summary = str(fresh.pane.query_one("#report-summary").render())
        assert "completed" in summary and f"created {len(expected)}" in summary

    contacts = sandbox_contacts(server)
    assert {c["email"] for c in contacts} == expected
    assert len(contacts) == len(expected)
    assert not any(c.get("company") for c in contacts)  # the mapping edit reached the CRM
    bob = next(c for c in contacts if c["email"] == "bob@example.com")
    assert (bob["firstname"], bob["lastname"]) == ("Bob", "Stone")
    ann = next(c for c in contacts if c["email"] == "ann@example.com")
    assert ann["phone"] == "+14155550123"  # the region typed on the Target step


async def test_quitting_mid_push_leaves_a_resumable_run(make_app, walk_csv: Path,
                                                        slow_sandbox: Any) -> None:
    import asyncio

    from crm_migrate.push.runner import push_status
    from crm_migrate.tui.messages import PushProgressed
    from crm_migrate.tui.screens.modals import ConfirmModal

    server = slow_sandbox
    seen: dict[str, int] = {"done": 0}

    def watch(message: Any) -> None:
        if isinstance(message, PushProgressed) and message.progress.phase == "records":
            seen["done"] = max(seen["done"], message.progress.done)

    # small batches: four go at a time, so a wave ends long before the last one (with 10 a
    # batch, the whole file was two waves and could finish before the quit reached the run)
    app = make_app(walk_csv, url=server.url, run_name="quit", batch_size=3,
                   object_name="contacts", object_chosen=True, region="US", match_target=False)
    async with app.run_test(size=(80, 24), message_hook=watch) as pilot:
        await settle(app, pilot)
        for step in ("mapping", "clean", "push"):
            app.goto(step)
            await settle(app, pilot)
        await pilot.press("s")
        await wait_until(app, pilot, lambda: seen["done"] >= 10, tries=1500)
        await pilot.press("ctrl+q")  # leave while batches are in flight
    journal = app.state.run.journal_path
    assert journal is not None
    for _ in range(300):  # the worker thread stops at the next batch boundary
        status = push_status(journal)
        if status["state"] != "running":
            break
        await asyncio.sleep(0.05)
    assert status["state"] == "interrupted", status
    assert 0 < status["done"] < status["total"]
    # the input file changes before the resume: the wizard asks before forcing it
    with walk_csv.open("a", encoding="utf-8") as fh:
        fh.write("Late Comer,late@example.com,(415) 555-7777,Late Inc,Lead\n")
    fresh = make_app(url=server.url)
    async with fresh.run_test(size=(80, 24)) as pilot:
        await settle(fresh, pilot)
        await pilot.press("r")
        await wait_until(fresh, pilot, lambda: isinstance(fresh.screen, ConfirmModal), tries=1500)
        assert "people.csv changed" in str(fresh.screen.question)
        await pilot.press("y")
        await wait_until(fresh, pilot, lambda: fresh.current_step == "report", tries=1500)
    status = push_status(journal)
    assert status["state"] == "completed", status
    assert stats(server)["records"]["contacts"] == status["total"]
