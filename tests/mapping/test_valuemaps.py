"""Value maps against a target's options: internal value or folded label (case, accents,
spacing), multi-select parts, owners by e-mail or name, fuzzy look-alikes only suggested; and
the profile checks a live schema brings (pipelines, truncate, read-only fields)."""

from __future__ import annotations

import pytest

from crm_migrate.errors import ProfileError
from crm_migrate.mapping.build import value_map_transforms
from crm_migrate.mapping.profile import FieldMapping, Profile
from crm_migrate.mapping.validate import check_against_target, validate_profile
from crm_migrate.mapping.valuemaps import OptionMatcher, exact_value_map, field_matcher
from crm_migrate.schema import OWNER_FIELD, FieldSpec, Owner, Pipeline, Stage, builtin_schema

INDUSTRY = FieldSpec("industry", "Industry", "enumeration", "select",
                     options=(("COMPUTER_HARDWARE", "Computer Hardware"), ("CAFE", "Café & Bar")),
                     hidden_options=(("TOBACCO", "Tobacco"),))


def test_value_or_folded_label() -> None:
    matcher = OptionMatcher(INDUSTRY.options, INDUSTRY.hidden_options)
    for text in ("COMPUTER_HARDWARE", "computer hardware", " Computer   HARDWARE ", "computer-hardware"):
        found = matcher.match(text)
        assert found is not None and found.value == "COMPUTER_HARDWARE", text
    cafe = matcher.match("cafe bar")
    assert cafe is not None and cafe.value == "CAFE"  # accents and '&' folded
    hidden = matcher.match("tobacco")
    assert hidden is not None and hidden.hidden
    assert matcher.match("Computer Hardwares") is None  # close is not equal: only suggested
    assert matcher.suggestions("Computer Hardwares") == ["COMPUTER_HARDWARE"]


def test_exact_map_multi_select_and_no_fuzzy() -> None:
    regions = FieldSpec("regions", "Regions", "enumeration", "checkbox", multi=True, custom=True,
                        options=(("emea", "EMEA"), ("apac", "Asia Pacific")))
    found = exact_value_map(["EMEA; asia pacific", "emea", "Mars;APAC;Asia"], regions)
    assert found == {"EMEA": "emea", "asia pacific": "apac", "Mars": None, "APAC": "apac", "Asia": None}


def test_owners_by_email_or_name() -> None:
    schema = builtin_schema("deals").with_live(owners=(Owner("7", "ann@acme.example", "Ann Lee"),
                                                       Owner("8", "old@acme.example", "Old", True)))
    spec = schema.fields[OWNER_FIELD]
    matcher = field_matcher(spec, schema)
    assert [getattr(matcher.match(t), "value", None)
            for t in ("ANN@acme.example", "ann lee", "7", "nobody")] == ["7", "7", "7", None]
    archived = matcher.match("old@acme.example")
    assert archived is not None and archived.hidden
    transforms = value_map_transforms(["ann@acme.example", "Zed"], spec, schema)
    assert transforms == [{"map_values": {"mapping": {"ann@acme.example": "7"}}}]


def test_built_in_synonyms_prefill_but_fuzzy_never_does() -> None:
    spec = builtin_schema("contacts").fields["lifecyclestage"]
    transforms = value_map_transforms(["Kunde", "Customer", "Custmer", "lead"], spec,
                                      builtin_schema("contacts"))
    assert transforms == [{"map_values": {"mapping": {"Kunde": "customer", "Customer": "customer"}}}]


def _deals():  # type: ignore[no-untyped-def]
    return builtin_schema("deals").with_live(pipelines=(
        Pipeline("default", "Sales Pipeline", (Stage("closedwon", "Closed Won"),)),
        Pipeline("99", "Renewals", (Stage("1009", "Up for renewal"),))))


def test_pipeline_transform_must_name_a_pipeline_of_the_target() -> None:
    good = Profile(object="deals", fields=[
        FieldMapping("Deal", "dealname"),
        FieldMapping("Stage", "dealstage", transforms=[{"pipeline": "Renewals"}])])
    validate_profile(good, _deals())
    bad = Profile(object="deals", fields=[
        FieldMapping("Stage", "dealstage", transforms=[{"pipeline": "Renewal"}])])
    with pytest.raises(ProfileError, match="'Renewal' is not a pipeline of the target.*did you mean 'Renewals'"):
        check_against_target(bad, _deals())


def test_truncate_needs_a_length_where_the_target_sets_none_and_read_only_is_refused() -> None:
    schema = builtin_schema("contacts").merge_live([
        {"name": "firstname", "type": "string", "fieldType": "text",
         "modificationMetadata": {"readOnlyValue": True}}])
    with pytest.raises(ProfileError, match="truncate needs a length"):
        validate_profile(Profile(object="contacts", fields=[
            FieldMapping("Job", "jobtitle", transforms=["truncate"])]), schema)
    validate_profile(Profile(object="contacts", fields=[
        FieldMapping("Job", "jobtitle", transforms=[{"truncate": 40}]),
        FieldMapping("Last", "lastname", transforms=["truncate"])]), schema)  # lastname has a max
    with pytest.raises(ProfileError, match="'firstname' is read-only on the target"):
        check_against_target(Profile(object="contacts", fields=[FieldMapping("First", "firstname")]),
                             schema)
