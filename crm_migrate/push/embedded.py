"""An in-process sandbox CRM for target `sandbox` without --url (push, resume, rollback)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def target_url(target: str, url: str | None, embedded: bool) -> Iterator[tuple[str | None, bool]]:
    """Yield (url, embedded): a started SandboxServer's URL when the run uses an embedded one."""
    if target != "sandbox" or (url and not embedded):
        yield url, False
        return
    from crm_migrate.paths import ensure_dir, sandbox_db_path
    from crm_migrate.sandbox.serve import SandboxServer

    db = sandbox_db_path()
    ensure_dir(db.parent, private=True)
    with SandboxServer(db) as server:
        yield server.url, True
