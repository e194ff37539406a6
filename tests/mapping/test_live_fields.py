"""The auto-mapper reads the target's own fields from its live schema: an owner column whose
values are the target's owners, a custom property whose label holds the header's words when the
values fit its type. Neither happens without the proof in the values."""

from __future__ import annotations

import pandas as pd

from crm_migrate.mapping.suggest import suggest_mappings
from crm_migrate.schema import ObjectSchema, Owner, builtin_schema
from crm_migrate.table import Detection, SourceTable


def _table(columns: dict[str, list[str]]) -> SourceTable:
    frame = pd.DataFrame(columns, dtype=object)
    frame.index = range(1, len(frame) + 1)
    return SourceTable(frame=frame, detection=Detection(path="d.csv", format="csv"), label="d.csv")


def _deals() -> ObjectSchema:
    return builtin_schema("deals").merge_live([
        {"name": "forecast_probability", "label": "Forecast Probability (%)", "type": "number",
         "fieldType": "number"},
        {"name": "partner_note", "label": "Partner Note Text", "type": "string",
         "fieldType": "text"},
    ]).with_live(owners=(Owner("7", "ann@acme.example", "Ann Owner"),
                         Owner("8", "bob@acme.example", "Bob Owner")), source="test (live)")


DEALS = {"Deal Name": ["A", "B", "C", "D"], "Stage": ["Closed Won"] * 4,
         "Deal Owner": ["Ann Owner", "Bob Owner", "ann@acme.example", "Ann Owner"],
         "Probability": ["70%", "10 %", "0%", "100%"], "Note": ["x", "y", "z", "w"]}


def _mapped(columns: dict[str, list[str]], schema: ObjectSchema) -> dict[str, str | None]:
    return {s.column: s.field for s in suggest_mappings(_table(columns), "deals", schema)}


def test_owner_and_custom_property_come_from_the_live_schema() -> None:
    mapped = _mapped(DEALS, _deals())
    assert mapped["Deal Owner"] == "hubspot_owner_id"
    assert mapped["Probability"] == "forecast_probability"
    assert mapped["Note"] is None  # a text property has no proof in its values


def test_without_proof_in_the_values_the_columns_stay_out() -> None:
    strangers = {**DEALS, "Deal Owner": ["Zed", "Yan", "Xi", "Zed"],
                 "Probability": ["high", "low", "high", "mid"]}
    mapped = _mapped(strangers, _deals())
    assert mapped["Deal Owner"] is None and mapped["Probability"] is None
    built_in = _mapped(DEALS, builtin_schema("deals"))  # no owners, no custom property
    assert built_in["Deal Owner"] is None and built_in["Probability"] is None
