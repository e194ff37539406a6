"""The transforms registry: parsing and checking; picklist value suggestions."""

from __future__ import annotations

import pytest

from crm_migrate.errors import ProfileError
from crm_migrate.mapping.transforms import TRANSFORMS, parse_transforms, suggest_value_map
from crm_migrate.schema import DEAL_STAGES, LIFECYCLE_STAGES


def test_registry_names() -> None:
    assert set(TRANSFORMS) == {"trim", "lower", "upper", "title", "phone", "email", "date",
                               "split_name", "join", "map_values", "default", "regex", "truncate", "pipeline"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (["trimm"], "unknown transform 'trimm'; did you mean 'trim'"),
        ([{"phone": {"regio": "US"}}], "unknown argument 'regio'"),
        ([{"phone": {"region": "XX"}}], "not a region code"),
        ([{"date": {"format": "dd.mm.yyyy"}}], "strptime"),
        ([{"date": {"dayfirst": "yes"}}], "must be bool"),
        ([{"join": {"separator": "-"}}], "missing argument 'columns'"),
        ([{"regex": {"pattern": "("}}], "bad pattern"),
        ([{"regex": {"pattern": "a(b)", "group": 2}}], "group 2"),
        ([{"map_values": {"mapping": {"a": ["x"]}}}], "must be text or null"),
        ([{"trim": 1}], "takes no arguments"),
        ([{"trim": None, "lower": None}], "one-key mapping"),
    ],
)
def test_bad_transforms_are_rejected_up_front(raw: list[object], message: str) -> None:
    with pytest.raises(ProfileError, match=message.replace("(", r"\(")):
        parse_transforms(raw)


def test_parse_round_trip() -> None:
    parsed = parse_transforms(["trim", {"date": "dayfirst"}, {"phone": {"region": "de"}}])
    assert [t.to_raw() for t in parsed] == ["trim", {"date": {"dayfirst": True}}, {"phone": {"region": "DE"}}]


def test_suggest_value_map_lifecycle() -> None:
    got = suggest_value_map(["Customer", "MQL", "SQL", "Kunde", "lead", "Evangelists", "???"],
                            list(LIFECYCLE_STAGES))
    assert got == {"Customer": "customer", "MQL": "marketingqualifiedlead", "SQL": "salesqualifiedlead",
                   "Kunde": "customer", "lead": "lead", "Evangelists": "evangelist", "???": None}


def test_suggest_value_map_deal_stages() -> None:
    got = suggest_value_map(["Closed Won", "closed won", "Won", "Lost", "Contract sent", "Decision maker bought in"],
                            list(DEAL_STAGES))
    assert got == {"Closed Won": "closedwon", "Won": "closedwon", "Lost": "closedlost",
                   "Contract sent": "contractsent", "Decision maker bought in": "decisionmakerboughtin"}
