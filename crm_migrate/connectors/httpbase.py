"""Shared async httpx plumbing for connectors: client setup, Retry-After parsing, error mapping."""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from crm_migrate.connectors.base import TransientError, WriteResult
from crm_migrate.errors import AuthError, TargetError
from crm_migrate.secrets import redact, register_secret

if TYPE_CHECKING:
    import httpx

_log = logging.getLogger("crm_migrate.connectors")
RETRYABLE_STATUSES = frozenset({408, 423, 425, 429, 500, 502, 503, 504, 520, 522, 524})
DEFAULT_TIMEOUT = 60.0


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or an HTTP date); None if absent."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def response_json(response: httpx.Response) -> Any:
    """The decoded JSON body, or None when it is empty or not JSON."""
    if not response.content:
        return None
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError):
        return None


def short_text(response: httpx.Response, limit: int = 300) -> str:
    """A short, redacted excerpt of a response body for error messages."""
    text = response.text.strip().replace("\n", " ")
    if len(text) > limit:
        text = text[:limit] + "…"
    return redact(text)


class RollingLimiter:
    """At most `limit` acquisitions per rolling `window` seconds, shared by concurrent tasks."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = max(1, limit)
        self.window = window
        self._stamps: deque[float] = deque()
        self._lock = asyncio.Lock()
        self._blocked_until = 0.0

    def block_for(self, seconds: float) -> None:
        """Hold every acquisition for `seconds` from now (the target said so)."""
        self._blocked_until = max(self._blocked_until, time.monotonic() + max(0.0, seconds))

    async def acquire(self) -> None:
        """Wait for a free slot in the window."""
        async with self._lock:
            while True:
                now = time.monotonic()
                if now < self._blocked_until:
                    await asyncio.sleep(self._blocked_until - now)
                    continue
                while self._stamps and now - self._stamps[0] >= self.window:
                    self._stamps.popleft()
                if len(self._stamps) < self.limit:
                    self._stamps.append(now)
                    return
                await asyncio.sleep(self.window - (now - self._stamps[0]) + 0.001)


class HttpConnectorBase:
    """Owns one httpx.AsyncClient; maps network failures to TransientError, 401 to AuthError."""

    target = "http"

    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        secret: str | None = None,
    ) -> None:
        import httpx

        register_secret(secret)
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers=headers,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
            follow_redirects=False,
        )

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send one request; timeouts and network errors become TransientError."""
        import httpx

        try:
            response = await self._client.request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransientError(
                f"{self.target}: cannot connect ({type(exc).__name__})", maybe_committed=False
            ) from None
        except httpx.TimeoutException as exc:
            raise TransientError(
                f"{self.target}: request timed out ({type(exc).__name__})", maybe_committed=True
            ) from None
        except httpx.TransportError as exc:
            raise TransientError(
                f"{self.target}: network error ({type(exc).__name__}: {redact(str(exc))})",
                maybe_committed=method.upper() != "GET",
            ) from None
        self._observe(response)
        return response

    def _observe(self, response: httpx.Response) -> None:
        """Hook for subclasses: read rate-limit headers off every response."""

    def _note_dropped(self, object_name: str, names: list[str]) -> None:
        """Remember fields the target has no home for in `dropped_fields`; warn once each."""
        seen: dict[str, set[str]] = self.__dict__.setdefault("dropped_fields", {})
        fresh = [n for n in names if n not in seen.setdefault(object_name, set())]
        if fresh:
            seen[object_name].update(fresh)
            _log.warning(
                "%s has no field for %s %s; left out (map it with field_map)",
                self.target,
                object_name,
                ", ".join(sorted(fresh)),
            )

    def _auth_error(self, response: httpx.Response, hint: str) -> AuthError:
        return AuthError(
            f"{self.target} rejected the credentials (HTTP {response.status_code}); {hint}"
        )

    def _transient(self, response: httpx.Response, *, committed: bool) -> TransientError:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        return TransientError(
            f"{self.target}: HTTP {response.status_code}: {short_text(response, 200)}",
            status=response.status_code,
            retry_after=retry_after,
            maybe_committed=committed and response.status_code != 429,
        )

    def _target_error(self, response: httpx.Response, what: str) -> TargetError:
        return TargetError(
            f"{self.target}: {what} failed (HTTP {response.status_code}): {short_text(response)}"
        )

    async def aclose(self) -> None:
        """Release the HTTP client."""
        await self._client.aclose()


async def settle_writes(
    writes: list[tuple[int, Awaitable[WriteResult]]], *, idempotent: bool, lost_hint: str
) -> list[WriteResult]:
    """Await single-record writes together; one result per index, or a TransientError.

    A 429 (nothing applied) becomes a retryable failed result. A 5xx/timeout (maybe
    applied) raises TransientError(maybe_committed=True) carrying the settled results
    as `.results`, so the engine reconciles by key; for non-idempotent writes that
    partly landed, those records fail (with `lost_hint`) instead, so a resend of the
    batch cannot duplicate the ones that did land. Other errors propagate.
    """
    outcomes = await asyncio.gather(*(w for _, w in writes), return_exceptions=True)
    results: list[WriteResult] = []
    transient: list[TransientError] = []
    lost: list[tuple[int, TransientError]] = []
    for (index, _), outcome in zip(writes, outcomes, strict=True):
        if isinstance(outcome, WriteResult):
            results.append(outcome)
        elif isinstance(outcome, TransientError):
            transient.append(outcome)
            if outcome.maybe_committed:
                lost.append((index, outcome))
            else:
                results.append(WriteResult(index, ok=False, error=str(outcome), retryable=True))
        elif isinstance(outcome, BaseException):
            raise outcome
    landed = any(r.ok for r in results)
    if lost and landed and not idempotent:
        for index, exc in lost:
            results.append(WriteResult(index, ok=False, error=f"{exc}; {lost_hint}"))
        return sorted(results, key=lambda r: r.index)
    if transient and (lost or not landed):
        first = lost[0][1] if lost else transient[0]
        error = TransientError(
            f"{first} ({len(transient)} of {len(writes)} requests failed)",
            status=first.status,
            retry_after=max((t.retry_after or 0.0) for t in transient) or None,
            maybe_committed=bool(lost) or landed,
        )
        error.results = sorted(results, key=lambda r: r.index)  # type: ignore[attr-defined]
        raise error
    return sorted(results, key=lambda r: r.index)
