"""Abbreviated headers of home-grown systems, checked against their values; picklists that do not fit."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_migrate.mapping.abbreviations import STRONG, phrase_quality, skeleton, word_quality
from crm_migrate.mapping.suggest import suggest_mappings
from crm_migrate.table import Detection, SourceTable


def table(columns: dict[str, list[str]]) -> SourceTable:
    frame = pd.DataFrame(columns, dtype=object)
    frame.index = range(1, len(frame) + 1)
    return SourceTable(frame=frame, detection=Detection(path="x.csv", format="csv"), label="x.csv")


def suggestion(header: str, values: list[str], object_name: str = "contacts") -> tuple[str | None, float]:
    found = suggest_mappings(table({header: values}), object_name)[0]
    return found.field, found.confidence


def test_skeleton_and_word_quality() -> None:
    assert skeleton("address") == "adrs"
    assert skeleton("mobile") == "mbl"
    assert word_quality("mbl", "mobile") == STRONG  # vowels dropped
    assert word_quality("addr", "address") == STRONG  # truncated
    assert word_quality("cmp", "company") == STRONG
    assert 0 < word_quality("vname", "vorname") < STRONG  # a mere subsequence is weaker
    assert word_quality("leid", "leadstatus") == 0  # vowels kept but not a truncation
    assert phrase_quality(("pstl", "cd"), ("postal", "code")) == STRONG
    assert phrase_quality(("dt", "naiss"), ("date", "de", "naissance")) == STRONG  # small words skipped
    assert 0 < phrase_quality(("pc",), ("post", "code")) < STRONG  # one token for two words


@pytest.mark.parametrize(
    ("header", "values", "field"),
    [
        ("CNTCT_FNM", ["MARGARET", "DWAYNE", "LUCILLE"], "firstname"),
        ("CUST_LST_NM", ["HOLLIS", "OKAFOR", "BRANDT"], "lastname"),
        ("MBL_PHN", ["937-555-0199", "419-555-0121", "216-555-0188"], "mobilephone"),
        ("CMP_NM", ["Hollis Hardware Inc", "Riverbend Auto", "Wu & Sons"], "company"),
        ("PSTL_CD", ["45402", "43604", "44308"], "zip"),
        ("DOB_DT", ["1961-04-17", "1974-09-30", "1958-12-02"], "date_of_birth"),
        ("EML_ADDR", ["a@hollishw.com", "b@riverbend.com", "c@aol.com"], "email"),
        ("BRTH_DT", ["03/22/1976", "11/05/1969", "07/14/1988"], "date_of_birth"),
        ("CTY", ["Dayton", "Toledo", "Akron"], "city"),
        ("PC", ["2161 AB", "3511 LZ", "9723 JA"], "zip"),
    ],
)
def test_abbreviated_headers_confirmed_by_values(header: str, values: list[str], field: str) -> None:
    got, confidence = suggestion(header, values)
    assert got == field
    assert confidence < 0.9  # an abbreviation is a suggestion to check, never a confident one


@pytest.mark.parametrize(
    ("header", "values"),
    [
        ("PSTL_CD", ["Dayton", "Toledo", "Akron"]),  # names of towns are no postcodes
        ("DOB_DT", ["yes", "no", "yes"]),
        ("MBL_PHN", ["Apple", "Samsung", "Nokia"]),
        ("CTY", ["12", "40", "7"]),
    ],
)
def test_abbreviations_the_values_contradict_are_not_suggested(header: str, values: list[str]) -> None:
    assert suggestion(header, values)[0] is None


def test_a_system_enumeration_is_not_mapped_to_a_picklist_it_does_not_fit() -> None:
    assert suggestion("CleanStatus", ["Matched", "Different", "Pending", "NotFound", "Matched"])[0] is None
    assert suggestion("Lead Status", ["New", "Open", "In Progress", "Connected"])[0] == "hs_lead_status"
    assert suggestion("Lead Status", ["Matched", "Different", "Pending", "Skipped"])[1] < 0.9
