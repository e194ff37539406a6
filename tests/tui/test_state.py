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
    assert "contacts.csv:6" not in {r.source for r in state.cleaning.clean_result.records}
    # a saved profile reopens with the same mapping
    saved = state.save_profile(contacts_csv.parent / "p.yaml")
    other = WizardState()
    other.open_profile(saved)
    assert other.target_step.object_name == "contacts"
    assert {m.column: m.field for m in other.mapping.profile.fields}["Company"] is None


def test_state_edits_wait_and_choices_outlive_a_reclean(contacts_csv: Path) -> None:
    from crm_migrate.push.plan import build_rows
    from crm_migrate.tui.state import WizardState

    state = WizardState(object_name="contacts", object_chosen=True, region="US", match_target=False)
    state.add_paths([str(contacts_csv)])
    state.load_tables()
    state.run_clean()
    [group] = [r for r in state.cleaning.clean_result.records if len(r.members) > 1]
    survivor = state.next_survivor(group)
    assert group.source == survivor != sorted(group.members)[0]
    # a fix is pending (the result is stale) until cleaning re-runs; unchanged text is no edit
    assert not state.edit_cell("contacts.csv", 2, "Company", "Globex")
    assert state.edit_cell("contacts.csv", 2, "E-mail Address", "bob@example.com")
    assert state.clean_stale and not state.cleaning.settings_stale
    assert state.pending_edit(2, "E-mail Address") == "bob@example.com"
    result = state.run_clean()
    assert not state.clean_stale and not state.source.pending_edits
    assert "bob@example.com" in {r.properties.get("email") for r in result.records}
    [group] = [r for r in result.records if len(r.members) > 1]
    assert group.source == survivor and state.take_dropped_choices() == 0
    [row] = [r for r in build_rows(result.records, "contacts", "run") if r.members == group.members]
    assert row.source == survivor
    # Bob's row becomes a third Ann Lee: the group changed, so its choice goes (and is counted)
    state.edit_cell("contacts.csv", 2, "E-mail Address", "ann@example.com")
    state.edit_cell("contacts.csv", 2, "Full Name", "Ann Lee")
    result = state.run_clean()
    [group] = [r for r in result.records if len(r.members) > 1]
    assert len(group.members) == 3
    assert state.take_dropped_choices() == 1 and state.take_dropped_choices() == 0
    assert not state.dedupe.choices.chosen_groups()
    # edits survive a reload of the files
    state.load_tables()
    assert state.source_value("contacts.csv", 2, "Full Name") == "Ann Lee"


def test_changes_compare_with_the_column_each_file_has(tmp_path: Path) -> None:
    from crm_migrate.tui.state import WizardState

    (tmp_path / "a.csv").write_text("Name,Email\nAnn Lee,ANN@example.com\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("Name,E-mail Address\nBob Stone,bob@example.com\n", encoding="utf-8")
    state = WizardState(object_name="contacts", object_chosen=True, region="US", match_target=False)
    state.add_paths([str(tmp_path / "a.csv"), str(tmp_path / "b.csv")])
    state.load_tables()
    state.run_clean()
    rows = state.changes().values.tolist()
    emails = [row for row in rows if row[1] == "email"]
    assert emails == [["a.csv:1", "email", "ANN@example.com", "ann@example.com"]], rows
