"""Helpers for push-engine tests: build cleaned records directly, read the sandbox back."""

from __future__ import annotations

from typing import Any

import httpx
import pandas as pd
import pytest

from crm_migrate.mapping.profile import FieldMapping, Profile
from crm_migrate.model import CleanResult, OutputRecord


def contact(i: int, **extra: str) -> OutputRecord:
    """A cleaned contact record."""
    props = {"email": f"person{i}@example.com", "firstname": f"First{i}",
             "lastname": f"Last{i}", **extra}
    return OutputRecord(source=f"people.csv:{i}", properties=props, key=props["email"],
                        members=[f"people.csv:{i}"])


def clean_result(records: list[OutputRecord], object_name: str = "contacts") -> CleanResult:
    """A CleanResult around records."""
    frame = pd.DataFrame([{**r.properties, "_source": r.source} for r in records]).fillna("")
    return CleanResult(object=object_name, frame=frame, rows_in=len(records), records=records)


def profile(object_name: str = "contacts") -> Profile:
    return Profile(object=object_name, fields=[FieldMapping(column="Email", field="email")])


def all_records(url: str, object_name: str = "contacts",
                properties: tuple[str, ...] = ("email", "firstname", "lastname", "company", "jobtitle",
                                               "crm_migrate_id", "name", "domain"),
                ) -> list[dict[str, Any]]:
    """Every live record of an object in the sandbox, over HTTP."""
    from crm_migrate.sandbox import DEFAULT_TOKEN

    out: list[dict[str, Any]] = []
    after = None
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}) as c:
        while True:
            params: list[tuple[str, str]] = [("limit", "100")]
            params += [("properties", p) for p in properties]
            if after:
                params.append(("after", after))
            data = c.get(f"/crm/v3/objects/{object_name}", params=params).json()
            out += data["results"]
            after = (data.get("paging") or {}).get("next", {}).get("after")
            if not after:
                return out


@pytest.fixture
def input_file(tmp_path: Any) -> str:
    """A stand-in input file (its hash is journalled)."""
    path = tmp_path / "people.csv"
    path.write_text("Email\nx@example.com\n")
    return str(path)
