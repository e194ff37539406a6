"""Fixtures for the use-case layer: a sandbox CRM served in-process on a temp database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_migrate.actions.sandbox import SandboxServer, start_sandbox
from tests.conftest import SAMPLE_DATA

CONTACTS = str(SAMPLE_DATA / "outlook_contacts.csv")


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxServer]:
    """A sandbox CRM on its own database, on a free loopback port."""
    server = start_sandbox(tmp_path / "crm.sqlite3")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def contacts(tmp_path: Path) -> str:
    """A copy of a sample contacts export (a test may change it)."""
    copy = tmp_path / "outlook_contacts.csv"
    copy.write_bytes(Path(CONTACTS).read_bytes())
    return str(copy)
