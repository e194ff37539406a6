"""Target step: Salesforce's API version and Bulk API choice go into the profile's `target:`."""

from __future__ import annotations

from pathlib import Path

from tests.tui.conftest import settle


async def test_salesforce_settings_reach_the_profile(make_app, contacts_csv: Path,
                                                     tmp_path: Path) -> None:
    from textual.widgets import Input, Select

    from crm_migrate.mapping.profile import load_profile

    app = make_app(contacts_csv, target="salesforce", url="https://acme.my.salesforce.com",
                   object_name="contacts", object_chosen=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.goto("target")
        await settle(app, pilot)
        rows = list(app.pane.query(".salesforce-only"))
        assert len(rows) == 2 and all(row.display for row in rows)
        version = app.pane.query_one("#api-version", Input)
        version.value = "sixty"
        await settle(app, pilot)
        assert app.state.target_step.api_version is None
        assert "target.api_version" in str(app.pane.query_one("#target-status").render())
        version.value = "61.0"
        await settle(app, pilot)
        app.pane.query_one("#bulk", Select).value = "auto"
        await settle(app, pilot)
        assert app.state.target_step.api_version == "v61.0"
        assert app.state.target_step.bulk == "auto"
        settings = app.state.ensure_profile().target_settings()
        assert (settings.api_version, settings.bulk) == ("v61.0", "auto")
        saved = app.state.save_profile(tmp_path / "sf.yaml")
        assert load_profile(saved).target_settings().bulk == "auto"
        app.pane.query_one("#target", Select).value = "sandbox"
        await settle(app, pilot)
        assert not any(row.display for row in app.pane.query(".salesforce-only"))
