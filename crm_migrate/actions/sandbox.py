"""Run the local sandbox CRM in this process (the `sandbox` command, the demo)."""

from __future__ import annotations

from pathlib import Path

from crm_migrate.paths import ensure_dir, sandbox_db_path
from crm_migrate.sandbox import DEFAULT_TOKEN
from crm_migrate.sandbox.serve import SandboxServer

__all__ = ["DEFAULT_TOKEN", "SandboxServer", "start_demo_sandbox", "start_sandbox"]


def start_sandbox(db_path: str | Path, *, host: str = "127.0.0.1", port: int = 0,
                  token: str = DEFAULT_TOKEN, rate_limit: int | None = None, fail_rate: float = 0.0,
                  latency_ms: int = 0, seed: int | None = None,
                  search_lag_ms: int = 0) -> SandboxServer:
    """Start a sandbox CRM on a SQLite file, serving in a thread; the caller stops it."""
    server = SandboxServer(db_path, host=host, port=port, token=token, rate_limit=rate_limit,
                           fail_rate=fail_rate, latency_ms=latency_ms, seed=seed,
                           search_lag_ms=search_lag_ms)
    server.start()
    return server


def start_demo_sandbox() -> SandboxServer:
    """The sandbox on the default database (the one embedded pushes and resumes use), any free port."""
    db = sandbox_db_path()
    ensure_dir(db.parent, private=True)
    return start_sandbox(db)
