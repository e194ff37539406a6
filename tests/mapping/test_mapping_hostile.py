"""Hostile headers and values in mapping: linear time at sizes where the old code took seconds or minutes.

pytest-timeout is the guard; bench/bench_hostile.py prints the figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from crm_migrate.cli import run
from crm_migrate.mapping.abbreviations import phrase_quality
from crm_migrate.mapping.evidence import gather
from crm_migrate.mapping.headers import _split_camel, parse_header, tokens_of
from crm_migrate.sources.columns import unique_names
from tests.sources import hostile


def planned_fields(path: Path) -> dict[str, str | None]:
    """`crm-migrate plan` on a file (exit 0): column -> field of the profile it writes."""
    out = path.with_suffix(".yaml")
    assert run(["plan", str(path), "--out", str(out)]) == 0
    return {f["column"]: f.get("field") for f in yaml.safe_load(out.read_text())["fields"]}


@pytest.mark.timeout(60)
def test_all_caps_header_of_40k_characters(tmp_path: Path) -> None:
    # old: 36 s (camelCase splitting and abbreviation matching, both quadratic in the header)
    fields = planned_fields(hostile.caps_header_csv(tmp_path / "caps.csv", 40_000))
    assert fields["Email"] == "email"


@pytest.mark.timeout(30)
def test_header_words_stay_linear() -> None:
    assert _split_camel("A" * 200_000) == "A" * 200_000
    assert _split_camel("HTTPStatus" * 3) == "HTTP Status HTTP Status HTTP Status"
    assert tokens_of("firstName") == ["first", "name"]
    key = parse_header("B" * 100_000 + " (2)")
    assert key.index == 2 and len(key.raw) == 100_004
    assert phrase_quality(("c" * 50_000,), ("company", "name")) == 0.0


@pytest.mark.timeout(120)
def test_plan_on_16k_columns(tmp_path: Path) -> None:
    # old: 14 s at 4,000 columns, growing with the square (every column compared with every other)
    fields = planned_fields(hostile.wide_csv(tmp_path / "wide.csv", 16_000))
    assert fields["Email"] == "email" and fields["Phone"] == "phone"


@pytest.mark.timeout(30)
def test_many_repeated_headers_are_numbered_in_linear_time() -> None:
    names = unique_names(["Email"] * 50_000 + ["Email (7)"])
    assert names[:3] == ["Email", "Email (2)", "Email (3)"]
    assert names[6] == "Email (8)" and names[-1] == "Email (7)"
    assert len(set(names)) == len(names)


@pytest.mark.timeout(30)
def test_value_evidence_on_long_cells() -> None:
    # old: 149 s for "1", 80k spaces, "x" (a phone pattern backtracking over the spaces)
    evidence = gather(["1" + " " * 200_000 + "x", "1a" * 100_000, "word " * 40_000])
    assert evidence.share("phone") == 0.0
    assert evidence.share("text") == pytest.approx(1 / 3)
