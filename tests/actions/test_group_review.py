"""The Dedupe step's review line: a group the model doubts but the target's key forces says so."""

from __future__ import annotations

from crm_migrate.actions.duplicates import group_key, review_groups
from crm_migrate.model import OutputRecord


def _group(values: dict[str, dict[str, str]]) -> OutputRecord:
    members = list(values)
    return OutputRecord(source=members[0], properties=dict(values[members[0]]), key=None,
                        members=members)


def test_a_group_forced_by_a_shared_email_says_why() -> None:
    values = {
        "a.csv:37": {"firstname": "Sören", "lastname": "Neumann", "email": "sn@x.de",
                     "city": "Nürnberg", "zip": "90402", "date_of_birth": "1984-04-19",
                     "phone": "+4991112345"},
        "a.csv:68": {"firstname": "Sören", "lastname": "Neumann", "email": "sn@x.de",
                     "city": "Köln", "zip": "50667", "date_of_birth": "1958-07-03",
                     "phone": "+4922198765"},
    }
    record = _group(values)
    review = review_groups([record], values, "contacts")[group_key(record.members)]
    assert review.probability < 0.5
    assert review.reasons[0] == "same email: the CRM keeps one record per email"


def test_a_confident_group_has_no_such_note() -> None:
    values = {
        "a.csv:1": {"firstname": "Katherine", "lastname": "Rodriguez", "email": "k@x.com",
                    "phone": "+14042638116", "city": "Atlanta", "zip": "30327"},
        "a.csv:2": {"firstname": "Katherine", "lastname": "Rodriguez", "email": "k@x.com",
                    "phone": "+14042638116", "city": "Atlanta", "zip": "30327"},
    }
    record = _group(values)
    review = review_groups([record], values, "contacts")[group_key(record.members)]
    assert review.probability > 0.9
    assert not any(r.startswith("same email:") for r in review.reasons)
