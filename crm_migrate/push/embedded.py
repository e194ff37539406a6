"""To be removed: the wizard's old way to run the embedded sandbox (use open_connector)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from crm_migrate.connectors.registry import embedded_sandbox


@contextmanager
def target_url(target: str, url: str | None, embedded: bool) -> Iterator[tuple[str | None, bool]]:
    """Yield (url, embedded): a started SandboxServer's URL when the run uses an embedded one.
    To be removed with its last callers in tui/ (open_connector runs the sandbox itself)."""
    if target != "sandbox" or (url and not embedded):
        yield url, False
        return
    with embedded_sandbox() as server:
        yield server.url, True
