"""A push's reads before its first write report as they go: a listing of the target is the
phase "reading the target", in records, a page at a time (on a resume behind a full rate-limit
window it takes a while, and used to be one "counting the target…" line with no count)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crm_migrate.progress import Progress
from crm_migrate.push.runner import resume_push, start_push
from tests.push.conftest import clean_result, contact, profile


def test_reading_the_target_reports_each_page(sandbox_server: Any, tmp_path: Path,
                                              input_file: str) -> None:
    start_push(paths=[input_file], profile=profile(), profile_path=None, target="sandbox",
               url=sandbox_server.url, journal_path=tmp_path / "seed.journal",
               clean_result=clean_result([contact(i) for i in range(1, 151)]))
    seen: list[Progress] = []
    journal = tmp_path / "run.journal"
    # stopped at its first batch of records: the resume classifies the rest again, and the
    # target holds fewer records than it has keys left, so it lists them all
    start_push(paths=[input_file], profile=profile(), profile_path=None, target="sandbox",
               url=sandbox_server.url, journal_path=journal, on_progress=seen.append,
               clean_result=clean_result([contact(i) for i in range(1, 1_001)]),
               should_stop=lambda: bool(seen) and seen[-1].phase == "records"
               and seen[-1].done >= 100)
    stopped = len(seen)
    summary = resume_push(journal, on_progress=seen.append)
    assert summary.status["state"] == "completed" and summary.status["pending"] == 0
    reads = [p for p in seen[stopped:] if p.phase == "reading the target"]
    assert reads, [p.phase for p in seen[stopped:]]
    total = reads[0].total or 0
    assert 150 <= total <= 600 and {p.unit for p in reads} == {"contacts"}
    pages = [p.done for p in reads if p.done]
    assert pages == [*range(100, total, 100), total]  # a page at a time
    phases = [p.phase for p in seen[stopped:]]
    assert phases.index("counting the target") < phases.index("reading the target") \
        < phases.index("classifying")


def test_a_rollback_counts_its_writes_for_its_eta(sandbox_server: Any, tmp_path: Path,
                                                  input_file: str,
                                                  monkeypatch: Any) -> None:
    """A rollback's records do not cost the same: restoring a lifecycle stage clears it first
    (two writes), archiving a created record is one. Its pacer hears the writes, counted
    before the first and down to none left."""
    from crm_migrate.push import runner
    from crm_migrate.push.rollback import UndoWork

    made: list[UndoWork] = []

    class Kept(UndoWork):
        def __init__(self) -> None:
            super().__init__()
            made.append(self)

    monkeypatch.setattr(runner, "UndoWork", Kept)
    start_push(paths=[input_file], profile=profile(), profile_path=None, target="sandbox",
               url=sandbox_server.url, journal_path=tmp_path / "seed.journal",
               clean_result=clean_result([contact(i, lifecyclestage="lead")
                                          for i in range(1, 31)]))
    journal = tmp_path / "run.journal"
    start_push(paths=[input_file], profile=profile(), profile_path=None, target="sandbox",
               url=sandbox_server.url, journal_path=journal,
               clean_result=clean_result([contact(i, lifecyclestage="customer")
                                          for i in range(1, 51)]))
    seen: list[Progress] = []
    summary = runner.rollback_push(journal, on_progress=seen.append)
    assert summary.exit_code == 0, summary.message
    [work] = made
    assert (work.done, work.left) == (30 * 2 + 20, 0)  # 30 restores of two writes, 20 archives
    assert [p.total for p in seen if p.phase == "rollback"][-1] == 50  # it shows records
