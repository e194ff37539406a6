"""Snapshots of every step (and the help) at 80x24 and 120x40, from fixed small inputs.

Accept changes with `pytest tests/tui/test_snapshots.py --snapshot-update` only after
reading snapshot_report.html. Nothing variable reaches the screen: the data dir is a
fixed folder, the journal has a fixed name, the target has no URL, toasts are cleared.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.tui.conftest import CONTACTS_CSV, settle

SIZES = [(80, 24), (120, 40)]
STEPS = ["start", "source", "target", "mapping", "clean", "dedupe", "push", "report", "help"]
FIXED = Path("/tmp/crm-migrate-tui-snapshots")


@pytest.fixture
def fixed_dirs(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Data/config dirs and the input file at fixed paths (they show on some screens)."""
    shutil.rmtree(FIXED, ignore_errors=True)
    (FIXED / "in").mkdir(parents=True)
    monkeypatch.setenv("CRM_MIGRATE_DATA_DIR", str(FIXED / "data"))
    monkeypatch.setenv("CRM_MIGRATE_CONFIG_DIR", str(FIXED / "config"))
    path = FIXED / "in" / "contacts.csv"
    path.write_text(CONTACTS_CSV, encoding="utf-8")
    return path


def _prepare(state: Any, step: str) -> None:
    """Do the step's core work up front (as the earlier steps would have), so the app only shows it."""
    later = ["mapping", "clean", "dedupe", "push", "report"]
    if step in ("start", "target", "help", "source"):
        return
    state.load_tables()
    state.ensure_profile()
    if later.index(step) >= 1:
        state.run_clean()
    if step == "report":
        from crm_migrate.push.runner import start_push

        journal = state.new_journal_path()
        profile_path = journal.with_suffix(".profile.yaml")
        state.save_profile(profile_path)
        state.run.journal_path = journal
        start_push(paths=list(state.source.selected), profile=state.mapping.profile, profile_path=str(profile_path),
                   target="sandbox", url=None, journal_path=journal, region=state.target_step.region,
                   clean_result=state.cleaning.clean_result)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("step", STEPS)
def test_step_snapshot(step: str, size: tuple[int, int], fixed_dirs: Path, snap_compare: Any) -> None:
    from crm_migrate.tui.app import CrmMigrateApp
    from crm_migrate.tui.state import WizardState

    state = WizardState(object_name="contacts", object_chosen=True, region="US",
                        run_name="snapshot", match_target=False)
    state.add_paths([str(fixed_dirs)])
    _prepare(state, step)
    app = CrmMigrateApp(state, first_step="source" if step == "help" else step)

    async def run_before(pilot: Any) -> None:
        await settle(app, pilot)
        if step == "help":
            await pilot.press("f1")
            await pilot.pause()
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)
