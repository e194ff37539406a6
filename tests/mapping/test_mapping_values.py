"""Values as evidence of their own: headers that say nothing, other languages, saying no, evidence labels."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from crm_migrate.mapping.evidence import country_code, gather, subdivision_country
from crm_migrate.mapping.suggest import Suggestion, guess_object, suggest_mappings
from crm_migrate.mapping.valueprofile import is_owner_column, postcode_share
from crm_migrate.sources import load
from crm_migrate.table import Detection, SourceTable

HOMEGROWN = Path(__file__).resolve().parent.parent / "data" / "headers_homegrown"


def table(columns: dict[str, list[str]]) -> SourceTable:
    frame = pd.DataFrame(columns, dtype=object)
    frame.index = range(1, len(frame) + 1)
    return SourceTable(frame=frame, detection=Detection(path="x.csv", format="csv"), label="x.csv")


def by_column(tab: SourceTable, object_name: str = "contacts") -> dict[str, Suggestion]:
    return {s.column: s for s in suggest_mappings(tab, object_name)}


def target(s: Suggestion) -> object:
    return list(s.split_into) if s.split_into else s.field


def test_homegrown_corpus_is_mapped_without_confident_mistakes() -> None:
    total = right = confident_wrong = 0
    for path in sorted(HOMEGROWN.glob("*.csv")):
        tab = load(path)
        expected = yaml.safe_load(path.with_suffix(".yaml").read_text(encoding="utf-8"))
        assert guess_object(tab) == expected["object"], path.name
        got = by_column(tab, expected["object"])
        assert set(got) == set(expected["columns"]), path.name
        for column, want in expected["columns"].items():
            total += 1
            if target(got[column]) == want:
                right += 1
            elif got[column].confidence >= 0.9:
                confident_wrong += 1
    assert total >= 200
    assert right / total >= 0.95
    assert confident_wrong == 0


PEOPLE = {
    "Field1": ["Patricia", "Steven", "Jennifer", "Richard", "Karen", "Daniel"],
    "Field2": ["Holloway", "Alvarez", "Whitaker", "Novak", "Chen", "Brooks"],
    "Field3": ["Holloway Insurance Agency", "Alvarez Landscaping", "Novak Tool & Die", "Chen Dental",
               "Brooks Realty", "Foster Bakery"],
    "Field4": ["1420 Oak Ave", "88 Cedar St", "2215 Willamette St", "500 Industrial Way", "301 Main St",
               "77 River Rd"],
    "Field5": ["Eugene", "Salem", "Eugene", "Springfield", "Corvallis", "Albany"],
    "Field6": ["97401", "97301", "97405", "97477", "97330", "97321"],
    "Field7": ["03/11/1962", "07/24/1975", "12/02/1980", "05/30/1958", "09/15/1971", "01/08/1984"],
}


def test_meaningless_headers_defer_to_values() -> None:
    got = by_column(table(PEOPLE))
    assert {c: s.field for c, s in got.items()} == {
        "Field1": "firstname", "Field2": "lastname", "Field3": "company", "Field4": "address",
        "Field5": "city", "Field6": "zip", "Field7": "date_of_birth"}
    assert all(s.confidence < 0.9 and s.evidence == "values" for s in got.values())


def test_spreadsheet_letters_are_no_header_either() -> None:
    renamed = dict(zip("ABCDEFG", PEOPLE.values(), strict=True))
    assert [s.field for s in suggest_mappings(table(renamed), "contacts")] == [
        "firstname", "lastname", "company", "address", "city", "zip", "date_of_birth"]


def test_dates_of_recent_years_are_not_birth_dates() -> None:
    tab = table({"Field1": ["2024-01-08", "2024-02-11", "2023-12-01", "2024-03-05"]})
    assert by_column(tab)["Field1"].field is None


def test_running_numbers_are_not_postcodes() -> None:
    tab = table({"Field1": ["10231", "10232", "10233", "10234", "10235"],
                 "Field2": ["Eugene", "Salem", "Albany", "Bend", "Medford"]})
    assert by_column(tab)["Field1"].field is None


@pytest.mark.parametrize(
    ("header", "values", "field"),
    [
        ("Förnamn", ["Anna", "Erik", "Maria"], "firstname"),
        ("Efternamn", ["Lindqvist", "Johansson", "Karlsson"], "lastname"),
        ("Postnummer", ["114 55", "411 19", "211 41"], "zip"),
        ("Postort", ["Stockholm", "Göteborg", "Malmö"], "city"),
        ("Län", ["Stockholms län", "Skåne län", "Uppsala län"], "state"),
        ("Fødselsdato", ["12-03-1974", "05-11-1969", "28-07-1988"], "date_of_birth"),
        ("Sukunimi", ["Virtanen", "Korhonen", "Mäkinen"], "lastname"),
        ("Matkapuhelin", ["040 123 4567", "050 234 5678", "044 345 6789"], "mobilephone"),
        ("Nazwisko", ["Nowak", "Wiśniewski", "Wójcik"], "lastname"),
        ("Województwo", ["mazowieckie", "pomorskie", "łódzkie"], "state"),
        ("Kod pocztowy", ["00-514", "80-831", "90-006"], "zip"),
        ("Příjmení", ["Novák", "Svobodová", "Dvořák"], "lastname"),
        ("PSČ", ["120 00", "602 00", "702 00"], "zip"),
        ("Soyad", ["Yılmaz", "Demir", "Kaya"], "lastname"),
        ("Ülke", ["Türkiye", "Türkiye", "Türkiye"], "country"),
        ("Razão Social", ["Oliveira Alimentos Ltda", "Santos & Filhos", "Lima Tecnologia Eireli"], "company"),
        ("UF", ["SP", "RJ", "RS"], "state"),
        ("Natel", ["079 123 45 67", "078 234 56 78", "076 345 67 89"], "mobilephone"),
        ("Razón social", ["Fernández Hnos. S.R.L.", "Estudio Rodríguez", "Agro López S.A."], "company"),
    ],
)
def test_more_languages(header: str, values: list[str], field: str) -> None:
    assert by_column(table({header: values}))[header].field == field


def test_one_word_two_languages_values_decide() -> None:
    """"Kraj" is the country in Polish and the region in Czech."""
    polish = table({"Kraj": ["Polska", "Polska", "Polska"]})
    czech = table({"Kraj": ["Jihomoravský kraj", "Olomoucký kraj", "Plzeňský kraj"]})
    assert by_column(polish)["Kraj"].field == "country"
    assert by_column(czech)["Kraj"].field == "state"


def test_country_and_region_names_come_from_pycountry() -> None:
    assert country_code("Sverige") == "SE"
    assert country_code("Česká republika") == "CZ"
    assert country_code("Suomi") == "FI"
    assert subdivision_country("Hlavní město Praha") == "CZ"
    assert subdivision_country("Region Midtjylland") == "DK"
    assert subdivision_country("Northeast") is None
    assert postcode_share(["00-514", "80-831"], "PL") == 1.0
    assert postcode_share(["EC1M 5RN", "80687", "3089 JH", "111 34", "1269-046"], "GB") == 1.0
    assert postcode_share(["Main St", "80687"], None) == 0.5


OWNERS = ["Jan Kowalski", "Ewa Zielińska"] * 5


def test_saying_no_to_an_owner_column() -> None:
    assert is_owner_column(gather(OWNERS))
    tab = table({"Name": ["Anna Nowak", "Piotr Wiśniewski", "Agnieszka Wójcik", "Tomasz Kamiński", "Paweł Woźniak",
                          "Ewelina Dąbrowska", "Joanna Szymańska", "Krzysztof Zieliński", "Marek Lis", "Olga Bąk"],
                 "Opiekun": OWNERS, "Field9": OWNERS})
    got = by_column(tab)
    assert got["Name"].split_into == ["firstname", "lastname"]
    assert got["Opiekun"].field is None and not got["Opiekun"].split_into
    assert got["Field9"].field is None and not got["Field9"].split_into
    assert "owner" in got["Field9"].reason


def test_a_large_files_own_first_names_are_not_an_owner_column() -> None:
    """20,000 contacts over a few hundred first names (a national register, a generated file): a
    tenth of a sample's rows are distinct, as a sales team's are; the header and the values say first
    name, so the column keeps its field (the dedupe benchmark's 1M-row clean had run without them)."""
    import random

    from crm_migrate.mapping.names import GIVEN_NAMES

    rng = random.Random(5)
    given = sorted(n.title() for n in GIVEN_NAMES if n.isalpha() and len(n) > 3)
    for vocabulary in (28, 215):
        names = rng.sample(given, vocabulary)
        rows = 20_000
        firsts = [rng.choice(names) for _ in range(rows)]
        lasts = [f"Surname{rng.randrange(5_000)}" for _ in range(rows)]
        got = by_column(table({"First Name": firsts, "Last Name": lasts}))
        assert got["First Name"].field == "firstname", (vocabulary, got["First Name"].reason)
    # the values alone: two hundred given names are no sales team, a handful are
    assert not is_owner_column(gather([rng.choice(given[:215]) for _ in range(5_000)]))
    assert is_owner_column(gather([rng.choice(given[:6]) for _ in range(5_000)]))
    assert is_owner_column(gather(OWNERS * 500))


def test_saying_no_to_sales_regions_under_a_region_header() -> None:
    tab = table({"Region": ["Northeast", "Midwest", "Southwest", "Northeast", "EMEA North", "Southeast"]})
    s = by_column(tab)["Region"]
    assert s.field is None
    assert by_column(table({"Region": ["Bayern", "Hessen", "Sachsen", "Bayern"]}))["Region"].field == "state"


def test_saying_no_to_free_text_under_a_closed_set_field() -> None:
    notes = ["Called twice, no answer, try again next week", "Wants a quote for the spring season please",
             "Met at the trade fair in Hanover last year", "Asked for the catalogue and a price list"]
    for header in ("Status", "Lifecycle Stage"):
        assert by_column(table({header: notes}))[header].field is None


def test_saying_no_to_an_email_column_in_a_companies_file() -> None:
    tab = table({"Firma": ["Bergmann AG", "Huber Elektro AG", "Rhein Logistik AG"],
                 "E-Mail": ["info@bergmann.ch", "office@huber.ch", "dispo@rhein.ch"]})
    assert by_column(tab, "companies")["E-Mail"].field is None


def test_evidence_says_header_values_or_both() -> None:
    tab = table({"E-mail": ["a@x.com", "b@y.org", "c@z.net"], "Field2": ["a@x.com", "b@y.org", "c@z.net"],
                 "Company": ["Acme", "Globex", "Initech"], "Column 4": ["x", "", "y"]})
    got = by_column(tab)
    assert (got["E-mail"].field, got["E-mail"].evidence) == ("email", "both")
    assert (got["Company"].field, got["Company"].evidence) == ("company", "header")
    assert got["Field2"].field is None  # the one email field went to the column whose header says so
    blank = by_column(table({"Field1": ["Anna", "Erik", "Maria"], "Field2": ["", "", ""]}))
    assert (blank["Field1"].field, blank["Field1"].evidence) == ("firstname", "values")
    assert blank["Field2"].evidence == "values" and blank["Field2"].reason == "empty column"
