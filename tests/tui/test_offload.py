"""The wizard's clean in a worker process: same result, progress, stop, errors (issue 14, point 7).

`offload_rows=0` sends every clean to the worker process (the wizard does so from 100,000 rows).
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest

from tests.tui.conftest import settle

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.fixture
def big_csv(tmp_path: Path) -> Path:
    """Contacts enough for a clean that runs a few seconds (time to stop it)."""
    path = tmp_path / "many.csv"
    lines = ["Email,First Name,Last Name,Phone,Company"]
    for i in range(60_000):
        lines.append(f"p{i}@example.com,Ann{i % 97},Lee{i % 89},(415) 555-{i % 10000:04d},Co {i % 700}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def worker_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the cleans the wizard sends to the worker process (each still runs for real)."""
    from crm_migrate.actions import offload
    from crm_migrate.tui import state as state_module

    calls: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return offload.clean_in_worker(*args, **kwargs)

    monkeypatch.setattr(state_module, "clean_in_worker", counted)
    return calls


@pytest.fixture
def reports(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every progress report the Clean step shows."""
    from crm_migrate.tui.screens import clean as clean_module

    seen: list[Any] = []
    shown = clean_module.progress_text

    def recorded(progress: Any) -> str:
        seen.append(progress)
        return shown(progress)

    monkeypatch.setattr(clean_module, "progress_text", recorded)
    return seen


async def open_clean(app: Any, pilot: Any, *, wait: bool = True) -> None:
    await settle(app, pilot)
    app.goto("mapping")
    await settle(app, pilot)
    app.goto("clean")
    if wait:
        await settle(app, pilot)


def in_process(paths: list[Path], **kwargs: Any) -> Any:
    from crm_migrate.tui.state import WizardState

    state = WizardState(offload_rows=None, **kwargs)
    state.add_paths([str(p) for p in paths])
    state.load_tables()
    return state.run_clean()


async def test_the_worker_process_cleans_as_in_process(make_app, worker_calls: list[int],
                                                        reports: list[Any]) -> None:
    from crm_migrate.tui.widgets.paged_table import PagedTable

    files = [SAMPLES / "outlook_contacts.csv", SAMPLES / "contacts.vcf", SAMPLES / "google_contacts.csv"]
    options = {"object_name": "contacts", "object_chosen": True, "region": "US", "match_target": False}
    app = make_app(*files, offload_rows=0, **options)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_clean(app, pilot)
        got = app.state.cleaning.clean_result
        assert worker_calls == [1]
        assert got is not None, str(app.pane.query_one("#clean-counts").render())
        table = app.pane.query_one("#clean-table", PagedTable)
        assert table.total == len(got.issues) > 0
        assert "rows in" in str(app.pane.query_one("#clean-counts").render())
    want = in_process(files, **options)
    assert got.frame.equals(want.frame)
    assert got.records == want.records and len(want.records) > 100
    assert got.issues == want.issues
    assert got.duplicate_groups == want.duplicate_groups and want.duplicate_groups
    assert (got.invalid, got.rows_in, got.near_matches) == (want.invalid, want.rows_in, want.near_matches)
    # the child's reports reached the step: every phase, counting up to its total
    phases = [p.phase for p in reports]
    for phase in ("map", "normalise", "dedupe", "build"):
        assert phase in phases
    assert any(p.total and p.done == p.total for p in reports)


async def test_big_results_cross_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables and results cut into many small messages come back whole and in order."""
    from crm_migrate.actions import offload

    monkeypatch.setattr(offload, "FRAME_CHUNK", 7)
    monkeypatch.setattr(offload, "LIST_CHUNK", 3)
    files = [SAMPLES / "outlook_contacts.csv", SAMPLES / "erp_export.csv"]
    options = {"object_name": "contacts", "object_chosen": True, "region": "US", "match_target": False}
    want = in_process(files, **options)
    from crm_migrate.tui.state import WizardState

    state = WizardState(offload_rows=0, **options)
    state.add_paths([str(p) for p in files])
    state.load_tables()
    events: list[Any] = []
    got = state.run_clean(on_progress=events.append)
    assert got.frame.equals(want.frame) and len(want.frame) > 7
    assert got.records == want.records and got.issues == want.issues
    assert events and not offload.running_workers()


async def wait_for(condition: Any, pilot: Any, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


def gone(pid: int) -> bool:
    """No such process any more (reaped, not a zombie either)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.timeout(180)
async def test_escape_and_ctrl_c_stop_the_worker_process(make_app, big_csv: Path,
                                                         reports: list[Any]) -> None:
    from crm_migrate.actions import offload

    app = make_app(big_csv, object_name="contacts", object_chosen=True, region="US",
                   match_target=False, offload_rows=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_clean(app, pilot, wait=False)
        for key in ("escape", "ctrl+c"):
            reports.clear()
            await wait_for(lambda: bool(reports) and bool(offload.running_workers()), pilot)
            pids = [p.pid for p in offload.running_workers()]
            await pilot.press(key)
            await pilot.pause()
            assert app.current_step == "clean"  # Escape stopped the clean instead of going back
            assert "Cleaning stopped" in str(app.pane.query_one("#clean-counts").render())
            await wait_for(lambda: not offload.running_workers(), pilot, seconds=10)
            await wait_for(lambda pids=pids: all(p is not None and gone(p) for p in pids), pilot, 10)
            assert app.state.cleaning.clean_result is None and app.state.clean_stale
            if key == "escape":
                await pilot.press("ctrl+r")  # cleans again, in a new process
                await pilot.pause()
        await pilot.press("escape")  # nothing runs: Escape goes back again
        await pilot.pause()
        assert app.current_step == "mapping"
        await asyncio.sleep(0)


async def test_an_error_in_the_worker_shows_as_one_line(make_app, contacts_csv: Path) -> None:
    app = make_app(contacts_csv, object_name="contacts", object_chosen=True, region="US",
                   match_target=False, offload_rows=0)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        profile = app.state.ensure_profile()
        mapping = next(m for m in profile.fields if m.column == "Company")
        mapping.transforms = [{"join": {"columns": ["Company", "No Such Column"]}}]
        app.goto("mapping")
        await settle(app, pilot)
        app.goto("clean")

        def counts_text() -> str:
            return str(app.pane.query_one("#clean-counts").render())

        await wait_for(lambda: counts_text().startswith("Cleaning failed"), pilot)
        counts = counts_text()
        assert counts == "Cleaning failed: transform 'join': column 'No Such Column' is not in the file"
        assert "\n" not in counts and "Traceback" not in counts
        assert app.pane.cleaning is False


def test_a_result_inside_the_outcome_crosses_in_chunks_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """The records and frame sit in CleanOutcome.result: they are cut up like top-level parts,
    so that no message is the whole result (one pickle of it held the GIL for seconds)."""
    import pickle
    import threading
    from multiprocessing import Pipe

    import pandas as pd

    from crm_migrate.actions import offload
    from crm_migrate.actions.cleaning import CleanOutcome
    from crm_migrate.model import CleanIssue, CleanResult, OutputRecord

    monkeypatch.setattr(offload, "FRAME_CHUNK", 7)
    monkeypatch.setattr(offload, "LIST_CHUNK", 3)
    records = [OutputRecord(f"a.csv:{i}", {"email": f"p{i}@x.org"}, key=f"p{i}@x.org",
                            members=[f"a.csv:{i}"]) for i in range(40)]
    issues = [CleanIssue(i, "Phone", "phone", "12", "too short") for i in range(30)]
    frame = pd.DataFrame({"email": [r.key for r in records], "_source": [r.source for r in records]})
    outcome = CleanOutcome(CleanResult("contacts", frame, 40, issues=issues, records=records,
                                       invalid={"phone": 30}), match_note="no target")
    sending, receiving = Pipe()
    sender = threading.Thread(target=offload._send_object, args=(sending, "outcome", outcome))
    sender.start()
    messages = []
    while not messages or messages[-1][0] != "end":
        messages.append(receiving.recv())
    sender.join()
    kind, _, head = messages[0]
    assert kind == "head" and head.match_note == "no target"
    assert head.result.records == [] and head.result.issues == [] and head.result.frame.empty
    assert head.result.invalid == {"phone": 30} and head.result.frame.columns.tolist() == ["email", "_source"]
    parts = messages[1:-1]
    assert {path for _, path, _ in parts} == {("result", "frame"), ("result", "issues"), ("result", "records")}
    # every message is a small share of the whole
    whole = len(pickle.dumps(outcome))
    assert all(len(pickle.dumps(m)) < whole / 3 for m in messages)
    assembler = offload._Assembler(head)
    for _, path, value in parts:
        assembler.part(path, value)
    got = assembler.finish()
    assert got.result.records == records and got.result.issues == issues
    assert got.result.frame.equals(frame) and got.match_note == "no target"


@pytest.mark.parametrize("collecting", [True, False])
def test_the_collector_is_left_as_the_caller_had_it(collecting: bool) -> None:
    """Receiving pauses the cyclic collector (millions of objects arrive); it is restored after."""
    import gc

    from crm_migrate.tui.state import WizardState

    state = WizardState(offload_rows=0, object_name="contacts", object_chosen=True, region="US",
                        match_target=False)
    state.add_paths([str(SAMPLES / "outlook_contacts.csv")])
    state.load_tables()
    was = gc.isenabled()
    try:
        (gc.enable if collecting else gc.disable)()
        frozen = gc.get_freeze_count()
        result = state.run_clean()
        assert gc.isenabled() is collecting
        assert result.records and gc.get_freeze_count() > frozen  # the result is kept out of collections
    finally:
        (gc.enable if was else gc.disable)()


def test_frame_slices_join_as_they_were() -> None:
    """Duplicate column names, mixed dtypes, a repeated index: the joined frame equals the whole."""
    import pandas as pd

    from crm_migrate.actions import offload

    frame = pd.DataFrame({"a": ["x", "y", "z", "w"], "n": [1, 2, 3, 4],
                          "c": pd.Categorical(["p", "q", "p", "q"])}, index=[5, 5, 7, 9])
    frame.columns = pd.Index(["a", "a", "c"], name="cols")
    frame.index.name = "row"
    got = offload._join_rows([frame.iloc[:1], frame.iloc[1:3], frame.iloc[3:]])
    assert got.equals(frame) and got.dtypes.tolist() == frame.dtypes.tolist()
    assert got.index.equals(frame.index) and got.index.name == "row" and got.columns.name == "cols"
