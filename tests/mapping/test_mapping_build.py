"""build_profile: suggestions over several files become a valid, editable profile."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crm_migrate.clean.transforms import apply_transforms
from crm_migrate.mapping.build import build_profile, date_transform
from crm_migrate.mapping.profile import load_profile, save_profile
from crm_migrate.mapping.validate import validate_profile
from crm_migrate.schema import builtin_schema
from crm_migrate.table import Detection, SourceTable


def table(label: str, columns: dict[str, list[str]]) -> SourceTable:
    frame = pd.DataFrame(columns, dtype=object)
    frame.index = range(1, len(frame) + 1)
    return SourceTable(frame=frame, detection=Detection(path=label, format="csv"), label=label)


def test_profile_over_two_files(tmp_path: Path) -> None:
    a = table("a.csv", {"Email": ["a@x.com", "b@y.com"], "Name": ["Ann Lee", "Bob Ray"],
                        "Phone": ["030 901820", "089 1234567"], "Land": ["Deutschland", "Deutschland"],
                        "Kundennr": ["1", "2"]})
    b = table("b.csv", {"Email": ["c@z.com"], "Handy": ["0171 2345678"], "Status": ["Kunde"],
                        "Geburtsdatum": ["31.12.1980"]})
    profile = build_profile([a, b], "contacts")
    by_column = {m.column: m for m in profile.fields}
    assert list(by_column) == ["Email", "Name", "Phone", "Land", "Handy", "Status", "Geburtsdatum"]
    assert by_column["Email"].field == "email" and by_column["Email"].transforms == ["email"]
    assert by_column["Name"].split_into == ["firstname", "lastname"]
    assert by_column["Phone"].transforms == ["phone"]
    assert by_column["Status"].transforms == [{"map_values": {"mapping": {"Kunde": "customer"}}}]
    assert by_column["Geburtsdatum"].transforms == [{"date": {"format": "%d.%m.%Y"}}]
    assert all(m.confidence is not None for m in profile.fields)
    assert profile.default_region == "DE"
    validate_profile(profile, builtin_schema("contacts"), column_sets=[a.columns, b.columns])
    path = tmp_path / "p.yaml"
    save_profile(profile, path)
    assert load_profile(path) == profile


def test_region_from_phone_numbers_and_override() -> None:
    t = table("a.csv", {"Telefoon": ["020 123 4567", "010 765 4321"], "Voornaam": ["Jan", "Sanne"]})
    assert build_profile([t], "contacts").default_region == "NL"
    assert build_profile([t], "contacts", region="BE").default_region == "BE"


def test_same_field_from_two_columns_of_one_file_is_kept_once() -> None:
    a = table("a.csv", {"Email": ["a@x.com", "c@x.com"]})
    b = table("b.csv", {"Email": ["", ""], "E-mail": ["b@y.com", ""]})
    profile = build_profile([a, b], "contacts")
    assert [(m.column, m.field) for m in profile.fields] == [("Email", "email")]


def test_date_transform_choices() -> None:
    assert date_transform(["31/12/1980", "01/02/1975"]) == {"date": {"dayfirst": True}}
    assert date_transform(["12/31/1980", "01/02/1975"]) == {"date": {"dayfirst": False}}
    assert date_transform(["1980-12-31"]) == "date"
    assert date_transform(["04.09.2025", "12/31/2025"]) == "date"


def test_shared_column_follows_the_most_confident_file() -> None:
    outlook = table("outlook.csv", {"Title": ["Mr.", "Ms.", "Dr."], "Email": ["a@x.com", "b@x.com", "c@x.com"]})
    vcard = table("cards.vcf", {"Title": ["Buyer", "CTO", "Consultant"], "Email": ["d@x.com", "", "f@x.com"]})
    profile = build_profile([outlook, vcard], "contacts")
    assert [m.column for m in profile.fields] == ["Email"]  # salutations must not become job titles
    empty_first = table("a.csv", {"Title": ["", "", ""]})
    assert [m.field for m in build_profile([empty_first, vcard], "contacts").fields] == ["jobtitle", "email"]


def test_house_number_column_is_joined_to_the_street() -> None:
    t = table("a.csv", {"Straße": ["Hauptstraße", "Am Markt"], "Hausnummer": ["12", "3a"],
                        "E-Mail": ["a@b.de", "c@d.de"]})
    profile = build_profile([t], "contacts")
    street = next(m for m in profile.fields if m.field == "address")
    assert street.transforms == [{"join": {"columns": ["Straße", "Hausnummer"], "separator": " "}}]
    assert "Hausnummer" not in [m.column for m in profile.fields]
    values, _ = apply_transforms(t.frame["Straße"], street.transforms,
                                 columns={c: t.frame[c] for c in t.columns})
    assert values.tolist() == ["Hauptstraße 12", "Am Markt 3a"]
    validate_profile(profile, builtin_schema("contacts"), t.columns)


def test_picklists_get_value_maps_and_a_single_pipeline_takes_every_value() -> None:
    t = table("d.csv", {"Deal Name": ["A", "B", "C"], "Stage": ["Closed Won", "won", "Contract Sent"],
                        "Pipeline": ["Sales Pipeline", "Renewals", "default"]})
    fields = {m.field: m for m in build_profile([t], "deals").fields}
    assert fields["dealstage"].transforms == [{"map_values": {"mapping": {
        "Closed Won": "closedwon", "won": "closedwon", "Contract Sent": "contractsent"}}}]
    assert fields["pipeline"].transforms == [{"map_values": {"mapping": {
        "Sales Pipeline": "default", "Renewals": "default"}}}]  # "default" is the option itself


def test_us_numbers_with_some_german_ones_give_us() -> None:
    """Regression: German numbering accepts "(415) 555-0123" too, so German headers tipped it to DE."""
    phones = ["(415) 555-0123", "212-555-0188", "415.555.0199", "(646) 555-0110", "+49 30 1234567",
              "+49 171 2345678", "(+49) 89 123456", "0049 40 1234567"]
    t = table("a.csv", {"Name": [f"Ann Lee{i}" for i in range(8)], "Telefon": phones,
                        "Firma": ["Acme Inc"] * 8})
    assert build_profile([t], "contacts").default_region == "US"


def test_german_national_numbers_give_de() -> None:
    t = table("a.csv", {"Phone": ["030 1234567", "0171 2345678", "089 123456", "+1 415 555 0123"],
                        "Email": ["a@x.de", "b@y.de", "c@z.de", "d@w.com"]})
    assert build_profile([t], "contacts").default_region == "DE"


def test_no_phones_no_region_unless_a_country_column_says() -> None:
    t = table("a.csv", {"Email": ["a@x.de", "b@y.fr"], "City": ["Berlin", "Paris"]})
    assert build_profile([t], "contacts").default_region is None
    t = table("a.csv", {"Email": ["a@x.de", "b@y.fr", "c@z.fr"], "Country": ["Germany", "France", "France"]})
    assert build_profile([t], "contacts").default_region == "FR"


def test_only_international_numbers_give_no_region() -> None:
    t = table("a.csv", {"Phone": ["+49 30 1234567", "+1 415 555 0123"], "Email": ["a@x.de", "b@y.com"]})
    assert build_profile([t], "contacts").default_region is None


def test_french_layout_beats_other_regions_that_accept_the_digits() -> None:
    t = table("a.csv", {"Phone": ["06 12 34 56 78", "01 23 45 67 89", "04 72 00 00 00"],
                        "Email": ["a@x.fr", "b@y.fr", "c@z.fr"]})
    assert build_profile([t], "contacts").default_region == "FR"
