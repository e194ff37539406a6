"""An e-mail address different people share (a placeholder, an office inbox) merges no one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crm_migrate.clean.pipeline import clean_files
from crm_migrate.mapping.profile import FieldMapping, Profile

PEOPLE = """\
First Name,Last Name,Email,Phone
Lena,Silva,noemail@noemail.com,+1 415 555 0101
Omar,Okafor,NoEmail@noemail.com,+1 415 555 0102
Mia,Park,noemail@noemail.com,+1 415 555 0103
Lena,Silva,noemail@noemail.com,+1 415 555 0101
Anna,Lee,info@acme.com,+1 415 555 0201
Ben,Holt,info@acme.com,+1 415 555 0202
Jon,Meyer,jon@meyer.org,+1 415 555 0301
Jonathan,Meyer,jon@meyer.org,
Anna,Stone,anna@stone.net,+1 415 555 0401
Anna,Lee-Stone,anna@stone.net,
,,anon@example.com,
Kai,Wu,anon@example.com,+1 415 555 0501
"""


def _profile() -> Profile:
    return Profile(object="contacts", default_region="US", fields=[
        FieldMapping("First Name", "firstname"), FieldMapping("Last Name", "lastname"),
        FieldMapping("Email", "email"), FieldMapping("Phone", "phone")])


def _clean(tmp_path: Path) -> Any:
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE)
    return clean_files([str(path)], _profile())


def _email_of(result: Any, row: int) -> str:
    frame = result.frame
    return str(frame[frame["_source"] == f"people.csv:{row}"].iloc[0]["email"])


def test_a_placeholder_shared_by_three_people_is_left_out_of_every_row(tmp_path: Path) -> None:
    result = _clean(tmp_path)
    # Lena's two rows are still one person (same name and phone, found by fuzzy matching);
    # Omar and Mia stay themselves
    assert [1, 4] in result.duplicate_groups
    assert not any(2 in g or 3 in g for g in result.duplicate_groups)
    assert all(_email_of(result, row) == "" for row in (1, 2, 3))
    problems = {i.row: i for i in result.issues if i.field == "email" and "different people" in i.problem}
    assert sorted(problems) == [1, 2, 3, 4]
    assert problems[2].column == "Email" and problems[2].value == "noemail@noemail.com"
    assert "shared by 3 different people" in problems[2].problem


def test_an_inbox_two_people_share_stays_with_the_first(tmp_path: Path) -> None:
    result = _clean(tmp_path)
    assert not any(5 in g or 6 in g for g in result.duplicate_groups)
    assert _email_of(result, 5) == "info@acme.com" and _email_of(result, 6) == ""
    [issue] = [i for i in result.issues if i.row == 6 and i.field == "email"]
    assert "also the address of row 5, a different person" in issue.problem


def test_one_persons_rows_still_merge_on_their_address(tmp_path: Path) -> None:
    """A nickname, a married name, a row without a name: one person, merged as before."""
    result = _clean(tmp_path)
    for group in ([7, 8], [9, 10], [11, 12]):
        assert group in result.duplicate_groups
    assert not [i for i in result.issues if i.row in (7, 8, 9, 10, 11, 12)
                and "different" in i.problem]


def test_the_people_reach_the_sandbox_as_their_own_contacts(sandbox_server: Any, tmp_path: Path) -> None:
    from crm_migrate.push.runner import start_push
    from tests.push.conftest import all_records

    path = tmp_path / "people.csv"
    path.write_text(PEOPLE)
    summary = start_push(paths=[str(path)], profile=_profile(), profile_path=None,
                         target="sandbox", url=sandbox_server.url,
                         journal_path=tmp_path / "run.journal")
    assert summary.exit_code == 0, summary.message
    names = sorted(f"{r['properties'].get('firstname')} {r['properties'].get('lastname')}"
                   for r in all_records(sandbox_server.url))
    # 12 rows: Lena twice, Jon/Jonathan, Anna Stone/Lee-Stone, the nameless row with Kai's
    assert len(names) == 8
    assert {"Omar Okafor", "Mia Park", "Ben Holt", "Anna Lee"} <= set(names)
