"""Fixtures for the wizard tests: a small contacts CSV and an app factory."""

from __future__ import annotations

from pathlib import Path

import pytest

CONTACTS_CSV = """\
Full Name,E-mail Address,Business Phone,Company,Lifecycle
Ann Lee,ann@example.com,(415) 555-0123,Acme,Customer
Bob Stone,bob@example,555-0199,Globex,Lead
Ann Lee,ANN@example.com,415 555 0123,Acme Inc,customer
Cara Diaz,cara@example.org,+44 20 7946 0958,Initech,lead
Dan Wu,dan@example.net,212-555-0147,Hooli,Subscriber
Eve Park,eve@example.com,12,Umbrella,Lead
Finn Holt,finn@example.com,(646) 555-0110,Stark,Customer
"""


@pytest.fixture
def contacts_csv(tmp_path: Path) -> Path:
    """A small contacts export with a duplicate, a bad email and a bad phone."""
    path = tmp_path / "contacts.csv"
    path.write_text(CONTACTS_CSV, encoding="utf-8")
    return path


@pytest.fixture
def make_app():  # type: ignore[no-untyped-def]
    """Build a wizard app on some files (no Textual import at collection time)."""

    def build(*paths: Path, **state_kwargs: object):  # type: ignore[no-untyped-def]
        from crm_migrate.tui.app import CrmMigrateApp
        from crm_migrate.tui.state import WizardState

        state = WizardState(**state_kwargs)  # type: ignore[arg-type]
        state.add_paths([str(p) for p in paths])
        return CrmMigrateApp(state)

    return build


async def settle(app, pilot) -> None:  # type: ignore[no-untyped-def]
    """Let messages and workers finish."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
