"""The wizard's state object is plain Python: usable (and tested) without Textual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_state_does_not_import_textual() -> None:
    code = ("import sys, crm_migrate.tui.state, crm_migrate.commands.tui; "
            "print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_state_headless_edit_clean_drop(contacts_csv: Path) -> None:
    from crm_migrate.tui.state import WizardState

    state = WizardState(object_name="contacts", object_chosen=True, region="US", match_target=False)
    state.add_paths([str(contacts_csv)])
    state.load_tables()
    profile = state.ensure_profile()
    assert {m.column for m in profile.fields} == set(state.columns)
    state.set_field("Company", None)
    assert "company" not in state.ensure_profile().mapped_fields()
    state.edit_cell("contacts.csv", 2, "E-mail Address", "bob@example.com")
    result = state.run_clean()
    assert not state.clean_stale
    assert {r.properties.get("email") for r in result.records} >= {"bob@example.com"}
    assert all("company" not in r.properties for r in result.records)
    views = state.clean_views(preview=True)
    changes = views["changes"]
    assert ((changes["field"] == "phone") & (changes["before"] == "(415) 555-0123")
            & (changes["after"] == "+14155550123")).any()
    assert state.drop_rows(["contacts.csv:6"]) == 1
    assert "contacts.csv:6" not in {r.source for r in state.clean_result.records}
    # a saved profile reopens with the same mapping
    saved = state.save_profile(contacts_csv.parent / "p.yaml")
    other = WizardState()
    other.open_profile(saved)
    assert other.object_name == "contacts"
    assert {m.column: m.field for m in other.profile.fields}["Company"] is None
