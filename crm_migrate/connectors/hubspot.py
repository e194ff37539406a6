"""HubSpot CRM v3 (and the sandbox, which speaks the same API): async httpx, batches of 100.

Errors: 429 ten-secondly -> wait for the window inside the connector (bounded);
429 DAILY -> DailyLimitReached (the run stops, resumable); 5xx/timeouts ->
TransientError (maybe_committed for writes); 400/409 on a whole batch ->
BatchRejected; 207 per-input errors -> WriteResult(ok=False); 401/403 -> AuthError (a 403
MISSING_SCOPES names the scope the token lacks).
The token never appears in a message (redacted).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx

from crm_migrate.connectors.base import (
    BatchRejected,
    RateHint,
    RemoteRecord,
    TransientError,
    WriteResult,
)
from crm_migrate.connectors.httpbase import HttpConnectorBase, response_json, retryable_status
from crm_migrate.connectors.hubspot_schema import read_hubspot_schema
from crm_migrate.connectors.limiter import RollingWindowLimiter
from crm_migrate.errors import AuthError, TargetError
from crm_migrate.identity import ID_PROPERTY, RUN_PROPERTY
from crm_migrate.schema import ObjectSchema
from crm_migrate.secrets import redact

DEFAULT_URL = "https://api.hubapi.com"
SEARCH_IN_MAX = 100
MAX_429_WAITS = 12
MAX_READ_RETRIES = 6
ASSOC_READ_MAX = 1000  # ids per v4 associations batch read (HubSpot's limit since Feb 2025)
GROUP_NAMES = {
    "contacts": "contactinformation",
    "companies": "companyinformation",
    "deals": "dealinformation",
}
DEFAULT_RATE = RateHint(100, 10.0)


class DailyLimitReached(TargetError):
    """The account's daily API budget is used up; stop the run and resume tomorrow."""


def _message(response: httpx.Response) -> str:
    body = response_json(response)
    if isinstance(body, dict) and body.get("message"):
        text = str(body["message"])
    else:
        text = " ".join(response.text.split())[:200] or response.reason_phrase
    return redact(f"HTTP {response.status_code}: {text}")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class HubSpotConnector(HttpConnectorBase):
    """HubSpot CRM v3 over async httpx; the sandbox target is this class at another URL."""

    max_batch = 100
    max_429_waits = MAX_429_WAITS

    def __init__(
        self,
        url: str | None = DEFAULT_URL,
        token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        rate: RateHint = DEFAULT_RATE,
        *,
        target: str = "hubspot",
        timeout: float = 60.0,
        search_rate: int = 5,
    ) -> None:
        if not token:
            raise AuthError(
                f"no credentials for {target}: run `crm-migrate auth set {target}` "
                "or set CRM_MIGRATE_TOKEN"
            )
        self.target = target
        self.url = (url or DEFAULT_URL).rstrip("/")
        self.rate = rate
        super().__init__(
            self.url,
            {"Authorization": f"Bearer {token}", "Accept": "application/json"},
            transport,
            timeout,
            secret=token,
            connect_timeout=10.0,
            max_connections=max(4, rate.concurrency * 2),
        )
        self.limiter = RollingWindowLimiter(rate.requests, rate.per_seconds)
        self.search_limiter = RollingWindowLimiter(search_rate, 1.0, margin=0.05)
        self.limiters = {"limiter": self.limiter, "search_limiter": self.search_limiter}
        # HubSpot's spec exempts search from the ten-secondly limit (it has its own 5/s);
        # the sandbox counts every /crm/ request, so there it is not exempt
        self.search_exempt = target == "hubspot"
        self._rng = random.Random()

    # --- plumbing ---

    def _observe(self, response: httpx.Response) -> None:
        if response.status_code == 429:  # its Retry-After is more precise than its Remaining: 0
            return
        headers = response.headers
        self.limiter.observe(
            _int(headers.get("x-hubspot-ratelimit-max")),
            _int(headers.get("x-hubspot-ratelimit-remaining")),
            _int(headers.get("x-hubspot-ratelimit-interval-milliseconds")),
        )

    def _on_rate_limited(self, response: httpx.Response) -> None:
        data = response_json(response)
        policy = str(data.get("policyName", "")) if isinstance(data, dict) else ""
        if policy.upper() == "DAILY":
            raise DailyLimitReached(
                f"{self.target}: the daily API limit is reached (HTTP 429 DAILY); "
                "resume the run after the daily reset"
            )

    def _rate_reset(self, response: httpx.Response) -> float | None:
        interval = _int(response.headers.get("x-hubspot-ratelimit-interval-milliseconds"))
        return interval / 1000.0 if interval else None

    def _describe_failure(self, response: httpx.Response) -> str:
        return _message(response)

    async def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        write: bool,
        search: bool = False,
        params: Any = None,
    ) -> httpx.Response:
        """One request through the limiters (429s wait in `_request`); 401/403 raise AuthError,
        retryable statuses TransientError; a read that failed so is retried a few times."""
        if search:
            limiters = [self.search_limiter] if self.search_exempt else [
                self.search_limiter, self.limiter]
        else:
            limiters = [self.limiter]
        read_failures = 0
        while True:
            try:
                response = await self._request(
                    method, path, limiters=limiters, write=write, json=body, params=params
                )
                status = response.status_code
                if status in (401, 403):
                    raise AuthError(self._refusal(response))
                if not retryable_status(status):
                    return response
                raise self._transient(response, committed=write)
            except TransientError as error:
                if write or error.status == 429:
                    raise
                read_failures += 1
                if read_failures >= MAX_READ_RETRIES:
                    raise
                await asyncio.sleep(
                    max(error.retry_after or 0.0, self._rng.uniform(0, 0.25 * 2**read_failures))
                )

    def _refusal(self, response: httpx.Response) -> str:
        """One line for a 401/403: the scope a token lacks (403 MISSING_SCOPES), else that the
        credentials were refused."""
        scopes = missing_scopes(response_json(response))
        if response.status_code == 403 and scopes is not None:
            name = "HubSpot" if self.target == "hubspot" else self.target
            what = (f"scope {scopes[0]}" if len(scopes) == 1
                    else f"one of the scopes {', '.join(scopes)}" if scopes else "a scope")
            return (f"{name} token lacks {what}: add it to the app and store the new token "
                    f"with `crm-migrate auth set {self.target}`")
        return f"{self.target} refused the credentials: {_message(response)}"

    def _expect(self, response: httpx.Response, what: str) -> Any:
        if response.status_code >= 400:
            raise TargetError(f"{self.target}: {what} failed: {_message(response)}")
        return response_json(response)

    # --- schema ---

    async def check(self) -> None:
        """Verify the connection and credentials."""
        await self.read_schema("contacts")

    async def read_schema(self, object_name: str) -> list[dict[str, Any]]:
        """The object's properties as HubSpot describes them."""
        response = await self._call("GET", f"/crm/v3/properties/{object_name}", write=False)
        data = self._expect(response, f"reading the {object_name} properties")
        return list((data or {}).get("results") or [])

    async def read_live_schema(self, object_name: str) -> ObjectSchema:
        """Properties, deal pipelines and owners (see connectors.hubspot_schema)."""
        async def get(path: str, params: dict[str, Any] | None) -> httpx.Response:
            return await self._call("GET", path, write=False, params=params)

        schema, notes = await read_hubspot_schema(await self.read_schema(object_name), get,
                                                  object_name, self.target)
        return replace(schema, notes=(*schema.notes, *notes))

    async def ensure_id_property(self, object_name: str) -> str | None:
        """`email` for contacts; else `crm_migrate_id`, created as a unique property if missing."""
        if object_name == "contacts":
            return "email"
        await self.ensure_unique_property(object_name)
        return ID_PROPERTY

    async def ensure_unique_property(self, object_name: str, name: str = ID_PROPERTY) -> None:
        """Create the unique text property `name` on the object unless it exists."""
        await self._ensure_property(object_name, name, unique=True)

    async def ensure_run_property(self, object_name: str) -> None:
        """Create the text property RUN_PROPERTY (the run that created a record) if missing."""
        await self._ensure_property(object_name, RUN_PROPERTY, unique=False)

    async def _ensure_property(self, object_name: str, name: str, *, unique: bool) -> None:
        props = await self.read_schema(object_name)
        existing = next((p for p in props if p.get("name") == name), None)
        if existing is not None:
            if unique and existing.get("hasUniqueValue") is not True:
                raise TargetError(
                    f"{self.target}: the {object_name} property {name} exists without unique "
                    "values (hasUniqueValue is not true), so upserts keyed by it would not be "
                    f"idempotent; delete or rename that property on the target, then run again")
            return
        body = {
            "name": name,
            "label": "crm-migrate id" if unique else "crm-migrate run",
            "type": "string",
            "fieldType": "text",
            "groupName": GROUP_NAMES.get(object_name, f"{object_name}information"),
            "hasUniqueValue": unique,
            "description": "Set by crm-migrate so that re-sent writes never duplicate a record."
            if unique else "The crm-migrate run that created the record.",
        }
        response = await self._call("POST", f"/crm/v3/properties/{object_name}", body, write=False)
        if response.status_code not in (200, 201, 409):
            self._expect(response, f"creating the {name} property on {object_name}")

    # --- reads ---

    async def lookup(
        self,
        object_name: str,
        field_name: str,
        values: list[str],
        properties: list[str] | None = None,
    ) -> dict[str, RemoteRecord]:
        """Existing records whose `field_name` equals one of `values`, keyed by the value given."""
        if not values:
            return {}
        wanted = sorted({*(properties or []), field_name})
        if field_name in ("email", ID_PROPERTY):
            found = await self._read_by(object_name, field_name, values, wanted)
        else:
            found = await self._search_in(object_name, field_name, values, wanted)
        out: dict[str, RemoteRecord] = {}
        fold = field_name != ID_PROPERTY
        index = {(r.properties.get(field_name) or "").lower() if fold
                 else r.properties.get(field_name) or "": r for r in found}
        for value in values:
            record = index.get(value.lower() if fold else value)
            if record is not None:
                out[value] = record
        return out

    async def _read_by(
        self, object_name: str, id_property: str | None, ids: list[str], properties: list[str]
    ) -> list[RemoteRecord]:
        out: list[RemoteRecord] = []
        for start in range(0, len(ids), self.max_batch):
            chunk = ids[start : start + self.max_batch]
            body: dict[str, Any] = {
                "inputs": [{"id": v} for v in chunk],
                "properties": properties,
                "propertiesWithHistory": [],
            }
            if id_property:
                body["idProperty"] = id_property
            response = await self._call(
                "POST", f"/crm/v3/objects/{object_name}/batch/read", body, write=False
            )
            if response.status_code == 404:
                continue
            data = self._expect(response, f"reading {object_name}")
            out.extend(_remote(r) for r in (data or {}).get("results") or [])
        return out

    async def _search_in(
        self, object_name: str, field_name: str, values: list[str], properties: list[str]
    ) -> list[RemoteRecord]:
        out: list[RemoteRecord] = []
        unique = sorted({v.lower() for v in values if v})
        for start in range(0, len(unique), SEARCH_IN_MAX):
            chunk = unique[start : start + SEARCH_IN_MAX]
            after: str | None = None
            while True:
                body: dict[str, Any] = {
                    "filterGroups": [
                        {
                            "filters": [
                                {"propertyName": field_name, "operator": "IN", "values": chunk}
                            ]
                        }
                    ],
                    "properties": properties,
                    "limit": 200,
                }
                if after:
                    body["after"] = after
                response = await self._call(
                    "POST",
                    f"/crm/v3/objects/{object_name}/search",
                    body,
                    write=False,
                    search=True,
                )
                data = self._expect(response, f"searching {object_name}") or {}
                out.extend(_remote(r) for r in data.get("results") or [])
                after = ((data.get("paging") or {}).get("next") or {}).get("after")
                if not after:
                    break
        return out

    async def account_id(self) -> str | None:
        """The portal id (GET /account-info/v3/details)."""
        response = await self._call("GET", "/account-info/v3/details", write=False)
        data = self._expect(response, "reading the account") or {}
        portal = data.get("portalId") if isinstance(data, dict) else None
        return str(portal) if portal is not None else None

    async def count(self, object_name: str) -> int:
        """How many (unarchived) records the object holds, via a one-result search."""
        response = await self._call(
            "POST",
            f"/crm/v3/objects/{object_name}/search",
            {"filterGroups": [], "properties": ["hs_object_id"], "limit": 1},
            write=False,
            search=True,
        )
        data = self._expect(response, f"counting {object_name}") or {}
        return int(data.get("total") or 0)

    async def list_all(self, object_name: str, properties: list[str],
                       on_page: Callable[[int], None] | None = None) -> list[RemoteRecord]:
        """Every record of the object (paged 100 at a time) with the given properties;
        `on_page(n)` hears the records read so far after each page."""
        out: list[RemoteRecord] = []
        after: str | None = None
        while True:
            params: list[tuple[str, str]] = [("limit", "100")]
            params += [("properties", p) for p in properties]
            if after:
                params.append(("after", after))
            response = await self._call(
                "GET", f"/crm/v3/objects/{object_name}", write=False, params=params
            )
            data = self._expect(response, f"listing {object_name}") or {}
            out.extend(_remote(r) for r in data.get("results") or [])
            if on_page is not None:
                on_page(len(out))
            after = ((data.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return out

    async def read(
        self, object_name: str, ids: list[str], properties: list[str]
    ) -> dict[str, RemoteRecord]:
        """Records by id; missing ids are absent."""
        return {r.id: r for r in await self._read_by(object_name, None, ids, properties)}

    # --- writes ---

    async def _write(self, object_name: str, action: str, inputs: list[dict[str, Any]]) -> Any:
        response = await self._call(
            "POST", f"/crm/v3/objects/{object_name}/batch/{action}", {"inputs": inputs}, write=True
        )
        status = response.status_code
        if status in (400, 404, 409, 413, 422):
            data = response_json(response)
            raise BatchRejected(
                _message(response), status=status, positions=_positions(data, inputs)
            )
        if status >= 400:
            raise TargetError(f"{self.target}: batch {action} failed: {_message(response)}")
        return response_json(response) or {}

    async def upsert(
        self, object_name: str, id_property: str, records: list[dict[str, str]]
    ) -> list[WriteResult]:
        """Create-or-update by `id_property`; one result per input, in input order."""
        partial = id_property != "email"  # HubSpot: no partial upserts keyed by email
        inputs: list[dict[str, Any]] = []
        for i, rec in enumerate(records):
            item: dict[str, Any] = {
                "id": rec[id_property],
                "idProperty": id_property,
                "properties": rec,
            }
            if partial:
                item["objectWriteTraceId"] = str(i)
            inputs.append(item)
        data = await self._write(object_name, "upsert", inputs)
        fold = id_property == "email"
        keys = {
            (rec[id_property].lower() if fold else rec[id_property]): i
            for i, rec in enumerate(records)
        }
        return _results(
            data,
            len(records),
            lambda r: keys.get(
                (r["properties"].get(id_property) or "").lower()
                if fold
                else r["properties"].get(id_property) or ""
            ),
        )

    async def create(self, object_name: str, records: list[dict[str, str]]) -> list[WriteResult]:
        """Create records; a taken unique value (email, crm_migrate_id) fails that input as a
        conflict (`WriteResult.conflict`), so the runner creates exclusively."""
        inputs = [
            {"properties": rec, "objectWriteTraceId": str(i)} for i, rec in enumerate(records)
        ]
        data = await self._write(object_name, "create", inputs)
        return _results(data, len(records), lambda r: None, created=True)

    async def update(
        self, object_name: str, items: list[tuple[str, dict[str, str]]]
    ) -> list[WriteResult]:
        """Update (id, properties) pairs."""
        inputs = [
            {"id": rid, "properties": props, "objectWriteTraceId": str(i)}
            for i, (rid, props) in enumerate(items)
        ]
        data = await self._write(object_name, "update", inputs)
        ids = {rid: i for i, (rid, _) in enumerate(items)}
        return _results(data, len(items), lambda r: ids.get(str(r.get("id"))), created=False)

    async def archive(self, object_name: str, ids: list[str]) -> list[WriteResult]:
        """Archive records by id (HubSpot answers 204 whether or not each existed)."""
        await self._write(object_name, "archive", [{"id": i} for i in ids])
        return [WriteResult(index=i, ok=True, id=rid) for i, rid in enumerate(ids)]

    async def associate(
        self, from_object: str, to_object: str, pairs: list[tuple[str, str]]
    ) -> list[WriteResult]:
        """Associate (from_id, to_id) pairs with the default type (v4, idempotent)."""
        body = {"inputs": [{"from": {"id": a}, "to": {"id": b}} for a, b in pairs]}
        response = await self._call(
            "POST",
            f"/crm/v4/associations/{from_object}/{to_object}/batch/associate/default",
            body,
            write=True,
        )
        if response.status_code in (400, 404, 409):
            raise BatchRejected(_message(response), status=response.status_code)
        data = self._expect(response, "associating records") or {}
        failed: dict[str, str] = {}
        for err in data.get("errors") or []:
            for value in (err.get("context") or {}).get("ids") or []:
                failed[str(value)] = redact(str(err.get("message")))
        out = []
        for i, (a, b) in enumerate(pairs):
            error = failed.get(a) or failed.get(b)
            out.append(WriteResult(index=i, ok=error is None, id=a, error=error))
        return out

    async def read_associations(
        self, from_object: str, to_object: str, ids: list[str]
    ) -> dict[str, set[str]]:
        """Each id's associated `to_object` ids (v4 batch read: 1000 ids a request, paged on).
        An id with none (HubSpot: NO_ASSOCIATIONS_FOUND) maps to an empty set; an id the
        answer does not account for is absent, so the caller knows it was not read."""
        path = f"/crm/v4/associations/{from_object}/{to_object}/batch/read"
        out: dict[str, set[str]] = {}
        pending: list[dict[str, str]] = [{"id": i} for i in dict.fromkeys(ids)]
        while pending:
            chunk, pending = pending[:ASSOC_READ_MAX], pending[ASSOC_READ_MAX:]
            response = await self._call("POST", path, {"inputs": chunk}, write=False)
            data = self._expect(response, f"reading {from_object} associations") or {}
            for raw in data.get("results") or []:
                from_id = str((raw.get("from") or {}).get("id"))
                found = out.setdefault(from_id, set())
                found.update(str(t.get("toObjectId")) for t in raw.get("to") or [])
                after = ((raw.get("paging") or {}).get("next") or {}).get("after")
                if after:
                    pending.append({"id": from_id, "after": str(after)})
            for err in data.get("errors") or []:
                if err.get("category") == "OBJECT_NOT_FOUND":
                    for value in (err.get("context") or {}).get("fromObjectId") or []:
                        out.setdefault(str(value), set())
        return out

    async def dissociate(
        self, from_object: str, to_object: str, pairs: list[tuple[str, str]]
    ) -> None:
        """Remove every association type between each (from_id, to_id) pair (v4 batch archive,
        100 from ids a request); idempotent: a pair not associated stays as it is."""
        grouped: dict[str, dict[str, None]] = {}
        for a, b in pairs:
            grouped.setdefault(a, {})[b] = None
        inputs = [{"from": {"id": a}, "to": [{"id": b} for b in bs]} for a, bs in grouped.items()]
        path = f"/crm/v4/associations/{from_object}/{to_object}/batch/archive"
        for start in range(0, len(inputs), self.max_batch):
            body = {"inputs": inputs[start : start + self.max_batch]}
            response = await self._call("POST", path, body, write=True)
            if response.status_code in (400, 404, 409):
                raise BatchRejected(_message(response), status=response.status_code)
            self._expect(response, "removing associations")


def missing_scopes(body: Any) -> list[str] | None:
    """The scopes a HubSpot 403 MISSING_SCOPES body names (`errors[].context.
    requiredGranularScopes`, older `requiredScopes`, or `context.missingScopes`); None when
    the body is not a missing-scopes answer."""
    if not isinstance(body, dict) or str(body.get("category", "")).upper() != "MISSING_SCOPES":
        return None
    found: dict[str, None] = {}
    contexts = [body.get("context")]
    contexts += [e.get("context") for e in body.get("errors") or [] if isinstance(e, dict)]
    for context in contexts:
        if not isinstance(context, dict):
            continue
        for key in ("requiredGranularScopes", "requiredScopes", "missingScopes"):
            values = context.get(key)
            if isinstance(values, list):
                found.update((str(v), None) for v in values if v)
    return list(found)


def _remote(raw: dict[str, Any]) -> RemoteRecord:
    props = {k: ("" if v is None else str(v)) for k, v in (raw.get("properties") or {}).items()}
    return RemoteRecord(id=str(raw.get("id")), properties=props)


def _positions(data: Any, inputs: list[dict[str, Any]]) -> list[int]:
    """Inputs a whole-batch error names (by trace id or id), when it names any."""
    if not isinstance(data, dict):
        return []
    context = data.get("context") or {}
    out: set[int] = set()
    for trace in context.get("objectWriteTraceId") or []:
        if str(trace).isdigit() and int(trace) < len(inputs):
            out.add(int(trace))
    named = {str(v).lower() for v in context.get("ids") or []}
    for i, item in enumerate(inputs):
        if str(item.get("id", "")).lower() in named:
            out.add(i)
    return sorted(out)


def _results(
    data: dict[str, Any], count: int, index_of: Any, created: bool | None = None
) -> list[WriteResult]:
    """Map a batch answer (200/201/207) back to input positions."""
    out: list[WriteResult | None] = [None] * count
    free = list(range(count))
    for raw in data.get("results") or []:
        trace = raw.get("objectWriteTraceId")
        index = int(trace) if isinstance(trace, str) and trace.isdigit() else index_of(raw)
        if index is None or not 0 <= index < count or out[index] is not None:
            index = next((i for i in free if out[i] is None), None)
        if index is None:
            continue
        is_new = raw.get("new")
        out[index] = WriteResult(
            index=index,
            ok=True,
            id=str(raw.get("id")),
            created=bool(is_new) if is_new is not None else created,
        )
    for err in data.get("errors") or []:
        context = err.get("context") or {}
        message = redact(str(err.get("message") or err.get("category") or "error"))
        retryable = err.get("category") in ("RATE_LIMITS", "LOCKED")
        conflict = err.get("category") == "CONFLICT"
        for trace in context.get("objectWriteTraceId") or []:
            if str(trace).isdigit() and int(trace) < count and out[int(trace)] is None:
                out[int(trace)] = WriteResult(
                    index=int(trace), ok=False, error=message, retryable=retryable,
                    conflict=conflict,
                )
    missing = "no result for this input in the answer"
    return [r if r is not None else WriteResult(index=i, ok=False, error=missing, retryable=True)
            for i, r in enumerate(out)]


__all__ = ["DailyLimitReached", "HubSpotConnector"]
