"""Shared async httpx plumbing for connectors: client setup, the rate limiters and the one
429/Retry-After loop, the retryable statuses, error mapping."""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import time
from collections.abc import Awaitable, Sequence
from contextlib import nullcontext
from typing import Any

import httpx

from crm_migrate.connectors.base import Connector, TransientError, WriteResult
from crm_migrate.connectors.limiter import RollingWindowLimiter
from crm_migrate.secrets import redact, register_secret

_log = logging.getLogger("crm_migrate.connectors")
# worth sending again later: timeout, locked, too early, rate limited, HubSpot's 477
# (migration in progress), and the 5xx gateways and servers answer with
RETRYABLE_STATUSES = frozenset({408, 423, 425, 429, 477, 500, 502, 503, 504, 520, 522, 524})
DEFAULT_TIMEOUT = 60.0
CONNECT_TIMEOUT = 15.0


def retryable_status(status: int) -> bool:
    """Whether an HTTP status says "try again later" rather than "this request is wrong"."""
    return status in RETRYABLE_STATUSES or status >= 500


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


class HttpConnectorBase(Connector):
    """Owns one httpx.AsyncClient and the target's rate limiters; maps network failures to
    TransientError and waits out 429s (see `_request`)."""

    target = "http"
    max_429_waits = 0  # 429s `_request` waits out before it raises TransientError

    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        secret: str | None = None,
        *,
        connect_timeout: float = CONNECT_TIMEOUT,
        max_connections: int | None = None,
        max_in_flight: int | None = None,
    ) -> None:
        register_secret(secret)
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers=headers,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, connect_timeout)),
            limits=httpx.Limits(max_connections=max_connections)
            if max_connections
            else httpx.Limits(max_connections=100, max_keepalive_connections=20),
            follow_redirects=False,
        )
        self._in_flight = asyncio.Semaphore(max_in_flight) if max_in_flight else None
        self.limiters: dict[str, RollingWindowLimiter] = {}  # by name, for send_times/seed
        self.rate_limited = 0  # 429s received

    async def _send(
        self, method: str, url: str, *, write: bool | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send one request; timeouts and network errors become TransientError, which may have
        been applied when it is a `write` (default: any method but GET) that left the client."""
        committed = method.upper() != "GET" if write is None else write
        try:
            response = await self._client.request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransientError(
                f"{self.target}: cannot connect ({type(exc).__name__})", maybe_committed=False
            ) from None
        except httpx.TimeoutException as exc:
            raise TransientError(
                f"{self.target}: request timed out ({type(exc).__name__})",
                maybe_committed=committed,
            ) from None
        except httpx.TransportError as exc:
            raise TransientError(
                f"{self.target}: network error ({type(exc).__name__}: {redact(str(exc))})",
                maybe_committed=committed,
            ) from None
        self._observe(response)
        return response

    async def _request(
        self,
        method: str,
        url: str,
        *,
        limiters: Sequence[RollingWindowLimiter] = (),
        write: bool | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """One request once every limiter in `limiters` lets it go. A 429 blocks the first
        limiter for its Retry-After (else the target's reset hint, else that limiter's window)
        and the request goes again, `max_429_waits` times at most; then TransientError."""
        waits = 0
        while True:
            async with self._in_flight or nullcontext():
                for limiter in limiters:
                    await limiter.acquire()
                response = await self._send(method, url, write=write, **kwargs)
            if response.status_code != 429:
                return response
            self.rate_limited += 1
            self._on_rate_limited(response)
            wait = parse_retry_after(response.headers.get("retry-after"))
            if wait is None:
                wait = self._rate_reset(response)
            if limiters:
                wait = limiters[0].window if wait is None else wait
                limiters[0].block_for(wait)
            waits += 1
            if waits > self.max_429_waits:
                raise TransientError(
                    self._describe_failure(response), status=429, retry_after=wait, maybe_committed=False
                )

    def _observe(self, response: httpx.Response) -> None:
        """Hook for subclasses: read rate-limit headers off every response."""

    def _on_rate_limited(self, response: httpx.Response) -> None:
        """Hook for subclasses: raise when a 429 says waiting will not help (a daily limit)."""

    def _rate_reset(self, response: httpx.Response) -> float | None:
        """Hook for subclasses: seconds until the rate window resets, from the target's own
        headers, for a 429 without Retry-After."""
        return None

    def _describe_failure(self, response: httpx.Response) -> str:
        """A short, redacted description of a failed response for error messages."""
        return f"{self.target}: HTTP {response.status_code}: {short_text(response, 200)}"

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

    def _transient(self, response: httpx.Response, *, committed: bool) -> TransientError:
        """The TransientError for a retryable status (a 429 is never committed)."""
        return TransientError(
            self._describe_failure(response),
            status=response.status_code,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
            maybe_committed=committed and response.status_code != 429,
        )

    def budget(self, search: bool = False) -> list[RollingWindowLimiter]:
        """The target's main limiter, and its search limiter for a search."""
        names = ("limiter", "search_limiter") if search else ("limiter",)
        return [self.limiters[name] for name in names if name in self.limiters]

    def send_times(self) -> dict[str, list[float]]:
        """The send times still in each limiter's window, by limiter name."""
        return {name: limiter.stamps for name, limiter in self.limiters.items()}

    def seed(self, send_times: dict[str, list[float]]) -> None:
        """Count sends another connector for the same target made (from its send_times())."""
        for name, stamps in send_times.items():
            limiter = self.limiters.get(name)
            if limiter is not None:
                limiter.seed(stamps)

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
        error.results = sorted(results, key=lambda r: r.index)
        raise error
    return sorted(results, key=lambda r: r.index)
