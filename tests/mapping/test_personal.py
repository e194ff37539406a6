"""Personal and sensitive columns: told by headers in the seven mapping languages and by values;
a sensitive column is never auto-mapped and a profile maps it only when it says so."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from crm_migrate.clean.pipeline import clean_files
from crm_migrate.cli import cli
from crm_migrate.errors import ProfileError
from crm_migrate.mapping.build import build_profile
from crm_migrate.mapping.personal import detect_personal, header_flag, iban_valid, luhn_valid
from crm_migrate.mapping.profile import load_profile, save_profile
from crm_migrate.mapping.suggest import suggest_mappings
from crm_migrate.mapping.validate import check_sensitive
from crm_migrate.table import Detection, SourceTable

# language -> (header, level, kind)
HEADERS = {
    "en": [("E-mail Address", "personal", "email"), ("Last Name", "personal", "name"),
           ("Mobile Phone", "personal", "phone"), ("Date of Birth", "personal", "birth_date"),
           ("Social Security Number", "sensitive", "national_id"),
           ("Medical Conditions", "sensitive", "health"), ("Religion", "sensitive", "religion")],
    "de": [("E-Mail-Adresse", "personal", "email"), ("Nachname", "personal", "name"),
           ("Telefonnummer", "personal", "phone"), ("Geburtsdatum", "personal", "birth_date"),
           ("Steuer-ID", "sensitive", "national_id"), ("Krankheit", "sensitive", "health"),
           ("Konfession", "sensitive", "religion")],
    "fr": [("Courriel", "personal", "email"), ("Prénom", "personal", "name"),
           ("Téléphone portable", "personal", "phone"),
           ("Date de naissance", "personal", "birth_date"),
           ("Numéro de sécurité sociale", "sensitive", "national_id"),
           ("Santé", "sensitive", "health"), ("Religion", "sensitive", "religion")],
    "es": [("Correo electrónico", "personal", "email"), ("Apellidos", "personal", "name"),
           ("Teléfono", "personal", "phone"), ("Fecha de nacimiento", "personal", "birth_date"),
           ("DNI", "sensitive", "national_id"), ("Enfermedad", "sensitive", "health"),
           ("Religión", "sensitive", "religion")],
    "it": [("Indirizzo email", "personal", "email"), ("Cognome", "personal", "name"),
           ("Cellulare", "personal", "phone"), ("Data di nascita", "personal", "birth_date"),
           ("Codice fiscale", "sensitive", "national_id"), ("Malattia", "sensitive", "health"),
           ("Religione", "sensitive", "religion")],
    "pt": [("Endereço de e-mail", "personal", "email"), ("Sobrenome", "personal", "name"),
           ("Telemóvel", "personal", "phone"), ("Data de nascimento", "personal", "birth_date"),
           ("CPF", "sensitive", "national_id"), ("Saúde", "sensitive", "health"),
           ("Religião", "sensitive", "religion")],
    "nl": [("E-mailadres", "personal", "email"), ("Achternaam", "personal", "name"),
           ("Telefoonnummer", "personal", "phone"), ("Geboortedatum", "personal", "birth_date"),
           ("Burgerservicenummer", "sensitive", "national_id"),
           ("Gezondheid", "sensitive", "health"), ("Religie", "sensitive", "religion")],
}


def table(columns: dict[str, list[str]], label: str = "people.csv") -> SourceTable:
    frame = pd.DataFrame(columns, dtype=object)
    frame.index = range(1, len(frame) + 1)
    return SourceTable(frame=frame, detection=Detection(path=label, format="csv"), label=label)


@pytest.mark.parametrize("language", sorted(HEADERS))
def test_headers_in_each_mapping_language(language: str) -> None:
    for header, level, kind in HEADERS[language]:
        flag = header_flag(header, "contacts")
        assert (flag.level, flag.kind) == (level, kind), header


def test_plain_business_headers_are_not_personal() -> None:
    for header in ("Job Title", "Company", "Industry", "Lifecycle Stage", "Notes", "Amount",
                   "Customer since", "Account Number"):
        assert header_flag(header, "contacts").level is None, header


def test_company_headers_are_personal_only_for_people() -> None:
    assert header_flag("Phone", "companies").level is None
    assert header_flag("Name", "companies").level is None
    assert header_flag("Email", "companies").kind == "email"


def test_check_digits() -> None:
    assert iban_valid("DE89 3704 0044 0532 0130 00") and iban_valid("GB82WEST12345698765432")
    assert not iban_valid("DE89 3704 0044 0532 0130 01")
    assert luhn_valid("4111 1111 1111 1111") and luhn_valid("5500-0000-0000-0004")
    assert not luhn_valid("4111 1111 1111 1112")


@pytest.mark.parametrize(("values", "level", "kind"), [
    (["DE89370400440532013000", "GB82 WEST 1234 5698 7654 32", "FR1420041010050500013M02606"],
     "sensitive", "bank_account"),
    (["4111111111111111", "5500 0000 0000 0004", "340000000000009"], "sensitive", "card_number"),
    (["078-05-1120", "219-09-9999", "123-45-6789"], "sensitive", "national_id"),
    (["AB123456C", "QQ 12 34 56 A", "JG103759A"], "sensitive", "national_id"),
    (["ann@example.com", "bob@example.org", "carla@example.net"], "personal", "email"),
    (["+14155550123", "(415) 555-0199", "415-555-0142"], "personal", "phone"),
    (["Ann Lee", "Bob Ray", "Carla Díaz"], "personal", "name"),
    (["red", "green", "blue"], None, None),
    (["4111111111111112", "5500000000000005", "1234567890123"], None, None),
])
def test_value_only_columns(values: list[str], level: str | None, kind: str | None) -> None:
    flag = detect_personal("Column 7", values, "contacts")
    assert (flag.level, flag.kind) == (level, kind)


def test_sensitive_column_is_never_suggested_or_auto_mapped() -> None:
    people = table({"Email": ["ann@example.com", "bob@example.org"],
                    "Phone": ["+14155550123", "+14155550199"],
                    "SSN": ["078-05-1120", "219-09-9999"],
                    "Field 4": ["DE89370400440532013000", "GB82WEST12345698765432"]})
    by_column = {s.column: s for s in suggest_mappings(people, "contacts")}
    assert by_column["SSN"].field is None and by_column["SSN"].personal.sensitive
    assert "map it on purpose" in by_column["SSN"].reason
    assert by_column["Field 4"].to_dict()["personal_data"] == "sensitive"
    assert by_column["Email"].to_dict()["personal_kind"] == "email"
    profile = build_profile([people], "contacts")
    assert {m.column for m in profile.fields} == {"Email", "Phone"}


def test_a_sensitive_mapping_needs_the_profiles_consent(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("Email,Tax ID\nann@example.com,DE123\nbob@example.org,DE456\n")
    profile_path = tmp_path / "p.yaml"
    profile_path.write_text("version: 1\nobject: contacts\nfields:\n"
                            "  - {column: Email, field: email}\n"
                            "  - {column: Tax ID, field: tax_id__c}\n")
    profile = load_profile(profile_path)
    with pytest.raises(ProfileError, match="sensitive data .*sensitive: true"):
        check_sensitive(profile, [table({"Email": ["a@b.co"], "Tax ID": ["DE123"]})])
    with pytest.raises(ProfileError, match="Tax ID"):
        clean_files([str(source)], profile)
    profile_path.write_text("version: 1\nobject: contacts\nfields:\n"
                            "  - {column: Email, field: email}\n"
                            "  - {column: Tax ID, field: jobtitle, sensitive: true}\n")
    consented = load_profile(profile_path)
    assert consented.fields[1].sensitive
    check_sensitive(consented, [table({"Email": ["a@b.co"], "Tax ID": ["DE123"]})])
    save_profile(consented, tmp_path / "again.yaml")
    assert "sensitive: true" in (tmp_path / "again.yaml").read_text()
    profile_path.write_text("version: 1\nobject: contacts\nfields:\n"
                            "  - {column: Email, field: email, sensitive: maybe}\n")
    with pytest.raises(ProfileError, match="sensitive must be true or false"):
        load_profile(profile_path)


def test_inspect_json_and_table_show_the_flags(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("E-Mail-Adresse,Religion,Notes\nann@example.com,x,hello\n"
                      "bob@example.org,y,bye\n")
    result = CliRunner().invoke(cli, ["inspect", str(source), "--json"])
    assert result.exit_code == 0, result.output
    columns = {c["name"]: c for c in json.loads(result.output)["columns"]}
    assert (columns["E-Mail-Adresse"]["personal_data"],
            columns["E-Mail-Adresse"]["personal_kind"]) == ("personal", "email")
    assert columns["Religion"]["personal_data"] == "sensitive"
    assert columns["Religion"]["suggested_field"] is None
    assert (columns["Notes"]["personal_data"], columns["Notes"]["personal_kind"]) == (None, None)
    table_out = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["inspect", str(source)])
    assert "sensitive (religion)" in table_out.output and "personal (email)" in table_out.output


def test_plan_leaves_sensitive_columns_out_and_says_so(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("Email,IBAN\nann@example.com,DE89370400440532013000\n"
                      "bob@example.org,GB82WEST12345698765432\n")
    out = tmp_path / "p.yaml"
    result = CliRunner().invoke(cli, ["plan", str(source), "--object", "contacts", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "sensitive data, never mapped for you (IBAN)" in result.output
    assert [m.column for m in load_profile(out).fields] == ["Email"]
