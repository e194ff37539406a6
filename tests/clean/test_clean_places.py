"""Addresses, countries and websites/domains."""

from __future__ import annotations

import pandas as pd

from crm_migrate.clean.addresses import split_addresses, split_city_state_zip
from crm_migrate.clean.countries import country_code, normalize_countries, regions_from_countries
from crm_migrate.clean.websites import (
    domain_from_email,
    domain_from_website,
    normalize_domains,
    normalize_websites,
)


def test_city_state_zip_patterns() -> None:
    parts = split_city_state_zip(pd.Series(["Springfield, IL 62704", "Austin TX 78701-1234",
                                            "10115 Berlin", "D-80331 München", "London SW1A 1AA",
                                            "Toronto, ON M5V 2T6", "Paris", "123"]))
    assert list(parts["city"]) == ["Springfield", "Austin", "Berlin", "München", "London", "Toronto",
                                   "Paris", ""]
    assert list(parts["state"]) == ["IL", "TX", "", "", "", "ON", "", ""]
    assert list(parts["zip"]) == ["62704", "78701-1234", "10115", "80331", "SW1A 1AA", "M5V 2T6", "", ""]
    assert parts["problems"].tolist()[-1].startswith("could not split")


def test_multi_line_addresses() -> None:
    parts = split_addresses(pd.Series(["1 Main St\nSuite 4\nSpringfield, IL 62704\nUSA",
                                       "Hauptstr. 5\n10115 Berlin\nDeutschland",
                                       "1 Main St, Springfield, IL 62704"]))
    assert list(parts["address"]) == ["1 Main St, Suite 4", "Hauptstr. 5", "1 Main St"]
    assert list(parts["city"]) == ["Springfield", "Berlin", "Springfield"]
    assert list(parts["zip"]) == ["62704", "10115", "62704"]
    assert list(parts["country"]) == ["USA", "Deutschland", ""]


def test_country_names_and_aliases() -> None:
    assert [country_code(c) for c in ["USA", "UK", "Deutschland", "Großbritannien", "Schweiz",
                                      "Österreich", "DEU", "de", "Nowhere"]] == \
        ["US", "GB", "DE", "GB", "CH", "AT", "DE", "DE", None]
    cells = pd.Series(["USA", "Deutschland", "Atlantis", ""])
    assert list(normalize_countries(cells, "alpha2").values) == ["US", "DE", "Atlantis", ""]
    assert list(normalize_countries(cells, "alpha3").values) == ["USA", "DEU", "Atlantis", ""]
    assert list(normalize_countries(cells, "name").values) == ["United States", "Germany", "Atlantis", ""]
    given = normalize_countries(cells, "as_given")
    assert list(given.values) == ["USA", "Deutschland", "Atlantis", ""]
    assert given.problems[2] == "unknown country: kept as given"
    assert list(regions_from_countries(cells, "US")) == ["US", "DE", "US", "US"]


def test_websites_and_domains() -> None:
    result = normalize_websites(pd.Series(["www.Acme.com", "HTTP://Acme.COM/About", "acme", ""]))
    assert list(result.values) == ["https://www.acme.com", "http://acme.com/About", "", ""]
    assert result.problems[2] == "not a website address"
    assert list(normalize_domains(pd.Series(["https://www.Acme.com/x", "acme.co.uk"])).values) == \
        ["acme.com", "acme.co.uk"]
    assert domain_from_website("http://www.acme.com:8080/x") == "acme.com"
    assert domain_from_email("bob@Acme.com") == "acme.com"
    assert domain_from_email("bob@gmail.com") == ""
    assert domain_from_email("bob@web.de") == ""
