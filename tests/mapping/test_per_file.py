"""Per-file mappings: files whose columns mean different things keep their own mapping
(`sources: {FILE: {fields: [...]}}`), files that agree share one; the profile round-trips and
validates them, cleaning applies each file's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_migrate.clean.pipeline import clean_tables
from crm_migrate.errors import ProfileError
from crm_migrate.mapping.build import build_profile
from crm_migrate.mapping.profile import load_profile, save_profile
from crm_migrate.mapping.validate import validate_profile
from crm_migrate.schema import builtin_schema
from crm_migrate.sources import load_many

SAMPLES = Path(__file__).resolve().parent.parent.parent / "sample_data"
VCF, OUTLOOK, GOOGLE = (str(SAMPLES / n) for n in
                        ("contacts.vcf", "outlook_contacts.csv", "google_contacts.csv"))


def _fields(mappings: list) -> dict[str, str | None]:  # type: ignore[type-arg]
    return {m.column: m.field for m in mappings}


def test_a_vcard_beside_an_outlook_export_keeps_its_title_as_job_title(tmp_path: Path) -> None:
    tables = load_many([VCF, OUTLOOK])
    profile = build_profile(tables, "contacts")
    shared = _fields(profile.fields)
    assert shared["Job Title"] == "jobtitle" and shared.get("Title") is None  # Outlook: salutation
    own = profile.own_fields("contacts.vcf")
    assert own is not None and _fields(own)["Title"] == "jobtitle"
    assert profile.own_fields("outlook_contacts.csv") is None  # it agrees with the shared
    assert profile.fields_for("outlook_contacts.csv") is profile.fields
    schema = builtin_schema("contacts")
    validate_profile(profile, schema, column_sets=[t.columns for t in tables])
    path = tmp_path / "profile.yaml"
    save_profile(profile, path)
    again = load_profile(path)
    assert _fields(again.fields_for("contacts.vcf"))["Title"] == "jobtitle"
    assert again.to_dict() == profile.to_dict()
    result = clean_tables(tables, again)
    from_vcard = [r for r in result.records if any(m.startswith("contacts.vcf:") for m in r.members)]
    titled = [r for r in from_vcard if r.properties.get("jobtitle")]
    titled_rows = {f"contacts.vcf:{i}" for i, v in tables[0].frame["Title"].items() if str(v).strip()}
    assert len(titled_rows) == 102  # the vCard's TITLE lines
    untitled = [r.members for r in from_vcard if not r.properties.get("jobtitle")
                and titled_rows & set(r.members)]
    assert untitled == []  # every one ends in a record with a job title (merged or not)
    vcard_titles = {line.split(":", 1)[1].strip() for line in
                    Path(VCF).read_text(encoding="utf-8").splitlines() if line.startswith("TITLE")}
    alone = [r for r in titled if len(r.members) == 1]  # not merged with an Outlook row
    assert alone and {r.properties["jobtitle"] for r in alone} <= vcard_titles


def test_files_that_agree_share_one_mapping() -> None:
    profile = build_profile(load_many([OUTLOOK, OUTLOOK]), "contacts")
    assert not any(s.fields for s in profile.sources.values())


def test_a_files_own_mapping_is_checked_like_the_shared_one(tmp_path: Path) -> None:
    path = tmp_path / "profile.yaml"
    path.write_text("version: 1\nobject: contacts\nfields:\n  - {column: Email, field: email}\n"
                    "sources:\n  a.csv:\n    fields:\n      - {column: Mail, field: email}\n"
                    "      - {column: Mail 2, field: emial}\n", encoding="utf-8")
    profile = load_profile(path)
    assert _fields(profile.fields_for("a.csv")) == {"Mail": "email", "Mail 2": "emial"}
    with pytest.raises(ProfileError, match=r"sources\.a\.csv\.fields\[1\].*unknown field 'emial'"):
        validate_profile(profile, builtin_schema("contacts"))
    path.write_text("version: 1\nobject: contacts\nfields: []\nsources:\n  a.csv:\n    fields:\n"
                    "      - {column: Mail, field: email}\n      - {column: Mail, field: phone}\n",
                    encoding="utf-8")
    with pytest.raises(ProfileError, match=r"sources\.a\.csv\.fields\[1\].*listed twice"):
        load_profile(path)


def test_first_names_that_repeat_are_not_an_owner_column() -> None:
    """74 first names over 218 Outlook rows are the contacts' own, not a sales rep's few."""
    from crm_migrate.mapping.suggest import suggest_mappings

    (outlook,) = load_many([OUTLOOK])
    fields = {s.column: s.field for s in suggest_mappings(outlook, "contacts")}
    assert fields["First Name"] == "firstname" and fields["Last Name"] == "lastname"
