"""Keep the machine out of the tests: data and config dirs under tmp_path, an in-memory keyring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keyring
import pandas as pd
import pytest
from keyring.backend import KeyringBackend

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DATA = REPO / "sample_data"
TEST_DATA = Path(__file__).resolve().parent / "data"

# pandas 3 backs its `str` dtype with pyarrow when pyarrow is installed (a dev venv with the
# bench extras has it), else with Python strings: what a user's install (no pyarrow) gets.
# The two differ (Python storage drops "\x00" in concatenations); test what users run.
pd.set_option("mode.string_storage", "python")


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in a dict, so tests never touch the OS keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.store:
            raise PasswordDeleteError(username)
        del self.store[(service, username)]


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Data/config dirs in tmp_path, no token in the environment, an in-memory keyring."""
    data = tmp_path / "_data"
    config = tmp_path / "_config"
    monkeypatch.setenv("CRM_MIGRATE_DATA_DIR", str(data))
    monkeypatch.setenv("CRM_MIGRATE_CONFIG_DIR", str(config))
    monkeypatch.delenv("CRM_MIGRATE_TOKEN", raising=False)
    # for subprocesses: a file keyring under tmp_path
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "_xdg"))
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield {"data": data, "config": config, "keyring": backend}
    keyring.set_keyring(previous)


# --- sandbox CRM fixtures (issue 5) -------------------------------------------------


class SandboxApp:
    """An in-process sandbox: the ASGI app and an httpx.AsyncClient bound to it."""

    def __init__(self, app: Any, client: Any, token: str, db_path: Path) -> None:
        self.app = app
        self.client = client  # AsyncClient, base_url=url, Authorization header preset
        self.token = token
        self.db_path = db_path
        self.url = str(client.base_url).rstrip("/")

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def sandbox_server(tmp_path: Path) -> Any:
    """A SandboxServer on a fresh SQLite file, over a real loopback socket; stopped after."""
    from crm_migrate.sandbox.serve import SandboxServer

    server = SandboxServer(tmp_path / "sandbox-server.sqlite3").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def sandbox_app(tmp_path: Path) -> Any:
    """The sandbox app in-process with an httpx.AsyncClient over ASGITransport."""
    import httpx

    from crm_migrate.sandbox import DEFAULT_TOKEN
    from crm_migrate.sandbox.app import create_app

    db_path = tmp_path / "sandbox-app.sqlite3"
    app = create_app(db_path)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://sandbox.local",
        headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
    )
    try:
        yield SandboxApp(app, client, DEFAULT_TOKEN, db_path)
    finally:
        await client.aclose()
        app.state.sandbox.store.close()
