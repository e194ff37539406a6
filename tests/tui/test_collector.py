"""The wizard's process and the cyclic garbage collector (issue 14, point 7).

While the wizard runs, full collections are rarer (each one held keys for 40-75 ms every few
step switches); when it ends the collector's thresholds are the caller's again, so that nothing
of the wizard stays behind in a process that goes on (a test run, an embedding program).
"""

from __future__ import annotations

import gc
from pathlib import Path

from tests.tui.conftest import settle


async def test_full_collections_are_rarer_while_the_wizard_runs_and_as_before_after(
        make_app, contacts_csv: Path) -> None:
    from crm_migrate.tui.app import FULL_COLLECTION_EVERY

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        app = make_app(contacts_csv)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            assert gc.get_threshold() == (700, 10, FULL_COLLECTION_EVERY) and FULL_COLLECTION_EVERY > 10
            await pilot.press("ctrl+n")  # a step switch, as a user goes on
            await settle(app, pilot)
        assert gc.get_threshold() == (700, 10, 10)
        gc.set_threshold(500, 20, 1000)  # a caller's own choice above ours is kept
        async with make_app(contacts_csv).run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert gc.get_threshold() == (500, 20, 1000)
        assert gc.get_threshold() == (500, 20, 1000)
    finally:
        gc.set_threshold(*before)


async def test_the_event_loop_keeps_the_interpreter_longer_while_the_wizard_runs(
        make_app, contacts_csv: Path) -> None:
    """While the wizard runs, a thread holds the GIL for SWITCH_INTERVAL_S before another may take
    it (so a key is drawn without the clean's sending threads cutting in); the caller's own value
    comes back on exit."""
    import sys

    from crm_migrate.tui.app import SWITCH_INTERVAL_S

    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.003)
        async with make_app(contacts_csv).run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert sys.getswitchinterval() == SWITCH_INTERVAL_S > 0.005
        assert sys.getswitchinterval() == 0.003
    finally:
        sys.setswitchinterval(before)
