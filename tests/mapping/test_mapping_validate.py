"""validate_profile: fields, columns, transforms, clashes and splits against a schema."""

from __future__ import annotations

import pytest

from crm_migrate.errors import ProfileError
from crm_migrate.mapping.profile import FieldMapping, Profile
from crm_migrate.mapping.validate import validate_profile
from crm_migrate.schema import builtin_schema

CONTACTS = builtin_schema("contacts")
COLUMNS = ["E-mail Address", "Full Name", "Business Phone", "City State Zip", "First Name"]


def profile(*fields: FieldMapping, object_name: str = "contacts") -> Profile:
    return Profile(object=object_name, fields=list(fields))


def test_a_good_profile_passes() -> None:
    validate_profile(profile(
        FieldMapping("E-mail Address", "email", transforms=["email"]),
        FieldMapping("Full Name", split_into=["firstname", "lastname"]),
        FieldMapping("First Name", "firstname"),  # beside a split: allowed
        FieldMapping("City State Zip", split_into=["city", "state", "zip"]),
        FieldMapping("Business Phone", "phone", transforms=[{"phone": {"region": "US"}}]),
    ), CONTACTS, COLUMNS)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (FieldMapping("E-mail Address", "emial"), "unknown field 'emial' for contacts; did you mean 'email'"),
        (FieldMapping("Email Adress", "email"), "no such column in the file(s); did you mean 'E-mail Address'"),
        (FieldMapping("Full Name", split_into=["firstname", "city"]), "is not supported"),
        (FieldMapping("Business Phone", "phone", transforms=[{"phone": {"region": 1}}]), "must be str"),
        (FieldMapping("Business Phone", "phone", transforms=[{"join": {"columns": ["Nope"]}}]),
         "join column 'Nope' is not in the file(s)"),
        (FieldMapping("Full Name", "lifecyclestage", transforms=[{"map_values": {"mapping": {"A": "vip"}}}]),
         "'vip', which is not an option of lifecyclestage"),
    ],
)
def test_problems_are_named(mapping: FieldMapping, message: str) -> None:
    with pytest.raises(ProfileError) as info:
        validate_profile(profile(mapping), CONTACTS, COLUMNS, file="p.yaml")
    assert message in str(info.value)
    assert str(info.value).startswith("p.yaml: fields[0]")


def test_two_columns_on_one_field() -> None:
    bad = profile(FieldMapping("E-mail Address", "email"), FieldMapping("Full Name", "email"))
    with pytest.raises(ProfileError, match=r"fields\[1\] \(column 'Full Name'\): field 'email' is already filled"):
        validate_profile(bad, CONTACTS)


def test_two_files_may_fill_one_field_from_differently_named_columns() -> None:
    two = profile(FieldMapping("Email", "email"), FieldMapping("E-mail", "email"))
    validate_profile(two, CONTACTS, column_sets=[["Email", "Name"], ["E-mail", "Name"]])
    with pytest.raises(ProfileError):
        validate_profile(two, CONTACTS, column_sets=[["Email", "E-mail"]])


def test_wrong_object_and_field_of_another_object() -> None:
    with pytest.raises(ProfileError, match="for deals"):
        validate_profile(profile(FieldMapping("x", "dealname"), object_name="deals"), CONTACTS)
    with pytest.raises(ProfileError, match="unknown field 'dealname' for contacts"):
        validate_profile(profile(FieldMapping("x", "dealname")), CONTACTS)


def test_custom_field_of_a_live_schema_is_known() -> None:
    live = CONTACTS.merge_live([{"name": "customer_tier", "label": "Customer Tier", "type": "string"}])
    validate_profile(profile(FieldMapping("Tier", "customer_tier")), live, ["Tier"])
    with pytest.raises(ProfileError):
        validate_profile(profile(FieldMapping("Tier", "customer_tier")), CONTACTS, ["Tier"])
