"""The issue-14 drills at a small size in the wizard: every long phase reports as it goes (a
lookup or a batch at a time), in its own unit, and the bar and the label show the same report.

Real parts: a CSV on disk, the core cleaner, a sandbox CRM (120 ms answers) over loopback
already holding contacts, the journalled push. No timings are asserted (bench/bench_progress.py
prints the longest silence per phase and the ETA error at full size).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crm_migrate.progress import PACED_WARMUP_S, Progress, progress_line
from tests.push.conftest import clean_result, contact
from tests.tui.conftest import settle
from tests.tui.test_walk import wait_until

KNOWN = 400  # contacts the target holds before the run
ROWS = 300  # rows of the file: the first half already on the target


@pytest.fixture
def busy_sandbox(tmp_path: Path) -> Any:
    """A slow sandbox already holding KNOWN contacts."""
    from crm_migrate.mapping.profile import FieldMapping, Profile
    from crm_migrate.push.runner import start_push
    from crm_migrate.sandbox.serve import SandboxServer

    server = SandboxServer(tmp_path / "busy.sqlite3", latency_ms=120).start()
    seed = tmp_path / "seed.csv"
    seed.write_text("Email\n")
    start_push(paths=[str(seed)], profile=Profile(fields=[FieldMapping("Email", "email")]),
               profile_path=None, target="sandbox", url=server.url,
               journal_path=tmp_path / "seed.journal",
               clean_result=clean_result([contact(i) for i in range(1, KNOWN + 1)]))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def people(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    rows = ["Email,First Name,Last Name,Company"]
    rows += [f"person{i}@example.com,First{i},Last{i},Firm {i % 30}"
             for i in range(KNOWN - ROWS // 2 + 1, KNOWN + ROWS // 2 + 1)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def phases(reports: list[Progress]) -> list[list[Progress]]:
    """Reports grouped by phase, in order."""
    out: list[list[Progress]] = []
    for p in reports:
        if not out or out[-1][0].phase != p.phase or out[-1][0].phase_started_at != p.phase_started_at:
            out.append([])
        out[-1].append(p)
    return out


def check_reports_as_it_goes(reports: list[Progress], long_phases: set[str],
                             rated: set[str]) -> int:
    """Counts never go back within a phase; each long phase reports between its start and end;
    the `rated` ones (a request at a time to the slow target) show a rate and, past the
    warm-up, an ETA. Returns how many rated phases went past the warm-up (each with an ETA)."""
    groups = phases(reports)
    with_eta = 0
    assert long_phases <= {g[0].phase for g in groups}, [g[0].phase for g in groups]
    for group in groups:
        counts = [p.done for p in group]
        assert counts == sorted(counts), (group[0].phase, counts)
        assert len({p.started_at for p in group}) == 1
        if group[0].phase in long_phases and (group[-1].total or 0) > 100:
            between = [p for p in group if 0 < p.done < (p.total or 0)]
            assert between, f"{group[0].phase}: no report between its start and its end"
            if group[0].phase in rated:
                assert any(p.rate > 0 for p in between), group[0].phase
                # an ETA once the first requests' latency no longer stands for the phase's speed
                settled = [p for p in between if p.at - p.phase_started_at >= PACED_WARMUP_S]
                assert not settled or any(p.eta_s is not None for p in settled), group[0].phase
                with_eta += bool(settled)
    return with_eta


async def test_clean_and_push_report_every_phase_as_they_go(make_app, people: Path,
                                                            busy_sandbox: Any) -> None:
    from crm_migrate.tui.messages import CleanProgressed, PushProgressed

    cleaning: list[Progress] = []
    pushing: list[Progress] = []
    heard: dict[int, Any] = {}  # the hook hears a message at each node it bubbles through

    def record(message: Any) -> None:
        if id(message) in heard:
            return
        heard[id(message)] = message
        if isinstance(message, CleanProgressed):
            cleaning.append(message.progress)
        elif isinstance(message, PushProgressed):
            pushing.append(message.progress)

    app = make_app(people, url=busy_sandbox.url, object_name="contacts", object_chosen=True,
                   region="US", batch_size=10)
    async with app.run_test(size=(120, 40), message_hook=record) as pilot:
        await settle(app, pilot)
        for step in ("mapping", "clean"):
            app.goto(step)
            await settle(app, pilot)
        result = app.state.cleaning.clean_result
        assert result is not None
        assert sorted({r.action for r in result.records}) == ["create", "update"]
        # one read of the target per key, with the values it holds (no second "read matches")
        check_reports_as_it_goes(cleaning, {"map", "normalise", "match"}, rated={"match"})
        assert "read matches" not in {p.phase for p in cleaning}
        app.goto("push")
        await settle(app, pilot)
        await pilot.press("s")
        await wait_until(app, pilot, lambda: app.current_step == "report", tries=3000)
        await settle(app, pilot)
    # the push classifies from what the Clean step's match read (no lookups: not a long phase)
    assert check_reports_as_it_goes(pushing, {"records", "associations"},
                                    rated={"records", "associations"}) >= 1
    assert "classifying" in {p.phase for p in pushing}
    by_phase = {g[0].phase: g[-1] for g in phases(pushing)}
    assert by_phase["records"].unit == "contacts" and by_phase["records"].done == ROWS
    assert by_phase["companies"].unit == "companies" and by_phase["companies"].done == 30
    assert by_phase["associations"].unit == "pairs"
    assert pushing[-1].phase == "finished"


async def test_the_bar_and_the_label_show_the_same_report(make_app, people: Path) -> None:
    from textual.widgets import ProgressBar, Static

    from crm_migrate.tui.messages import CleanProgressed, PushProgressed

    app = make_app(people, object_name="contacts", object_chosen=True, region="US")
    report = Progress(phase="match", done=1_200, total=20_800, unit="keys", rate=410.0,
                      eta_s=46.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.goto("clean")
        await settle(app, pilot)
        app.pane.post_message(CleanProgressed(report))
        await pilot.pause()
        bar = app.pane.query_one("#clean-bar", ProgressBar)
        label = str(app.pane.query_one("#clean-counts", Static).render())
        assert (bar.progress, bar.total) == (1_200, 20_800)
        assert label == f"Cleaning: {progress_line(report)}"
        assert "match 1,200/20,800 keys (6%) · 410 keys/s · ETA 0:46" in label
        app.goto("push")
        await settle(app, pilot)
        sending = Progress(phase="records", done=2_400, total=20_000, unit="contacts",
                           rate=2_400.0, eta_s=7.0, created=2_000, updated=400)
        app.pane.post_message(PushProgressed(sending))
        await pilot.pause()
        bar = app.pane.query_one("#push-bar", ProgressBar)
        live = str(app.pane.query_one("#push-live", Static).render())
        assert (bar.progress, bar.total) == (2_400, 20_000)
        assert live.splitlines()[0] == progress_line(sending)
        assert "created 2,000 · updated 400" in live
