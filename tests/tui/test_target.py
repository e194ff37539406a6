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
        assert app.state.schema is not None and "email" in app.state.schema.fields
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
        await pilot.pause()
        assert isolated_env["keyring"].store  # stored
        assert "wrong-token-1234" in isolated_env["keyring"].store.values()
        assert app.state.token is None and token.value == ""
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
