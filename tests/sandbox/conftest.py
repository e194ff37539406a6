"""Run every sandbox contract test twice: in-process (ASGITransport) and over loopback (uvicorn)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from crm_migrate.sandbox import DEFAULT_TOKEN
from crm_migrate.sandbox.app import create_app, set_faults
from crm_migrate.sandbox.serve import SandboxServer

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}


class Harness:
    """One sandbox under test, whichever way it is reached."""

    def __init__(
        self, mode: str, app: Any, client: httpx.AsyncClient, anon: httpx.AsyncClient
    ) -> None:
        self.mode = mode
        self.app = app
        self.client = client  # authenticated
        self.anon = anon  # no Authorization header

    def set_faults(self, **kw: Any) -> None:
        set_faults(self.app, **kw)

    async def stats(self) -> dict[str, Any]:
        response = await self.anon.get("/_sandbox/stats")
        assert response.status_code == 200
        return response.json()  # type: ignore[no-any-return]

    async def create_contacts(self, emails: list[str], **props: str) -> list[dict[str, Any]]:
        inputs = [{"properties": {"email": e, **props}} for e in emails]
        response = await self.client.post(
            "/crm/v3/objects/contacts/batch/create", json={"inputs": inputs}
        )
        assert response.status_code == 201, response.text
        return response.json()["results"]  # type: ignore[no-any-return]


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("sandbox")
    return dict(marker.kwargs) if marker else {}


@pytest.fixture(params=["asgi", "socket"])
async def crm(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    """A fresh sandbox; options from @pytest.mark.sandbox(rate_limit=..., fail_rate=..., seed=...)."""
    options = _options(request)
    db_path = tmp_path / "crm.sqlite3"
    if request.param == "asgi":
        app = create_app(db_path, **options)
        transport = httpx.ASGITransport(app=app)
        base = "http://sandbox.local"
        client = httpx.AsyncClient(transport=transport, base_url=base, headers=AUTH)
        anon = httpx.AsyncClient(transport=transport, base_url=base)
        try:
            yield Harness("asgi", app, client, anon)
        finally:
            await client.aclose()
            await anon.aclose()
            app.state.sandbox.store.close()
    else:
        server = SandboxServer(db_path, **options).start()
        client = httpx.AsyncClient(base_url=server.url, headers=AUTH, timeout=30)
        anon = httpx.AsyncClient(base_url=server.url, timeout=30)
        try:
            yield Harness("socket", server.app, client, anon)
        finally:
            await client.aclose()
            await anon.aclose()
            server.stop()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sandbox(**options): create_app options for the crm fixture")
