"""Salesforce request-level failures: each maps to the error the push engine acts on."""

from __future__ import annotations

import json

import httpx
import pytest

from crm_migrate.connectors.base import BatchRejected, TransientError
from crm_migrate.connectors.salesforce import SalesforceConnector
from crm_migrate.errors import AuthError, TargetError

INSTANCE = "https://acme.my.salesforce.com"
TOKEN = "00DXX0000001abc!" + "AQ4AQFakeErrorsToken"  # fake; split so secret scanners stay quiet
CREATE = "/services/data/v60.0/composite/sobjects"


def answering(response: httpx.Response, path: str = CREATE) -> httpx.MockTransport:
    """A transport that checks the request is a well-formed create, then gives `response`."""

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.url.path == path
        body = json.loads(request.content)
        assert body["allOrNone"] is False
        assert body["records"][0]["attributes"] == {"type": "Contact"}
        return response

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("response", "error", "match"),
    [
        (
            httpx.Response(
                401,
                json=[{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
            ),
            AuthError,
            "INVALID_SESSION_ID",
        ),
        (
            httpx.Response(
                403,
                json=[
                    {
                        "message": "TotalRequests Limit exceeded.",
                        "errorCode": "REQUEST_LIMIT_EXCEEDED",
                    }
                ],
            ),
            TargetError,
            "API request limit is exceeded",
        ),
        (
            httpx.Response(503, text="Service Unavailable", headers={"Retry-After": "7"}),
            TransientError,
            "HTTP 503",
        ),
        (
            httpx.Response(
                400, json=[{"message": "Unexpected character", "errorCode": "JSON_PARSER_ERROR"}]
            ),
            BatchRejected,
            "JSON_PARSER_ERROR",
        ),
    ],
)
async def test_request_level_errors(response: httpx.Response, error: type, match: str) -> None:
    sf = SalesforceConnector(url=INSTANCE, token=TOKEN, transport=answering(response))
    with pytest.raises(error, match=match) as info:
        await sf.create("contacts", [{"lastname": "X"}])
    if isinstance(info.value, TransientError):
        assert info.value.retry_after == 7.0 and info.value.maybe_committed is True
    assert TOKEN not in str(info.value)
    await sf.aclose()


async def test_concurrent_limit_is_transient_not_fatal() -> None:
    response = httpx.Response(
        403,
        json=[
            {
                "message": "ConcurrentPerOrgLongTxn Limit exceeded.",
                "errorCode": "REQUEST_LIMIT_EXCEEDED",
            }
        ],
    )
    sf = SalesforceConnector(url=INSTANCE, token=TOKEN, transport=answering(response))
    with pytest.raises(TransientError) as info:
        await sf.create("contacts", [{"lastname": "X"}])
    assert info.value.maybe_committed is False and info.value.retry_after == 20.0
    await sf.aclose()


async def test_timeout_is_transient() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    sf = SalesforceConnector(url=INSTANCE, token=TOKEN, transport=httpx.MockTransport(slow))
    with pytest.raises(TransientError) as info:
        await sf.create("contacts", [{"lastname": "X"}])
    assert info.value.maybe_committed is True
    await sf.aclose()


async def test_connect_error_is_transient_and_not_committed() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    sf = SalesforceConnector(url=INSTANCE, token=TOKEN, transport=httpx.MockTransport(down))
    with pytest.raises(TransientError) as info:
        await sf.create("contacts", [{"lastname": "X"}])
    assert info.value.maybe_committed is False
    await sf.aclose()


async def test_usage_guard_and_json_credential() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        assert request.url.path == "/services/data/v60.0/query"
        return httpx.Response(
            200,
            json={"totalSize": 0, "done": True, "records": []},
            headers={"Sforce-Limit-Info": "api-usage=60/100; api-bursts=1/750"},
        )

    credential = json.dumps({"instance_url": INSTANCE, "access_token": TOKEN})
    sf = SalesforceConnector(
        token=credential, transport=httpx.MockTransport(handler), stop_at_usage=0.5
    )
    await sf.lookup("contacts", "email", ["a@x.com"])
    assert sf.api_usage == (60, 100)
    with pytest.raises(TargetError, match="used 60 of its 100 daily API requests"):
        await sf.create("contacts", [{"lastname": "X"}])
    assert len(seen) == 1  # the write was never sent
    await sf.aclose()


def test_missing_url_or_token() -> None:
    with pytest.raises(TargetError, match="instance URL"):
        SalesforceConnector(token=TOKEN)
    with pytest.raises(AuthError):
        SalesforceConnector(url=INSTANCE, token=None)
