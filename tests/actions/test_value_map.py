"""The value-map editor's entries list every distinct value of the column, and a value with no
option is blanked at clean with one issue per cell (not one from the map and one from the
picklist check)."""

from __future__ import annotations

from pathlib import Path

from crm_migrate.actions.cleaning import clean
from crm_migrate.actions.files import load_files
from crm_migrate.actions.profiles import value_map_entries
from crm_migrate.mapping.profile import FieldMapping, Profile
from crm_migrate.schema import builtin_schema

CSV = """Email,Categories
a@x.com,Customer
b@x.com,Weird
c@x.com,Weird
d@x.com,lead
e@x.com,Hot prospect
f@x.com,customer
g@x.com,
"""


def _tables(tmp_path: Path) -> list:  # type: ignore[type-arg]
    path = tmp_path / "people.csv"
    path.write_text(CSV, encoding="utf-8")
    return load_files([str(path)]).tables


def test_every_distinct_value_is_listed(tmp_path: Path) -> None:
    options = list(builtin_schema("contacts").fields["lifecyclestage"].options)
    entries, left_off = value_map_entries(_tables(tmp_path), "Categories", options)
    # most frequent first ("customer" is a case variant of "Customer"); the empty cell is no value
    assert list(entries) == ["Weird", "Customer", "Hot prospect", "lead"]
    assert entries["Customer"] == "customer" and entries["lead"] == "lead"
    assert entries["Weird"] == "" and left_off == 0
    kept, _ = value_map_entries(_tables(tmp_path), "Categories", options,
                                existing={"Weird": "other"})
    assert kept["Weird"] == "other" and set(kept) == set(entries)


def test_a_value_without_an_option_is_one_issue_per_cell(tmp_path: Path) -> None:
    tables = _tables(tmp_path)
    profile = Profile(object="contacts", fields=[
        FieldMapping(column="Email", field="email"),
        FieldMapping(column="Categories", field="lifecyclestage",
                     transforms=[{"map_values": {"mapping": {"Customer": "customer"}}}])])
    result = clean(tables, profile).result
    issues = [i for i in result.issues if i.field == "lifecyclestage"]
    assert sorted(str(i.value) for i in issues) == ["Hot prospect", "Weird", "Weird"]
    assert result.invalid["lifecyclestage"] == 3
    values = {r.properties.get("email"): r.properties.get("lifecyclestage") for r in result.records}
    assert values["d@x.com"] == "lead" and values["a@x.com"] == "customer"
    assert not values.get("b@x.com")
