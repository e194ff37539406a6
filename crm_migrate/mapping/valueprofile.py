"""Values as evidence of their own: what a column holds, read without its header.

A column whose header says nothing (`Field3`, `Column 7`, `C`) or nothing we know is
mapped from its value profile (evidence.Evidence) and its neighbours: given names from
the name lists, a surname column beside them, postcodes by country pattern, a town
beside a postcode, subdivisions and countries from pycountry, birth dates by their
years, company names by legal forms and trade words. Such suggestions stay below the
confidence line (< 0.9): the user checks them. The same profile says no: a name column
that repeats a few names over many rows is an owner, a "region" of sales territories
is not a subdivision, free text does not fill a closed-set field.
"""

from __future__ import annotations

import re

from crm_migrate.mapping.evidence import Evidence
from crm_migrate.mapping.matching import Candidates

# postcode shapes by country (ISO alpha-2); a column fits a country when most values match
POSTCODE_BY_COUNTRY: dict[str, re.Pattern[str]] = {
    code: re.compile(pattern, re.I) for code, pattern in {
        "US": r"\d{5}(-\d{4})?", "DE": r"\d{5}", "FR": r"\d{5}", "IT": r"\d{5}", "ES": r"\d{5}",
        "FI": r"\d{5}", "TR": r"\d{5}", "MX": r"\d{5}", "AT": r"\d{4}", "CH": r"\d{4}", "DK": r"\d{4}",
        "NO": r"\d{4}", "BE": r"\d{4}", "LU": r"\d{4}", "HU": r"\d{4}", "AU": r"\d{4}",
        "NL": r"\d{4} ?[A-Z]{2}", "SE": r"\d{3} ?\d{2}", "CZ": r"\d{3} ?\d{2}", "SK": r"\d{3} ?\d{2}",
        "GR": r"\d{3} ?\d{2}", "PL": r"\d{2}-\d{3}", "PT": r"\d{4}-\d{3}", "BR": r"\d{5}-?\d{3}",
        "AR": r"([A-Z]\d{4}[A-Z]{3}|\d{4})", "GB": r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}",
        "IE": r"[A-Z]\d[\dW] ?[A-Z\d]{4}", "CA": r"[A-Z]\d[A-Z] ?\d[A-Z]\d", "IN": r"\d{6}",
    }.items()
}
CLOSED_SET_FIELDS = frozenset({"lifecyclestage", "dealstage", "hs_lead_status", "industry", "pipeline"})
PERSON_NAME_FIELDS = frozenset({"firstname", "lastname", "_fullname", "_split"})
# a values-only suggestion never reaches the confidence line
VALUES_CAP = 0.85
# what a contradicting value profile leaves of a header's score: below MIN_SCORE, so left out
SAY_NO = 0.45
# the most distinct people an owner column of given names holds (sales reps of one export)
OWNER_TEAM = 40


def postcode_share(values: list[str], region: str | None) -> float:
    """Share of non-empty values shaped like a postcode of the region, else of any known country."""
    filled = [v.strip() for v in values if v.strip()]
    if not filled:
        return 0.0
    def share(patterns: list[re.Pattern[str]]) -> float:
        return sum(1 for v in filled if any(p.fullmatch(v) for p in patterns)) / len(filled)

    fit = share([POSTCODE_BY_COUNTRY[region]]) if region in POSTCODE_BY_COUNTRY else 0.0
    # a file of many countries: each value may follow its own country's shape
    return fit if fit >= 0.8 else share(list(POSTCODE_BY_COUNTRY.values()))


def is_owner_column(ev: Evidence) -> bool:
    """People's names repeated over many rows: the record's owner or sales rep, not the contact."""
    named = max(ev.share("person"), ev.share("knownperson"), ev.share("given"))
    places = max(ev.share("country"), ev.share("subdivision"), ev.share("salesregion"))
    # "the same few names": contacts' own first names repeat too (74 over 218 rows in an Outlook
    # export), so few means a handful, or a tenth of the rows in a large file
    if not (named >= 0.6 and places < 0.3 and ev.non_empty >= 6 and ev.distinct <= max(3, 0.1 * ev.non_empty)):
        return False
    # a sales team is a handful of people; a large file's own first names are hundreds of distinct
    # values that are each a tenth of a percent of its rows (a 5,000-row sample of a Polish or
    # a generated file: 200-500), so many distinct names are an owner column only as full names
    return ev.distinct <= OWNER_TEAM or max(ev.share("person"), ev.share("knownperson")) >= 0.6


def single_given_names(ev: Evidence) -> bool:
    """Values that are one given name each ("Anna"), not a person's whole name ("Anna Nowak")."""
    return ev.share("given") >= 0.6 and max(ev.share("person"), ev.share("words")) < 0.3


def value_veto(field_name: str, ev: Evidence) -> tuple[float, str] | None:
    """A factor and why, when the values contradict the field a header or value suggested."""
    # a header that says first name over single given names is the contact's own first name
    # however few names the file uses; an owner column is vetoed where it is named a person's name
    if field_name in PERSON_NAME_FIELDS and is_owner_column(ev) and not (
            field_name == "firstname" and single_given_names(ev)):
        return SAY_NO, f"only {ev.distinct} names over {ev.non_empty} rows: an owner or sales rep"
    if field_name == "state" and ev.share("salesregion") >= 0.5 and ev.share("subdivision") < 0.3:
        return SAY_NO, "values are sales regions, not states or provinces"
    if field_name == "state" and ev.share("country") >= 0.6 and ev.share("subdivision") < 0.3:
        return 0.7, "values are countries, not states or provinces"  # Polish "Kraj"
    if field_name == "country" and ev.share("subdivision") >= 0.6 and ev.share("country") < 0.3:
        return 0.7, "values are regions, not countries"  # Czech "Kraj"
    if field_name in CLOSED_SET_FIELDS and ev.share("freetext") >= 0.5:
        return SAY_NO, f"values are free text, not {field_name} options"
    return None


def _looks_like_names(ev: Evidence) -> bool:
    """Single capitalised words of text: first names, surnames or towns."""
    return ev.share("text") >= 0.9 and ev.share("freetext") < 0.2 and ev.share("business") < 0.2


def _postcodes(ev: Evidence, values: list[str], region: str | None) -> float:
    """How much a column is postcodes: by shape, never a running number or phone numbers."""
    if ev.sequential or ev.share("phone") >= 0.5 or ev.share("date") >= 0.3 or ev.distinct < 2:
        return 0.0
    return postcode_share(values, region)


def _town_like(ev: Evidence) -> bool:
    return (_looks_like_names(ev) and ev.share("given") < 0.3 and ev.share("knownperson") < 0.3
            and ev.share("country") < 0.3 and ev.share("salesregion") < 0.3 and ev.share("email") == 0)


def value_candidates(
    columns: list[str], evidence: dict[str, Evidence], values: dict[str, list[str]],
    object_name: str, region: str | None,
) -> dict[str, Candidates]:
    """Per column, the fields its values (and its neighbours') speak for, each below the confidence line."""
    postcode = {c: _postcodes(evidence[c], values[c], region) for c in columns}
    given = {c: evidence[c].share("given") >= 0.6 and _looks_like_names(evidence[c]) for c in columns}
    street = {c: evidence[c].share("street") >= 0.6 and evidence[c].share("phone") < 0.3 and postcode[c] < 0.5
              for c in columns}  # "2161 AB" is a Dutch postcode, not "12 Main"
    out: dict[str, Candidates] = {}
    for i, column in enumerate(columns):
        ev = evidence[column]
        if not ev.non_empty:
            continue
        near = [columns[j] for j in (i - 1, i + 1) if 0 <= j < len(columns)]
        cands: Candidates = {}

        def add(name: str, score: float, why: str, cands: Candidates = cands) -> None:
            score = min(score, VALUES_CAP)
            if score > cands.get(name, (0.0, ""))[0]:
                cands[name] = (score, why)

        n = ev.share
        if is_owner_column(ev):
            add("_ignore", 0.8, f"only {ev.distinct} names over {ev.non_empty} rows: an owner or sales rep")
            out[column] = cands
            continue
        company_field = "name" if object_name == "companies" else "company"
        if n("business") >= 0.4 and n("knownperson") < 0.3 and object_name != "deals":
            add(company_field, 0.6 + 0.25 * n("business"), f"{n('business'):.0%} of values are company names")
        if street[column] and n("date") < 0.3:
            add("address", 0.62 + 0.2 * n("street"), f"{n('street'):.0%} of values are street addresses")
        if postcode[column] >= 0.8:
            beside = any(street[c] or _town_like(evidence[c]) for c in near)
            add("zip", 0.72 if beside else 0.66,
                "values are postcodes" + (" beside an address or town" if beside else ""))
        if _town_like(ev) and any(postcode[c] >= 0.8 for c in near) and n("subdivision") < 0.8:
            add("city", 0.7, "names beside a postcode column: towns")
        if n("subdivision") >= 0.8 and n("country") < 0.5:
            add("state", 0.68, f"{n('subdivision'):.0%} of values are states, regions or provinces")
        elif n("subcode") >= 0.9 and any(postcode[c] >= 0.8 or _town_like(evidence[c]) for c in near):
            add("state", 0.64, "region codes beside a town or postcode")
        if object_name == "contacts":
            if given[column]:
                add("firstname", 0.55 + 0.3 * n("given"), f"{n('given'):.0%} of values are given names")
            elif _looks_like_names(ev) and n("given") < 0.3 and n("word") + n("surname") >= 0.7 and \
                    ev.unique_share >= 0.6 and n("country") < 0.3 and n("subdivision") < 0.5 and \
                    (any(given[c] for c in near) or n("surname") >= 0.6):
                add("lastname", 0.68 + 0.1 * n("surname"), "surnames" + (
                    " beside a first-name column" if any(given[c] for c in near) else ""))
            if n("date") >= 0.8 and ev.date_role == "birth":
                add("date_of_birth", 0.72, "dates whose years are birth years")
        if cands:
            out[column] = cands
    return out
