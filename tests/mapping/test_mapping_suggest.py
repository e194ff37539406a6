"""The auto-mapper: synonyms, value evidence, one-to-one conflicts, composite columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from crm_migrate.mapping.suggest import Suggestion, guess_object, suggest_mappings
from crm_migrate.schema import builtin_schema
from crm_migrate.sources import load
from crm_migrate.table import Detection, SourceTable

CORPUS = Path(__file__).resolve().parent.parent / "data" / "headers"


def table(columns: dict[str, list[str]]) -> SourceTable:
    frame = pd.DataFrame(columns, dtype=object)
    frame.index = range(1, len(frame) + 1)
    return SourceTable(frame=frame, detection=Detection(path="x.csv", format="csv"), label="x.csv")


def mapped(tab: SourceTable, object_name: str | None = "contacts", **kw: object) -> dict[str, object]:
    out: dict[str, object] = {}
    for s in suggest_mappings(tab, object_name, **kw):  # type: ignore[arg-type]
        out[s.column] = list(s.split_into) if s.split_into else s.field
    return out


def by_column(tab: SourceTable, object_name: str | None = "contacts") -> dict[str, Suggestion]:
    return {s.column: s for s in suggest_mappings(tab, object_name)}


@pytest.mark.parametrize(
    ("header", "values", "field"),
    [
        ("E-mail Address", ["a@x.com", "b@y.org"], "email"),
        ("E-mail 1 - Value", ["a@x.com", "b@y.org"], "email"),
        ("Courriel", ["a@x.fr", "b@y.fr"], "email"),
        ("Correo electrónico", ["a@x.es", "b@y.es"], "email"),
        ("E-mailadres", ["a@x.nl", "b@y.nl"], "email"),
        ("FirstName", ["Ann", "Bob"], "firstname"),
        ("First_Name", ["Ann", "Bob"], "firstname"),
        ("Vorname", ["Jürgen", "Anja"], "firstname"),
        ("Prénom", ["Jean", "Camille"], "firstname"),
        ("Voornaam", ["Jan", "Sanne"], "firstname"),
        ("Nachname", ["Müller", "Weiß"], "lastname"),
        ("Cognome", ["Rossi", "Bianchi"], "lastname"),
        ("Achternaam", ["de Vries", "Jansen"], "lastname"),
        ("Sobrenome", ["Silva", "Costa"], "lastname"),
        ("Handy", ["0171 2345678", "0160 9876543"], "mobilephone"),
        ("Portable", ["06 12 34 56 78", "07 81 23 45 67"], "mobilephone"),
        ("Telemóvel", ["912 345 678", "934 567 890"], "mobilephone"),
        ("Telefoonnummer", ["020 123 4567", "010 765 4321"], "phone"),
        ("Téléphone", ["01 42 68 53 00", "04 72 00 00 00"], "phone"),
        ("Firma", ["ACME GmbH", "Foo AG"], "company"),
        ("Account Name", ["Edge Communications", "Pyramid Inc."], "company"),
        ("Organization 1 - Name", ["Hooli", "Pied Piper"], "company"),
        ("Straße", ["Hauptstraße 12", "Am Markt 3"], "address"),
        ("MailingStreet", ["1 Main St", "5 Broadway"], "address"),
        ("PLZ", ["70173", "01067"], "zip"),
        ("Code postal", ["75002", "69007"], "zip"),
        ("Mailing Zip/Postal Code", ["66045", "78767"], "zip"),
        ("Ort", ["Stuttgart", "Dresden"], "city"),
        ("Città", ["Milano", "Roma"], "city"),
        ("Woonplaats", ["Amsterdam", "Utrecht"], "city"),
        ("Land", ["Deutschland", "Österreich"], "country"),
        ("País", ["España", "México"], "country"),
        ("Geburtsdatum", ["12.03.1968", "05.11.1975"], "date_of_birth"),
        ("Data di nascita", ["10/01/1969", "30/06/1983"], "date_of_birth"),
        ("D.O.B.", ["03/05/1961", "21/11/1990"], "date_of_birth"),
        ("Job Title", ["CEO", "Buyer"], "jobtitle"),
        ("Fonction", ["Gérante", "Consultant"], "jobtitle"),
        ("Web Page", ["http://www.acme.com", "https://x.io"], "website"),
        ("Lifecycle Stage", ["Customer", "Lead"], "lifecyclestage"),
    ],
)
def test_header_synonyms(header: str, values: list[str], field: str) -> None:
    s = by_column(table({header: values}))[header]
    assert s.field == field
    assert s.confidence >= 0.9


def test_values_alone_find_emails_under_a_meaningless_header() -> None:
    tab = table({"Column3": ["ann@acme.com", "bob@foo.org", "cy@bar.net"], "x": ["a@b.com", "c@d.com", "e@f.com"]})
    result = by_column(tab)
    assert result["Column3"].field == "email"
    assert result["Column3"].confidence < 0.9  # values only: worth a look
    assert result["x"].field is None  # one email column only


def test_values_contradicting_the_header_lower_confidence() -> None:
    tab = table({"Email": ["not an email", "still not", "nope"]})
    s = by_column(tab)["Email"]
    assert s.confidence < 0.9


def test_two_email_columns_second_does_not_steal() -> None:
    tab = table({"E-mail 2 Address": ["x@gmail.com", "y@gmail.com"], "E-mail Address": ["a@acme.com", "b@acme.com"]})
    assert mapped(tab) == {"E-mail 2 Address": None, "E-mail Address": "email"}


def test_two_phone_columns_split_by_label() -> None:
    tab = table({"Phone": ["(415) 555-0123", "(212) 555-0100"], "Cell": ["(415) 555-0177", "(212) 555-0199"]})
    assert mapped(tab) == {"Phone": "phone", "Cell": "mobilephone"}


def test_google_phone_values_follow_their_label_columns() -> None:
    tab = table({
        "Phone 1 - Label": ["Mobile", "Mobile"], "Phone 1 - Value": ["+1 312-555-0142", "+1 512-555-0199"],
        "Phone 2 - Label": ["Work", "Work"], "Phone 2 - Value": ["+1 312-555-0100", "+1 512-555-0111"],
    })
    assert mapped(tab) == {"Phone 1 - Label": None, "Phone 1 - Value": "mobilephone",
                           "Phone 2 - Label": None, "Phone 2 - Value": "phone"}


def test_mobile_numbers_by_value_when_there_are_two_phone_columns() -> None:
    tab = table({
        "Telefon": ["+49 30 901820", "+49 89 1234567", "+49 711 123456"],
        "Telefon 2": ["+49 171 2345678", "+49 160 9876543", "+49 1512 3456789"],
        "Land": ["Deutschland"] * 3,
    })
    result = mapped(tab)
    assert result["Telefon"] == "phone"
    assert result["Telefon 2"] == "mobilephone"


def test_business_address_wins_over_home() -> None:
    tab = table({
        "Home City": ["Oakland", "Berkeley"], "Business City": ["San Francisco", "San Jose"],
        "Home Street": ["12 Oak Ln", "3 Elm St"], "Business Street": ["1 Market St", "5 First St"],
    })
    assert mapped(tab) == {"Home City": None, "Business City": "city",
                           "Home Street": None, "Business Street": "address"}


def test_home_address_used_when_business_is_empty() -> None:
    tab = table({"Business City": ["", ""], "Home City": ["Oakland", "Berkeley"]})
    assert mapped(tab) == {"Business City": None, "Home City": "city"}


def test_full_name_is_split_when_there_are_no_first_and_last_columns() -> None:
    tab = table({"Name": ["John Smith", "Mary Jones", "Hans Müller"], "Email": ["a@b.com", "c@d.com", "e@f.de"]})
    s = by_column(tab)["Name"]
    assert s.field is None and s.split_into == ["firstname", "lastname"]


def test_full_name_left_out_beside_first_and_last() -> None:
    tab = table({"Name": ["John Smith", "Mary Jones"], "Given Name": ["John", "Mary"],
                 "Family Name": ["Smith", "Jones"]})
    assert mapped(tab) == {"Name": None, "Given Name": "firstname", "Family Name": "lastname"}


def test_german_name_beside_vorname_is_the_last_name() -> None:
    tab = table({"Vorname": ["Jürgen", "Anja"], "Name": ["Müller", "Schäfer"]})
    assert mapped(tab) == {"Vorname": "firstname", "Name": "lastname"}


def test_ambiguous_first_name_header_holding_whole_names_is_split() -> None:
    tab = table({"Nombre": ["Carlos García", "Lucía Fernández"], "Correo": ["c@g.es", "l@f.es"]})
    assert mapped(tab)["Nombre"] == ["firstname", "lastname"]


def test_city_state_zip_composite() -> None:
    tab = table({"Location": ["Springfield, IL 62704", "Austin, TX 73301", "Denver, CO 80202"]})
    s = by_column(tab)["Location"]
    assert s.split_into == ["city", "state", "zip"]


def test_ids_notes_owners_created_and_empty_columns_are_left_out() -> None:
    tab = table({
        "Record ID": ["101", "102"], "Notes": ["call back", ""], "Contact owner": ["Sam", "Sam"],
        "Create Date": ["2024-01-01", "2024-01-02"], "Email": ["a@b.com", "c@d.com"], "Fax": ["", ""],
        "hs_object_id": ["1", "2"],
    })
    result = mapped(tab)
    assert result == {"Record ID": None, "Notes": None, "Contact owner": None, "Create Date": None,
                      "Email": "email", "Fax": None, "hs_object_id": None}


def test_title_is_a_salutation_or_a_job_title_by_its_values() -> None:
    assert mapped(table({"Title": ["Mr.", "Ms.", "Dr."]}))["Title"] is None
    assert mapped(table({"Title": ["VP Sales", "Buyer", "CTO"]}))["Title"] == "jobtitle"


def test_one_suggestion_per_column_in_order() -> None:
    tab = table({"b": ["1"], "Email": ["a@b.com"], "a": [""]})
    assert [s.column for s in suggest_mappings(tab)] == ["b", "Email", "a"]


def test_custom_properties_of_a_live_schema_are_candidates() -> None:
    schema = builtin_schema("contacts").merge_live(
        [{"name": "customer_tier", "label": "Customer Tier", "type": "enumeration",
          "options": [{"value": "gold", "label": "Gold"}]}]
    )
    tab = table({"Customer Tier": ["Gold", "Silver"], "Email": ["a@b.com", "c@d.com"]})
    result = {s.column: s.field for s in suggest_mappings(tab, "contacts", schema)}
    assert result == {"Customer Tier": "customer_tier", "Email": "email"}
    assert mapped(tab)["Customer Tier"] is None  # not without the live schema


def test_object_fields_only() -> None:
    tab = table({"Deal Name": ["A", "B"], "Contact Email": ["a@b.com", "c@d.com"], "Amount": ["10", "20"]})
    result = mapped(tab, "deals")
    assert result == {"Deal Name": "dealname", "Contact Email": None, "Amount": "amount"}


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ({"First Name": ["A"], "Last Name": ["B"], "Email": ["a@b.com"]}, "contacts"),
        ({"Company name": ["A"], "Domain": ["a.com"], "Industry": ["IT"]}, "companies"),
        ({"Deal Name": ["A"], "Amount": ["1"], "Stage": ["Closed Won"]}, "deals"),
    ],
)
def test_guess_object(columns: dict[str, list[str]], expected: str) -> None:
    assert guess_object(table(columns)) == expected
    assert suggest_mappings(table(columns))  # object_name=None guesses


def test_corpus_accuracy_and_no_confident_mistakes() -> None:
    total = right = confident_wrong = 0
    for path in sorted(CORPUS.glob("*.csv")):
        tab = load(path)
        expected = yaml.safe_load(path.with_suffix(".yaml").read_text(encoding="utf-8"))
        assert guess_object(tab) == expected["object"], path.name
        got = {s.column: s for s in suggest_mappings(tab, expected["object"])}
        assert set(got) == set(expected["columns"]), path.name
        for column, want in expected["columns"].items():
            s = got[column]
            have = list(s.split_into) if s.split_into else s.field
            total += 1
            if have == want:
                right += 1
            elif s.confidence >= 0.9:
                confident_wrong += 1
    assert total >= 400
    assert right / total >= 0.95
    assert confident_wrong == 0


def test_live_properties_do_not_override_explicit_leave_outs() -> None:
    schema = builtin_schema("contacts").merge_live([
        {"name": "hubspot_owner_id", "label": "Contact owner", "type": "enumeration", "hubspotDefined": True},
        {"name": "createdate", "label": "Create Date", "type": "datetime", "hubspotDefined": True},
    ])
    tab = table({"Contact owner": ["Sam Owner", "Pat Owner"], "Create Date": ["2024-01-01", "2024-01-02"]})
    assert {s.column: s.field for s in suggest_mappings(tab, "contacts", schema)} == {
        "Contact owner": None, "Create Date": None}


def test_header_naming_both_name_parts_is_a_split_and_second_lines_are_left_out() -> None:
    tab = table({"Last Name, First Name": ["Smith, John", "Doe, Jane"], "Street 2": ["Suite 5", "Apt 3"]})
    result = mapped(tab)
    assert result == {"Last Name, First Name": ["firstname", "lastname"], "Street 2": None}


def test_social_profile_links_are_not_websites() -> None:
    tab = table({"URL": ["https://www.linkedin.com/in/a", "https://www.linkedin.com/in/b"]})
    assert mapped(tab) == {"URL": None}


def test_guess_companies_from_company_names() -> None:
    tab = table({"Name": ["Acme Inc", "Foo GmbH", "Bar Ltd"], "Website": ["acme.com", "foo.de", "bar.co.uk"],
                 "City": ["Boston", "Berlin", "Leeds"]})
    assert guess_object(tab) == "companies"
    people = table({"Name": ["Ann Lee", "Bob Ray", "Cy Young"], "City": ["Boston", "Berlin", "Leeds"]})
    assert guess_object(people) == "contacts"


def test_contacts_with_a_company_column_are_contacts(tmp_path: Path) -> None:
    """Regression: Inc/LLC names under "Company" beside people's names and emails made it 'companies'."""
    path = tmp_path / "people.csv"
    path.write_text("Full Name,E-mail Address,Company,Phone\n"
                    "John Smith,john@acme.com,Acme Inc,(415) 555-0123\n"
                    "Mary Jones,mary@beta.io,Beta LLC,212-555-0188\n"
                    "Person 12,p12@x.com,Gamma,+1 646 555 0100\n", encoding="utf-8")
    tab = load(path)
    assert guess_object(tab) == "contacts"
    assert mapped(tab, None) == {"Full Name": ["firstname", "lastname"], "E-mail Address": "email",
                                 "Company": "company", "Phone": "phone"}


@pytest.mark.parametrize(
    ("emails", "expected"),
    [
        (["john@acme.com", "mary@beta.io", "pat@gamma.de"], "contacts"),  # people's mailboxes
        (["info@acme.com", "sales@beta.io", "kontakt@gamma.de"], "companies"),  # the firms' mailboxes
    ],
)
def test_company_names_with_emails_are_judged_by_whose_mailboxes(emails: list[str], expected: str) -> None:
    tab = table({"Company": ["Acme Inc", "Beta LLC", "Gamma GmbH"], "Email": emails,
                 "Phone": ["(415) 555-0123", "212-555-0188", "030 1234567"]})
    assert guess_object(tab) == expected


def test_company_list_without_people_is_companies() -> None:
    tab = table({"Company": ["Acme Inc", "Beta LLC", "Gamma GmbH"], "Website": ["acme.com", "beta.io", "gamma.de"],
                 "City": ["Boston", "Austin", "Berlin"]})
    assert guess_object(tab) == "companies"
    tab = table({"Company": ["Acme Inc", "Beta LLC", "Gamma GmbH"], "First Name": ["Ann", "Bob", "Cy"],
                 "Last Name": ["Lee", "Ray", "Young"]})
    assert guess_object(tab) == "contacts"


def test_placeholder_names_do_not_veto_a_full_name_split() -> None:
    """Regression: "Person 12" stand-ins among the names stopped the first/last split."""
    names = ["Ann Lee", "Bob Stone", "Cara Diaz"] + [f"Person {i}" for i in range(12)]
    tab = table({"Full Name": names, "Email": [f"p{i}@example.com" for i in range(15)]})
    got = by_column(tab)["Full Name"]
    assert got.split_into == ["firstname", "lastname"]
    assert got.confidence < 0.9  # stand-ins are no evidence of real names: not a sure split


def test_mostly_non_person_values_still_veto_a_split() -> None:
    values = ["Ann Lee", "Acme Inc", "Beta GmbH", "sales team", "Gamma LLC"]
    tab = table({"Name": values, "Email": [f"p{i}@example.com" for i in range(5)]})
    assert by_column(tab)["Name"].split_into is None
