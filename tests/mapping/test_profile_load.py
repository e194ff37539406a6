"""Profiles: YAML/JSON load and save, strict checks with one-line errors naming the key."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from crm_migrate.errors import ProfileError
from crm_migrate.mapping.profile import (
    DedupeSettings,
    FieldMapping,
    Profile,
    load_profile,
    save_profile,
)

GOOD = """\
version: 1
object: contacts
default_region: us
fields:
  - column: "E-mail Address"
    field: email
  - column: "Full Name"
    split_into: [firstname, lastname]
  - column: "Business Phone"
    field: phone
    transforms: [{phone: {region: US}}]
  - column: "Notes"
    field: null
dedupe:
  threshold: 0.9
  survivorship: {phone: newest}
"""


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_the_contract_example(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, GOOD))
    assert profile.object == "contacts"
    assert profile.default_region == "US"
    assert [m.column for m in profile.fields] == ["E-mail Address", "Full Name", "Business Phone", "Notes"]
    assert profile.fields[1].split_into == ["firstname", "lastname"]
    assert profile.fields[2].transforms == [{"phone": {"region": "US"}}]
    assert profile.fields[3].field is None
    assert profile.dedupe.threshold == 0.9 and profile.dedupe.survivorship == {"phone": "newest"}
    assert profile.mapped_fields() == ["email", "firstname", "lastname", "phone"]


def test_save_and_load_round_trip_yaml_and_json(tmp_path: Path) -> None:
    profile = Profile(
        object="deals",
        fields=[FieldMapping("Deal", "dealname", confidence=0.97),
                FieldMapping("Stage", "dealstage", transforms=[{"map_values": {"mapping": {"Won": "closedwon"}}}])],
        default_region="DE",
        date_format="dayfirst",
        dedupe=DedupeSettings(enabled=False),
    )
    for name in ("p.yaml", "p.json"):
        path = tmp_path / name
        save_profile(profile, path)
        assert load_profile(path) == profile
    assert (tmp_path / "p.yaml").read_text(encoding="utf-8").startswith("# crm-migrate mapping profile")
    json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("field: email", "feild: email"), "fields[0] (column 'E-mail Address'): unknown key 'feild'"),
        (GOOD.replace("object: contacts", "object: people"), "object: unknown object 'people'"),
        (GOOD.replace("version: 1", "version: 7"), "version 7 is not supported"),
        (GOOD.replace("version: 1", "version: one"), "version must be a whole number"),
        (GOOD + "colour: blue\n", "unknown key 'colour'"),
        (GOOD + "1: x\n2: y\nzz: z\n", "unknown key '1'"),
        (GOOD.replace("{phone: {region: US}}", "{phone: {regio: US}}"),
         "fields[2] (column 'Business Phone').transforms: transform 'phone': unknown argument 'regio'"),
        (GOOD.replace("[{phone: {region: US}}]", "[telephone]"), "unknown transform 'telephone'"),
        (GOOD.replace("split_into: [firstname, lastname]", "split_into: firstname"),
         "split_into must be a list of field names"),
        (GOOD.replace("  - column: \"Notes\"\n    field: null\n", "  - column: \"Notes\"\n"),
         "fields[3] (column 'Notes'): needs 'field'"),
        (GOOD.replace("default_region: us", "default_region: Narnia"), "default_region"),
        (GOOD.replace("threshold: 0.9", "threshold: high"), "dedupe.threshold must be a number"),
        (GOOD.replace("{phone: newest}", "{phone: loudest}"), "dedupe.survivorship.phone: unknown rule"),
        (GOOD.replace('"Notes"', '"E-mail Address"'), "listed twice"),
        ("fields: [\n", "not valid YAML at line"),
        ("- just\n- a list\n", "must be a mapping"),
        ("version: 1\nobject: contacts\n", "missing key 'fields'"),
    ],
)
def test_bad_profiles_give_one_line_naming_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    line = str(info.value)
    assert "\n" not in line
    assert line.startswith(str(path))
    assert message in line


def test_json_profiles_and_their_syntax_errors(tmp_path: Path) -> None:
    data = {"version": 1, "object": "companies", "fields": [{"column": "Domain", "field": "domain"}]}
    assert load_profile(write(tmp_path, json.dumps(data), "p.json")).fields[0].field == "domain"
    with pytest.raises(ProfileError, match="not valid JSON at line 1"):
        load_profile(write(tmp_path, "{nope", "q.json"))


def test_missing_profile(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="profile not found"):
        load_profile(tmp_path / "absent.yaml")


def test_extra_keys_kept(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, GOOD + "description: monthly import\nx-team: sales\n"))
    assert profile.extra == {"description": "monthly import", "x-team": "sales"}


BOMB = """\
version: 1
object: contacts
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
fields:
  - column: Email
    field: email
"""


def cli_error(capsys: pytest.CaptureFixture[str], profile: Path, tmp_path: Path) -> str:
    """`crm-migrate clean` with this profile: exit 2 and one line, no traceback."""
    from crm_migrate.cli import run

    data = tmp_path / "in.csv"
    data.write_text("Email\na@x.com\n")
    code = run(["clean", str(data), "--profile", str(profile), "--out", str(tmp_path / "o.csv")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize(("text", "says"), [
    ("version: 1\nobject: contacts\nfields: []\n", "'fields' is empty"),
    (BOMB, "aliases"),
])
def test_hostile_profiles_get_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       text: str, says: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    assert says in cli_error(capsys, path, tmp_path)


def test_a_fifo_given_as_the_profile_is_refused_without_blocking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)  # nobody writes to it: reading it would block forever
    assert "not a regular file" in cli_error(capsys, fifo, tmp_path)


def test_an_oversized_profile_is_refused_before_parsing(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("version: 1\nobject: contacts\n# " + "x" * (2 << 20) + "\nfields: []\n")
    assert "at most" in cli_error(capsys, path, tmp_path)
