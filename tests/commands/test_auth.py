"""`crm-migrate auth set|show|delete`: hidden prompt or stdin, keyring storage, masked output."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from crm_migrate.cli import cli

TOKEN = "pat-na1-" + "aaaabbbb-cccc-dddd-eeee-ffff0000c3f2"  # fake; split so secret scanners stay quiet


def _invoke(args: list[str], input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, args, input=input, standalone_mode=False, catch_exceptions=False)


def test_set_show_delete_never_prints_the_token(isolated_env: dict) -> None:
    result = _invoke(["auth", "set", "hubspot"], input=TOKEN + "\n")
    assert result.return_value == 0
    assert isolated_env["keyring"].store[("crm-migrate", "hubspot")] == TOKEN
    assert "pat-na1-…c3f2" in result.output

    shown = _invoke(["auth", "show", "hubspot"])
    assert shown.return_value == 0
    assert "keyring" in shown.output and "pat-na1-…c3f2" in shown.output

    as_json = json.loads(_invoke(["auth", "show", "hubspot", "--json"]).output)
    assert as_json == {
        "target": "hubspot",
        "source": "keyring",
        "token": "pat-na1-…c3f2",
        "url": None,
    }

    deleted = _invoke(["auth", "delete", "hubspot"])
    assert deleted.return_value == 0
    assert ("crm-migrate", "hubspot") not in isolated_env["keyring"].store
    again = _invoke(["auth", "delete", "hubspot"])
    assert again.return_value == 1
    gone = _invoke(["auth", "show", "hubspot"])
    assert gone.return_value == 1 and "no token" in gone.output

    for out in (result.output, shown.output, deleted.output):
        assert TOKEN not in out
        assert "dddd-eeee" not in out


def test_token_is_not_an_argument() -> None:
    result = CliRunner().invoke(cli, ["auth", "set", "hubspot", TOKEN])
    assert result.exit_code != 0
    assert TOKEN not in result.output


def test_salesforce_stores_instance_url_with_token(isolated_env: dict) -> None:
    result = _invoke(
        ["auth", "set", "salesforce"],
        input="00DXX0000001!AQ4AQFakeAccess9z\nhttps://acme.my.salesforce.com/\n",
    )
    assert result.return_value == 0
    stored = json.loads(isolated_env["keyring"].store[("crm-migrate", "salesforce")])
    assert stored == {
        "instance_url": "https://acme.my.salesforce.com",
        "access_token": "00DXX0000001!AQ4AQFakeAccess9z",
    }
    shown = _invoke(["auth", "show", "salesforce"])
    assert "https://acme.my.salesforce.com" in shown.output
    assert "…Ess9z"[-4:] in shown.output
    assert "FakeAccess" not in shown.output and "FakeAccess" not in result.output


def test_env_fallback_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_MIGRATE_TOKEN", "env-secret-token-value-1234")
    shown = _invoke(["auth", "show", "pipedrive"])
    assert shown.return_value == 0
    assert "CRM_MIGRATE_TOKEN" in shown.output and "…1234" in shown.output
    assert "env-secret" not in shown.output


def test_empty_token_is_an_error_via_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    from crm_migrate.cli import run

    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert run(["auth", "set", "pipedrive"]) == 2
    err = capsys.readouterr().err
    assert "no token given" in err and "Traceback" not in err


def test_token_argument_refused_via_run(
    capsys: pytest.CaptureFixture[str], isolated_env: dict
) -> None:
    from crm_migrate.cli import run

    assert run(["auth", "set", "hubspot", TOKEN]) == 2
    captured = capsys.readouterr()
    assert "never taken from the command line" in captured.err
    assert TOKEN not in captured.err + captured.out
    assert isolated_env["keyring"].store == {}


def test_error_lines_are_redacted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from crm_migrate import cli, secrets
    from crm_migrate.errors import TargetError

    secrets.register_secret("leaky-secret-token-42")

    def boom(*args: object, **kwargs: object) -> None:
        raise TargetError("server echoed leaky-secret-token-42 back")

    monkeypatch.setattr(cli.cli, "main", boom)
    assert cli.run(["status", "x"]) == 2
    err = capsys.readouterr().err
    assert "leaky-secret-token-42" not in err and "server echoed *** back" in err


def test_set_does_not_say_stored_when_the_keyring_keeps_nothing(
    isolated_env: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    import keyring
    from keyring.backends.null import Keyring as NullKeyring

    from crm_migrate.cli import run

    keyring.set_keyring(NullKeyring())  # accepts every password, keeps none
    import io
    import sys

    stdin = sys.stdin
    sys.stdin = io.StringIO(TOKEN + "\n")
    try:
        code = run(["auth", "set", "hubspot"])
    finally:
        sys.stdin = stdin
    captured = capsys.readouterr()
    assert code == 2 and "stored" not in captured.out
    assert "nothing stored" in captured.err and len(captured.err.strip().splitlines()) == 1
    assert TOKEN not in captured.out + captured.err
