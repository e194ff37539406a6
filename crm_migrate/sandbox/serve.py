"""Run the sandbox under uvicorn in a background thread (wizard, demo, tests, the CLI)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from crm_migrate.sandbox import DEFAULT_TOKEN


class SandboxServer:
    """A sandbox CRM listening on host:port (0 picks a free port) until stop()."""

    def __init__(
        self,
        db_path: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = DEFAULT_TOKEN,
        rate_limit: int | None = None,
        fail_rate: float = 0.0,
        latency_ms: int = 0,
        seed: int | None = None,
        search_lag_ms: int = 0,
        portal: Any = None,
        token_scopes: dict[str, list[str]] | None = None,
    ) -> None:
        """`portal`: None keeps the db's portal (plain for a new db), else a Portal, a built-in
        name ("plain", "customized") or a YAML file; `token_scopes`: {token: [scopes]}."""
        self.db_path = Path(db_path)
        self.host = host
        self.port = port
        self.token = token
        self._options: dict[str, Any] = {
            "rate_limit": rate_limit,
            "fail_rate": fail_rate,
            "latency_ms": latency_ms,
            "seed": seed,
            "search_lag_ms": search_lag_ms,
            "portal": portal,
            "token_scopes": token_scopes,
        }
        self.app: Any = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:54321."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def portal_name(self) -> str:
        """The name of the portal the running sandbox plays ("plain" when uncustomized)."""
        return str(self.app.state.sandbox.store.portal.name) if self.app is not None else ""

    def start(self) -> SandboxServer:
        """Bind, start serving in a daemon thread, return once connections are accepted."""
        # deferred: uvicorn and starlette (sandbox.app) load only when a server starts, which keeps
        # `--help` and the wizard's first paint fast
        import uvicorn

        from crm_migrate.sandbox.app import create_app  # deferred: loads starlette

        if self._thread is not None:
            return self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            if hasattr(socket, "SO_REUSEADDR"):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
            sock.listen(2048)
        except OSError:
            sock.close()
            raise
        self._socket = sock
        self.port = sock.getsockname()[1]
        self.app = create_app(self.db_path, token=self.token, **self._options)
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            log_config=None,  # leave logging to the host (the TUI, the CLI)
            access_log=False,
            lifespan="off",
            timeout_keep_alive=30,
            backlog=2048,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="sandbox-crm", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive():
                self._cleanup()
                raise RuntimeError("the sandbox server failed to start")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the sandbox server did not start within 15 s")
            time.sleep(0.005)
        return self

    def set_faults(
        self,
        fail_rate: float | None = None,
        latency_ms: int | None = None,
        rate_limit: int | None = None,
    ) -> None:
        """Change faults on the running server; None keeps a setting, rate_limit=0 lifts it."""
        from crm_migrate.sandbox.app import set_faults  # deferred: starlette, as in start()

        if self.app is None:
            if fail_rate is not None:
                self._options["fail_rate"] = fail_rate
            if latency_ms is not None:
                self._options["latency_ms"] = latency_ms
            if rate_limit is not None:
                self._options["rate_limit"] = rate_limit if rate_limit > 0 else None
            return
        set_faults(self.app, fail_rate=fail_rate, latency_ms=latency_ms, rate_limit=rate_limit)

    def stats(self) -> dict[str, Any]:
        """The /_sandbox/stats figures, read in-process."""
        return self.app.state.sandbox.stats()  # type: ignore[no-any-return]

    def stop(self) -> None:
        """Shut down, wait for the thread, release the port and the SQLite file."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
            if self._thread.is_alive() and self._server is not None:
                self._server.force_exit = True
                self._thread.join(timeout=5)
        self._cleanup()

    def _cleanup(self) -> None:
        if self._socket is not None:
            try:
                self._socket.close()
            except OSError:
                pass
        if self.app is not None:
            self.app.state.sandbox.store.close()
        self._socket = None
        self._thread = None
        self._server = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
