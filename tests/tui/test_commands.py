"""`crm-migrate tui` and `crm-migrate demo`: arguments, the sample data, the embedded sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SAMPLE_DATA
from tests.tui.conftest import settle


def test_tui_with_a_missing_file_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from crm_migrate.cli import run

    assert run(["tui", "no-such-file.csv"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "crm-migrate: no-such-file.csv: no such file"


def test_demo_without_sample_data_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import crm_migrate.tui.app as tui_app
    from crm_migrate.cli import run

    monkeypatch.setattr(tui_app, "sample_data_dir", lambda: tmp_path / "gone")
    assert run(["demo"]) == 2
    err = capsys.readouterr().err.strip()
    assert "sample_data folder is missing" in err and "\n" not in err


def test_demo_preselects_the_contact_files() -> None:
    from crm_migrate.commands.tui import demo_files

    files, chosen = demo_files(SAMPLE_DATA)
    names = {Path(f).name for f in files}
    assert {"companies.xlsx", "deals.csv", "outlook_contacts.csv"} <= names
    assert not any(n.endswith(".py") for n in names)
    picked = {Path(f).name for f in chosen}
    assert "companies.xlsx" not in picked and "deals.csv" not in picked
    assert {"outlook_contacts.csv", "google_contacts.csv", "contacts.vcf"} <= picked


async def test_demo_cleans_the_sample_contacts_and_dry_runs_against_its_sandbox() -> None:
    from crm_migrate.commands.tui import demo_app

    app = demo_app()
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            state = app.state
            assert state.target_step.object_name == "contacts" and state.target_step.url == app.sandbox.url
            assert len(state.source.tables) == len(state.source.selected) >= 3
            rows = sum(len(t) for t in state.source.tables)
            for _ in range(3):  # target, mapping, clean
                await pilot.press("ctrl+n")
                await settle(app, pilot)
            assert app.current_step == "clean"
            result = state.cleaning.clean_result
            assert result is not None and result.rows_in == rows
            assert 0 < len(result.records) < rows  # duplicates across the exports were merged
            assert result.invalid  # the sample data has bad values on purpose
            await pilot.press("ctrl+n", "ctrl+n")
            await settle(app, pilot)
            assert app.current_step == "push"
            await pilot.press("d")
            for _ in range(500):
                if "Dry run against" in str(app.pane.query_one("#push-live").render()):
                    break
                await pilot.pause(0.02)
            live = str(app.pane.query_one("#push-live").render())
            assert f"{len(result.records):,} to create" in live, live
    finally:
        app.sandbox.stop()
