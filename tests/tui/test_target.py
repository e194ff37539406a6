"""Target step: connection test (live schema), token masked and stored in the keyring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.tui.conftest import settle


async def test_connection_test_and_token_to_keyring(make_app, contacts_csv: Path, sandbox_server: Any,
                                                    isolated_env: dict[str, Any]) -> None:
    from textual.widgets import Input

    app = make_app(contacts_csv, url=sandbox_server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.goto("target")
        await pilot.pause()
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        status = str(app.pane.query_one("#target-status").render())
        assert status.startswith("Connected to sandbox"), status
        assert app.state.mapping.schema is not None and "email" in app.state.mapping.schema.fields
        # a wrong token is refused by the sandbox: one line, no traceback
        token = app.pane.query_one("#token", Input)
        token.value = "wrong-token-1234"
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        status = str(app.pane.query_one("#target-status").render())
        assert "Connected" not in status and "\n" not in status.strip()
        # the token is shown masked and goes to the keyring, not to the state
        assert token.password
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isolated_env["keyring"].store  # stored
        assert "wrong-token-1234" in isolated_env["keyring"].store.values()
        assert app.state.target_step.token is None and token.value == ""
        assert "keyring" in str(app.pane.query_one("#target-status").render())


async def test_connection_test_to_the_built_in_sandbox(make_app, contacts_csv: Path) -> None:
    app = make_app(contacts_csv)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.goto("target")
        await pilot.pause()
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        status = str(app.pane.query_one("#target-status").render())
        assert status.startswith("Connected to sandbox") and "built-in" in status, status


async def test_file_target_writes_an_import_file(make_app, contacts_csv: Path, tmp_path: Path) -> None:
    import csv

    out = tmp_path / "out" / "hubspot-contacts.csv"
    app = make_app(contacts_csv, target="file", url=str(out), object_name="contacts",
                   object_chosen=True, region="US", run_name="file")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for step in ("target", "mapping", "clean", "push"):
            app.goto(step)
            await settle(app, pilot)
        assert "output file" in app.step_screen("target").query_one("#url").placeholder
        await pilot.press("s")
        for _ in range(500):
            if app.current_step == "report":
                break
            await pilot.pause(0.02)
        await settle(app, pilot)
        assert app.current_step == "report"
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(app.state.cleaning.clean_result.records) == 6


async def test_a_slow_keyring_never_holds_up_the_step(make_app, contacts_csv: Path,
                                                     isolated_env: dict[str, Any],
                                                     monkeypatch: Any) -> None:
    """An OS keyring can take seconds (D-Bus, an unlock prompt): it is asked off the UI thread."""
    import threading

    keyring = isolated_env["keyring"]
    keyring.store[("crm-migrate", "hubspot")] = "pat-na1-" + "0" * 28 + "abcd"
    release = threading.Event()
    real_get = keyring.get_password

    def slow_get(service: str, username: str) -> str | None:
        release.wait(5)
        return real_get(service, username)

    monkeypatch.setattr(keyring, "get_password", slow_get)
    app = make_app(contacts_csv, target="hubspot")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.goto("target")
        await pilot.pause()
        # had the step waited for the keyring (held for 5 s), it would name the keyring here
        assert not release.is_set()
        assert "No token for hubspot" in str(app.pane.query_one("#target-status").render())
        release.set()
        await settle(app, pilot)
        status = str(app.pane.query_one("#target-status").render())
        assert status == "Token for hubspot from the OS keyring.", status
