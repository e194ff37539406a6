"""Run outcomes in the wizard: a rollback shows its progress and is not offered twice; a push that
fails before its journal exists offers no resume.

Real parts: a CSV on disk, the cleaner, a sandbox CRM over a loopback socket whose answers take
a while (so the rollback reports progress more than once), the journaled runner.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest

from tests.tui.conftest import settle
from tests.tui.test_walk import stats, wait_until

ROWS = 250  # three undo batches of 100: progress reported more than once


@pytest.fixture
def slowish_sandbox(tmp_path: Path) -> Any:
    from crm_migrate.sandbox.serve import SandboxServer

    server = SandboxServer(tmp_path / "rollback-sandbox.sqlite3", latency_ms=60).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def people_csv(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text("Email,First Name,Last Name\n" + "".join(
        f"p{i}@example.com,First{i},Last{i}\n" for i in range(ROWS)), encoding="utf-8")
    return path


async def test_rollback_shows_progress_then_refuses_a_second_time(
        make_app, people_csv: Path, slowish_sandbox: Any) -> None:
    from crm_migrate.push.runner import push_status
    from crm_migrate.tui.screens.modals import ConfirmModal

    server = slowish_sandbox
    app = make_app(people_csv, url=server.url, run_name="undo", batch_size=25,
                   object_name="contacts", object_chosen=True, region="US", match_target=False)
    lines: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for step in ("mapping", "clean", "push"):
            app.goto(step)
            await settle(app, pilot)
        await pilot.press("s")
        await wait_until(app, pilot, lambda: app.current_step == "report", tries=1500)
        await settle(app, pilot)
        assert stats(server)["records"]["contacts"] == ROWS
        live = app.pane.query_one("#rollback-live")
        assert not live.display  # nothing to show before a rollback

        await pilot.press("ctrl+z")
        await wait_until(app, pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert f"{ROWS} records it created" in str(app.screen.question)
        await pilot.press("y")
        journal = app.state.run.journal_path
        assert journal is not None

        def rolled_back() -> bool:
            if live.display:
                lines.append(str(live.render()))
            return push_status(journal)["state"] == "rolled_back" and not app.workers._workers
        await wait_until(app, pilot, rolled_back, tries=1500)
        await settle(app, pilot)
        assert stats(server)["records"]["contacts"] == 0
        # the screen said what it was doing, in the rollback's own unit, with a count that moved
        counted = [line for line in lines if "rollback" in line and f"/{ROWS:,} records" in line]
        assert counted, lines
        assert not live.display  # gone once the rollback is over
        assert f"undone by the rollback: {ROWS} records" in str(app.pane.query_one("#report-summary").render())

        # a second ctrl+z does not promise to archive the records again
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal)
        notes = [str(n.message) for n in app._notifications]
        assert any("already rolled back" in n for n in notes), notes

        # r on the Push step: the resume fails, and the screen says there is nothing to resume
        app.goto("push")
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        text = str(app.pane.query_one("#push-live").render())
        assert "rolled back" in text and "nothing to resume" in text, text
        assert "resumable (r)" not in text

    # the Start step lists the run: r on it shows its outcome instead of failing a resume
    fresh = make_app()
    async with fresh.run_test(size=(80, 24)) as pilot:
        await settle(fresh, pilot)
        assert [r.get("state") for r in fresh.pane.runs] == ["rolled_back"]
        # at 80 columns the list shows the run's state in words and its counts, uncut
        screen = html.unescape(fresh.export_screenshot()).replace("\xa0", " ")
        assert "rolled back" in screen and f"{ROWS}/{ROWS}" in screen and "rolled_b" not in screen
        await pilot.press("r")
        await settle(fresh, pilot)
        assert fresh.current_step == "report"
        assert "rolled back" in str(fresh.pane.query_one("#report-summary").render())


async def test_a_push_that_fails_before_its_journal_offers_no_resume(make_app, people_csv: Path) -> None:
    """A target URL typed wrong (the region ran into it): the push fails at once. The screen must
    not promise a resumable run that does not exist, nor keep the bar pulsing."""
    from textual.widgets import ProgressBar

    app = make_app(people_csv, url="http://127.0.0.1:8790US", run_name="typo",
                   object_name="contacts", object_chosen=True, region="US", match_target=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for step in ("mapping", "clean", "push"):
            app.goto(step)
            await settle(app, pilot)
        live = app.pane.query_one("#push-live")
        await pilot.press("s")
        await wait_until(app, pilot, lambda: "failed" in str(live.render()))
        await settle(app, pilot)
        text = str(live.render())
        assert "not a usable URL" in text
        assert "resumable" not in text and "Nothing was sent" in text, text
        assert app.pane.query_one("#push-bar", ProgressBar).total is not None  # not indeterminate
        assert app.state.run.journal_path is None
        runs = app.state.new_journal_path().parent
        assert not list(runs.glob("typo*")), list(runs.iterdir())  # no profile of a run that never began
        await pilot.press("r")
        await pilot.pause()
        notes = [str(n.message) for n in app._notifications]
        assert any("No run to resume" in n for n in notes), notes
