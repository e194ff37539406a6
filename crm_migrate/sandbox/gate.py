"""The ASGI gate in front of /crm/: bearer auth, rate limit, scopes, faults, latency, counters."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from crm_migrate.sandbox.faults import AFTER, FaultInjector, fault_body
from crm_migrate.sandbox.limits import RateLimiter
from crm_migrate.sandbox.scopes import missing_scopes_body, required_scopes
from crm_migrate.sandbox.shapes import correlation_id

READ_SUFFIXES = ("/search", "/batch/read")

Scope = dict[str, Any]


@dataclass
class Counters:
    """What /_sandbox/stats reports besides record counts."""

    requests: int = 0
    rate_limited: int = 0
    faults: int = 0
    unauthorized: int = 0


@dataclass
class SandboxSettings:
    """The live, changeable behaviour of one sandbox app."""

    token: str
    limiter: RateLimiter
    faults: FaultInjector
    latency_ms: int = 0
    search_lag_ms: int = 0  # search sees a record only this long after its creation
    counters: Counters = field(default_factory=Counters)
    # tokens other than `token` and the scopes each holds (`token` holds them all)
    token_scopes: dict[str, frozenset[str]] = field(default_factory=dict)

    def scopes_of(self, token: str | None) -> frozenset[str] | None:
        """The scopes a token holds (None: all of them); KeyError for an unknown token."""
        if token is not None and token == self.token:
            return None
        if token is None:
            raise KeyError(token)
        return self.token_scopes[token]


def is_write(method: str, path: str) -> bool:
    """Whether a /crm/ request changes data (search and batch/read do not)."""
    if method in ("GET", "HEAD", "OPTIONS"):
        return False
    return not path.rstrip("/").endswith(READ_SUFFIXES)


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            text = bytes(value).decode("latin-1").strip()
            if text[:7].lower() == "bearer ":
                return text[7:].strip()
            return None
    return None


async def _send_json(
    send: Any,
    status: int,
    body: dict[str, Any],
    headers: list[tuple[bytes, bytes]] = (),  # type: ignore[assignment]
) -> None:
    payload = json.dumps(body).encode()
    await _send_raw(send, status, b"application/json;charset=utf-8", payload, list(headers))


async def _send_raw(
    send: Any, status: int, content_type: bytes, payload: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    all_headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(payload)).encode()),
        *headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": all_headers})
    await send({"type": "http.response.body", "body": payload})


def unauthorized_body(present: bool) -> dict[str, Any]:
    """HubSpot's 401 body (the same text whether the token is missing or wrong)."""
    del present
    return {
        "status": "error",
        "message": "Authentication credentials not found. This API supports OAuth 2.0 "
        "authentication and you can find more details at "
        "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        "correlationId": correlation_id(),
        "category": "INVALID_AUTHENTICATION",
    }


def rate_limited_body() -> dict[str, Any]:
    """HubSpot's 429 body for the ten-secondly rolling limit."""
    return {
        "status": "error",
        "message": "You have reached your ten_secondly_rolling limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id(),
        "policyName": "TEN_SECONDLY_ROLLING",
        "requestId": correlation_id(),
    }


class Gate:
    """Pure ASGI middleware applying the sandbox's rules to /crm/ requests."""

    def __init__(self, app: Any, settings: SandboxSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/crm/"):
            await self.app(scope, receive, send)
            return
        settings = self.settings
        counters = settings.counters
        if settings.latency_ms > 0:
            await asyncio.sleep(settings.latency_ms / 1000)
        token = _bearer(scope)
        try:
            granted = settings.scopes_of(token)
        except KeyError:
            counters.unauthorized += 1
            await _send_json(send, 401, unauthorized_body(token is not None))
            return
        counters.requests += 1
        decision = settings.limiter.admit()
        extra = decision.headers()
        if not decision.allowed:
            counters.rate_limited += 1
            await _send_json(send, 429, rate_limited_body(), extra)
            return
        needed = required_scopes(scope["method"], scope["path"])
        if granted is not None and needed and not granted.intersection(needed):
            await _send_json(send, 403, missing_scopes_body(needed), extra)
            return
        fault = settings.faults.draw(write=is_write(scope["method"], scope["path"]))
        if fault is None:
            await self.app(scope, receive, _with_headers(send, extra))
            return
        counters.faults += 1
        if fault.when == AFTER:
            await self.app(scope, receive, _swallow)
        content_type, payload = fault_body(fault.status, correlation_id())
        await _send_raw(send, fault.status, content_type, payload, extra)


def _with_headers(send: Any, extra: list[tuple[bytes, bytes]]) -> Any:
    if not extra:
        return send

    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return wrapped


async def _swallow(message: dict[str, Any]) -> None:
    """Discard the real answer of a request whose fault comes after the commit."""
