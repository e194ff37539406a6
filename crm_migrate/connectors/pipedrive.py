"""Pipedrive connector: API v2 persons/organizations/deals, one request per record.

Pipedrive has no batch endpoint, so a "batch" from the push engine (up to
`max_batch` records) fans out into single requests, at most `concurrency` in flight
and at most the burst budget per rolling 2 s (20 by default, learned from
`x-ratelimit-limit`; searches have their own 10 per 2 s). The limiter lives in the
connector, so the engine's RateHint (counted per batch) never pushes it over.
The token goes in the `x-api-token` header, never in a URL.

Upsert is a search by key then create or update: not atomic. The push engine journals
each batch before it goes out and, after a write that may have landed (timeout, 5xx, a
kill), looks the rows up by key before writing them again. Pipedrive's search index lags
its writes, so a key lookup that search misses is checked again against the records changed
since the run began (GET /api/v2/{entity}?updated_since=, served from the records
themselves): a record the run created is found even before search indexes it. Residual
window: a record another writer created just before the run and that search has not
indexed yet is not seen (a duplicate is possible, as with any search-then-write).
Keys: persons by email, organizations by name, deals have none.

Fields with no standard home in Pipedrive are written to the account's own fields, found by
name (a person's job title in "Job title", the address in "Address"...), or to the custom
field `field_map={"contacts": {"jobtitle": "<40-char key>"}}` names; values are typed by the
field's type (enum/set -> option ids, numbers, YYYY-MM-DD dates). Pipelines and stages are
the account's (GET /v1/pipelines, /v1/stages), by id or name. `dropped_fields` lists what
had no home.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from crm_migrate.connectors.base import RateHint, RemoteRecord, WriteResult
from crm_migrate.connectors.fieldmap import iso_date
from crm_migrate.connectors.httpbase import (
    HttpConnectorBase,
    parse_retry_after,
    response_json,
    retryable_status,
    settle_writes,
)
from crm_migrate.connectors.limiter import RollingWindowLimiter
from crm_migrate.connectors.pipedrive_fields import (
    ACCOUNT_FIELD_NAMES,
    CUSTOM_KEY,
    KEYS,
    PD_FIELDS_ENDPOINT,
    PERSON_ADDRESS_PARTS,
    SEARCH_FIELD,
    STANDARD_PASSTHROUGH,
    address_body,
    fields_to_properties,
    find_field,
    fold,
    int_or_none,
    number,
    pd_entity,
    record_properties,
    typed_value,
)
from crm_migrate.errors import AuthError, TargetError
from crm_migrate.identity import ID_PROPERTY
from crm_migrate.schema import ObjectSchema, Owner, Pipeline, Stage, builtin_schema
from crm_migrate.secrets import redact

if TYPE_CHECKING:
    import httpx

DEFAULT_URL = "https://api.pipedrive.com"
WINDOW_SECONDS = 2.0
CLOCK_SKEW = timedelta(minutes=10)  # how far Pipedrive's clock may be behind ours


def _error_message(response: httpx.Response) -> str:
    body = response_json(response)
    if isinstance(body, dict):
        parts = [str(body.get(k)) for k in ("error", "error_info") if body.get(k)]
        if parts:
            return redact(f"HTTP {response.status_code}: {' - '.join(parts)}")
    return redact(f"HTTP {response.status_code}: {response.text[:200]}")


class PipedriveConnector(HttpConnectorBase):
    """Pipedrive persons, organizations and deals through API v2."""

    target = "pipedrive"
    max_batch = 20
    rate = RateHint(requests=20, per_seconds=WINDOW_SECONDS, concurrency=4)

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        concurrency: int = 4,
        burst: int = 20,
        search_burst: int = 10,
        currency: str | None = None,
        field_map: dict[str, dict[str, str]] | None = None,
        max_429_retries: int = 3,
        snapshot_cap: int = 10_000,
        timeout: float = 60.0,
        **options: Any,
    ) -> None:
        if not token:
            raise AuthError(
                "no Pipedrive API token: run `crm-migrate auth set pipedrive` or set CRM_MIGRATE_TOKEN"
            )
        base = (url or DEFAULT_URL).rstrip("/")
        for suffix in ("/api/v2", "/v1"):
            base = base.removesuffix(suffix)
        headers = {"x-api-token": token.strip(), "Accept": "application/json"}
        super().__init__(
            base, headers, transport, timeout, secret=token.strip(),
            max_in_flight=max(1, concurrency),
        )
        self.currency = currency
        self.field_map = field_map or {}
        self.max_429_waits = max_429_retries
        self.limiter = RollingWindowLimiter(burst, WINDOW_SECONDS, margin=0.0)
        self.search_limiter = RollingWindowLimiter(search_burst, WINDOW_SECONDS, margin=0.0)
        self.limiters = {"limiter": self.limiter, "search_limiter": self.search_limiter}
        self.daily_requests_left: int | None = None
        self.dropped_fields: dict[str, set[str]] = {}
        self._stages: list[dict[str, Any]] | None = None
        self._pipelines: list[dict[str, Any]] | None = None
        self._fields: dict[str, list[dict[str, Any]]] = {}
        self.snapshot_cap = snapshot_cap
        self._listed: dict[str, list[RemoteRecord]] = {}
        self.options = options

    # -- plumbing ---------------------------------------------------------------------

    def _observe(self, response: httpx.Response) -> None:
        headers = response.headers
        limiter = (
            self.search_limiter if response.request.url.path.endswith("/search") else self.limiter
        )
        limiter.observe(int_or_none(headers.get("x-ratelimit-limit")), None)
        remaining = int_or_none(headers.get("x-ratelimit-remaining"))
        reset = parse_retry_after(headers.get("x-ratelimit-reset"))
        if remaining == 0 and reset:
            limiter.block_for(reset)
        daily = int_or_none(headers.get("x-daily-requests-left"))
        if daily is not None:
            self.daily_requests_left = daily

    def _on_rate_limited(self, response: httpx.Response) -> None:
        if self.daily_requests_left == 0:
            raise TargetError(
                "pipedrive: the company's daily API budget is used up (HTTP 429, "
                "x-daily-requests-left: 0); resume the run after the daily reset"
            )

    def _rate_reset(self, response: httpx.Response) -> float | None:
        return parse_retry_after(response.headers.get("x-ratelimit-reset"))

    async def _call(
        self, method: str, path: str, *, search: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """One request inside the burst budget (429s wait in `_request`); 401 is AuthError."""
        limiter = self.search_limiter if search else self.limiter
        response = await self._request(method, path, limiters=[limiter], **kwargs)
        if response.status_code == 401:
            raise AuthError(
                "pipedrive rejected the API token (HTTP 401); check it with "
                "`crm-migrate auth show pipedrive` and store a new one with `auth set`"
            )
        return response

    async def _data(self, method: str, path: str, *, what: str, **kwargs: Any) -> Any:
        """The `data` of a successful answer; TargetError/TransientError otherwise."""
        response = await self._call(method, path, **kwargs)
        if retryable_status(response.status_code):
            raise self._transient(response, committed=method != "GET")
        body = response_json(response)
        if response.status_code >= 300 or not isinstance(body, dict) or not body.get("success"):
            raise TargetError(f"pipedrive: {what} failed: {_error_message(response)}")
        return body.get("data")

    async def _write_one(
        self, index: int, method: str, path: str, body: dict[str, Any] | None, created: bool | None
    ) -> WriteResult:
        """One write; per-record 4xx become failed results, transient failures raise."""
        response = await self._call(method, path, json=body)
        if retryable_status(response.status_code):
            raise self._transient(response, committed=True)
        payload = response_json(response)
        if response.status_code < 300 and isinstance(payload, dict) and payload.get("success"):
            data = payload.get("data") or {}
            rid = data.get("id") if isinstance(data, dict) else None
            return WriteResult(
                index, ok=True, id=str(rid) if rid is not None else None, created=created
            )
        if method == "DELETE" and response.status_code in (404, 410):
            return WriteResult(index, ok=True, id=path.rsplit("/", 1)[-1])  # already gone
        return WriteResult(index, ok=False, error=_error_message(response))

    async def _fan_out(
        self,
        calls: Sequence[tuple[int, str, str, dict[str, Any] | None, bool | None]],
        *,
        idempotent: bool = True,
    ) -> list[WriteResult]:
        """Run single-record writes concurrently (see httpbase.settle_writes)."""
        return await settle_writes(
            [(call[0], self._write_one(*call)) for call in calls],
            idempotent=idempotent,
            lost_hint="it may have been created: check Pipedrive before resending it",
        )

    # -- translation ------------------------------------------------------------------

    def _custom(self, object_name: str, name: str) -> str | None:
        mapped = self.field_map.get(object_name, {}).get(name)
        if mapped:
            return mapped
        return name if CUSTOM_KEY.match(name) else None

    async def _body(
        self, object_name: str, props: dict[str, str], *, creating: bool
    ) -> dict[str, Any]:
        """The v2 request body for one record's canonical properties."""
        body: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        dropped: list[str] = []
        handled: set[str] = set()
        if object_name == "contacts":
            handled = {"firstname", "lastname", "email", "phone", "mobilephone", "org_id"}
            name = " ".join(p for p in (props.get("firstname", ""), props.get("lastname", "")) if p)
            if name:
                body["name"] = name
            elif creating:
                body["name"] = props.get("email") or props.get("phone") or "(no name)"
            if props.get("email"):
                body["emails"] = [{"value": props["email"], "primary": True, "label": "work"}]
            phones = []
            if props.get("phone"):
                phones.append({"value": props["phone"], "primary": True, "label": "work"})
            if props.get("mobilephone"):
                phones.append(
                    {"value": props["mobilephone"], "primary": not phones, "label": "mobile"}
                )
            if phones:
                body["phones"] = phones
            if int_or_none(props.get("org_id")) is not None:
                body["org_id"] = int(props["org_id"])
            if any(props.get(part) for part in PERSON_ADDRESS_PARTS):
                place = await self._account_field(object_name, "address")
                if place is not None:  # the parts go into the account's address field
                    handled |= set(PERSON_ADDRESS_PARTS)
                    parts = address_body(props)
                    custom[str(place["key"])] = (
                        parts if place.get("field_type") == "address" else (parts or {}).get(
                            "value"))
        elif object_name == "companies":
            handled = {"name", "address", "city", "state", "zip", "country"}
            if props.get("name"):
                body["name"] = props["name"]
            elif creating:
                body["name"] = props.get("domain") or "(no name)"
            address = address_body(props)
            if address:
                body["address"] = address
        elif object_name == "deals":
            handled = {
                "dealname",
                "amount",
                "closedate",
                "dealstage",
                "pipeline",
                "org_id",
                "person_id",
            }
            if props.get("dealname"):
                body["title"] = props["dealname"]
            if props.get("amount"):
                body["value"] = number(props["amount"])
                if self.currency:
                    body["currency"] = self.currency
            if props.get("closedate"):
                body["expected_close_date"] = iso_date(props["closedate"])
            pipeline = await self._pipeline(props["pipeline"]) if props.get("pipeline") else None
            if pipeline is not None:
                body["pipeline_id"] = pipeline
            if props.get("dealstage"):
                body.update(await self._stage(props["dealstage"], pipeline))
            for link in ("org_id", "person_id"):
                if int_or_none(props.get(link)) is not None:
                    body[link] = int(props[link])
        for name, value in props.items():
            if name in handled or name == ID_PROPERTY:
                continue
            if name in STANDARD_PASSTHROUGH.get(object_name, ()) and value != "":
                number_value = int_or_none(value)
                body[name] = number_value if number_value is not None else value
                continue
            fld = await self._account_field(object_name, name)
            key = str(fld["key"]) if fld is not None else self._custom(object_name, name)
            if key:
                custom[key] = typed_value(fld, value) if fld is not None else (
                    value if value != "" else None)
            else:
                dropped.append(name)
        if custom:
            body["custom_fields"] = custom
        self._note_dropped(object_name, dropped)
        return body

    async def _pipelines_and_stages(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The account's pipelines and stages (GET /v1/pipelines, /v1/stages), read once."""
        if self._pipelines is None or self._stages is None:
            pipelines = await self._data("GET", "/v1/pipelines", what="list pipelines")
            stages = await self._data("GET", "/v1/stages", what="list stages")
            self._pipelines = [p for p in pipelines or [] if isinstance(p, dict)]
            self._stages = [st for st in stages or [] if isinstance(st, dict)]
        return self._pipelines, self._stages

    async def _pipeline(self, value: str) -> int:
        """A pipeline id from the account's pipelines, by id or name."""
        pipelines, _ = await self._pipelines_and_stages()
        text = value.strip()
        for pipe in pipelines:
            if str(pipe.get("id")) == text:
                return int(pipe["id"])
        for pipe in pipelines:
            if fold(str(pipe.get("name") or "")) == fold(text):
                return int(pipe["id"])
        names = ", ".join(str(p.get("name")) for p in pipelines)
        raise ValueError(f"INVALID_PIPELINE: no Pipedrive pipeline {value!r} ({names})")

    async def _stage(self, value: str, pipeline: int | None = None) -> dict[str, Any]:
        """Deal stage: closedwon/closedlost become a status; others a stage_id of the account,
        by id or name (within `pipeline` when the deal names one)."""
        if value == "closedwon":
            return {"status": "won"}
        if value == "closedlost":
            return {"status": "lost"}
        _, stages = await self._pipelines_and_stages()
        text = value.strip()
        mine = [st for st in stages
                if pipeline is None or int_or_none(str(st.get("pipeline_id"))) == pipeline]
        hits = [st for st in mine if str(st.get("id")) == text]
        if not hits:
            hits = [st for st in mine if fold(str(st.get("name") or "")) == fold(text)]
        if not hits and text.isdigit() and not stages:
            return {"stage_id": int(text)}  # an account that listed no stages: trust the id
        where = f" in pipeline {pipeline}" if pipeline is not None else ""
        if not hits:
            raise ValueError(f"INVALID_STAGE: no Pipedrive stage {value!r}{where}")
        if len({st.get("pipeline_id") for st in hits}) > 1:
            pipes = ", ".join(str(st.get("pipeline_name") or st.get("pipeline_id"))
                              for st in hits)
            raise ValueError(f"INVALID_STAGE: stage {value!r} is in several pipelines "
                             f"({pipes}); map the pipeline too")
        return {"stage_id": int(hits[0]["id"])}

    async def _account_fields(self, object_name: str) -> list[dict[str, Any]]:
        """The account's fields of the object (GET /v1/{entity}Fields), read once."""
        if object_name not in self._fields:
            endpoint = PD_FIELDS_ENDPOINT.get(object_name)
            if endpoint is None:
                raise TargetError(f"pipedrive: unknown object {object_name!r}")
            self._fields[object_name] = await self._read_fields(endpoint)
        return self._fields[object_name]

    async def _account_field(self, object_name: str, name: str) -> dict[str, Any] | None:
        """The account field a canonical field goes to: the one field_map names, a 40-char key
        given as is, else one found by name (see ACCOUNT_FIELD_NAMES and the built-in label);
        None when the account has none."""
        key = self._custom(object_name, name)
        fields = await self._account_fields(object_name)
        if key is not None:
            return next((f for f in fields if str(f.get("key")) == key), None)
        spec = builtin_schema(object_name).get(name)
        names = (*ACCOUNT_FIELD_NAMES.get(object_name, {}).get(name, ()),
                 *((spec.label,) if spec is not None else ()))
        found = find_field(fields, names) if names else None
        # a standard field the body fills itself (name, email...) is never a custom home
        if found is not None and not CUSTOM_KEY.match(str(found.get("key"))):
            return None
        return found

    # -- Connector protocol -----------------------------------------------------------

    async def account_id(self) -> str | None:
        """The Pipedrive company id of the token's user (GET /v1/users/me)."""
        data = await self._data("GET", "/v1/users/me", what="reading the account")
        company = data.get("company_id") if isinstance(data, dict) else None
        return str(company) if company is not None else None

    async def check(self) -> None:
        """Verify the token with GET /v1/users/me."""
        await self._data("GET", "/v1/users/me", what="connection check")

    async def _read_fields(self, endpoint: str) -> list[dict[str, Any]]:
        fields: list[dict[str, Any]] = []
        start = 0
        while True:
            response = await self._call(
                "GET", f"/v1/{endpoint}", params={"start": start, "limit": 500}
            )
            if retryable_status(response.status_code):
                raise self._transient(response, committed=False)
            body = response_json(response)
            if response.status_code >= 300 or not isinstance(body, dict) or not body.get("success"):
                raise TargetError(
                    f"pipedrive: reading {endpoint} failed: {_error_message(response)}"
                )
            fields.extend(f for f in body.get("data") or [] if isinstance(f, dict))
            paging = (body.get("additional_data") or {}).get("pagination") or {}
            if not paging.get("more_items_in_collection"):
                return fields
            start = int(paging.get("next_start") or start + 500)

    async def read_schema(self, object_name: str) -> list[dict[str, Any]]:
        """Fields from GET /v1/{person,organization,deal}Fields, HubSpot-shaped; the account's
        fields that hold a canonical field (a person's "Job title") go by its name."""
        if PD_FIELDS_ENDPOINT.get(object_name) is None:
            raise TargetError(f"pipedrive: unknown object {object_name!r}")
        self._fields.pop(object_name, None)  # read anew
        fields = await self._account_fields(object_name)
        names = dict(self.field_map.get(object_name) or {})
        for canonical in ACCOUNT_FIELD_NAMES.get(object_name, {}):
            if canonical not in names:
                found = await self._account_field(object_name, canonical)
                if found is not None:
                    names[canonical] = str(found["key"])
        return fields_to_properties(object_name, fields, names)

    async def read_live_schema(self, object_name: str) -> ObjectSchema:
        """The built-in fields merged with the account's (options by id), the deal pipelines
        with their stages, and the company's users as owners (GET /v1/users)."""
        live = builtin_schema(object_name).merge_live(await self.read_schema(object_name))
        pipelines: tuple[Pipeline, ...] = ()
        if object_name == "deals":
            raw_pipes, raw_stages = await self._pipelines_and_stages()
            pipelines = tuple(
                Pipeline(id=str(p.get("id")), label=str(p.get("name") or p.get("id")),
                         stages=tuple(Stage(id=str(st.get("id")),
                                            label=str(st.get("name") or st.get("id")),
                                            archived=st.get("active_flag") is False)
                                      for st in sorted(raw_stages,
                                                       key=lambda x: int(x.get("order_nr") or 0))
                                      if str(st.get("pipeline_id")) == str(p.get("id"))),
                         archived=p.get("active") is False)
                for p in raw_pipes)
            fields = dict(live.fields)
            if "pipeline" in fields:
                fields["pipeline"] = replace(fields["pipeline"], type="enumeration",
                                             options=tuple((p.id, p.label) for p in pipelines))
            if "dealstage" in fields:
                fields["dealstage"] = replace(fields["dealstage"], type="enumeration", options=tuple(
                    (st.id, st.label) for p in pipelines for st in p.stages))
            live = replace(live, fields=fields)
        users = await self._data("GET", "/v1/users", what="list users")
        owners = tuple(Owner(id=str(u.get("id")), email=str(u.get("email") or ""),
                             name=str(u.get("name") or ""), archived=u.get("active_flag") is False)
                       for u in users or [] if isinstance(u, dict))
        return live.with_live(pipelines=pipelines, owners=owners, source="pipedrive (live)")

    async def ensure_id_property(self, object_name: str) -> str | None:
        """persons by email, organizations by name, deals none (Pipedrive has no unique fields)."""
        pd_entity(object_name)
        return KEYS.get(object_name)

    async def _search_one(
        self, object_name: str, field_name: str, value: str
    ) -> RemoteRecord | None:
        entity = pd_entity(object_name)
        custom = self._custom(object_name, field_name)
        search_field = SEARCH_FIELD.get((object_name, field_name)) or (
            "custom_fields" if custom else None
        )
        if search_field is None:
            return None  # no Pipedrive field holds it (e.g. company domain), so nothing matches
        response = await self._call(
            "GET",
            f"/api/v2/{entity}/search",
            search=True,
            params={"term": value, "fields": search_field, "exact_match": "true", "limit": 10},
        )
        if retryable_status(response.status_code):
            raise self._transient(response, committed=False)
        body = response_json(response)
        if response.status_code >= 300 or not isinstance(body, dict) or not body.get("success"):
            raise TargetError(f"pipedrive: searching {entity} failed: {_error_message(response)}")
        items = ((body.get("data") or {}).get("items")) or []
        folded = value.strip().lower()
        for entry in items:
            item = entry.get("item") if isinstance(entry, dict) else None
            if not isinstance(item, dict):
                continue
            if search_field == "email":
                candidates = [str(e).lower() for e in item.get("emails") or []]
            elif search_field in ("name", "title"):
                candidates = [str(item.get(search_field) or "").lower()]
            else:
                candidates = [folded]  # exact_match on custom fields: trust the search
            if folded in candidates:
                return RemoteRecord(str(item["id"]), {field_name: value})
        return None

    async def lookup(
        self,
        object_name: str,
        field_name: str,
        values: list[str],
        properties: list[str] | None = None,
    ) -> dict[str, RemoteRecord]:
        """One exact-match search per value (the search budget is 10 per 2 s); with
        `properties`, the hits are read in full (100 a request) for before-images."""
        wanted = [v for v in dict.fromkeys(values) if v and v.strip()]
        hits = await asyncio.gather(*(self._search_one(object_name, field_name, v) for v in wanted))
        found = {value: record for value, record in zip(wanted, hits, strict=True) if record}
        missing = [v for v in wanted if v not in found]
        if missing and self.written_since:  # search lags writes: check what changed since
            found.update(await self._changed_since(object_name, field_name, missing))
        if properties is not None and found:
            full = await self.read(object_name, [r.id for r in found.values()], properties)
            for value, record in found.items():
                if record.id in full:
                    found[value] = RemoteRecord(
                        record.id, {**full[record.id].properties, field_name: value}
                    )
        return found

    async def _changed_since(
        self, object_name: str, field_name: str, values: list[str]
    ) -> dict[str, RemoteRecord]:
        """Records changed since the run began (GET /api/v2/{entity}?updated_since=, read from
        the records, not the search index) whose key equals one of `values` exactly (emails
        and names case-insensitively)."""
        search_field = SEARCH_FIELD.get((object_name, field_name))
        if search_field not in ("email", "name", "title") or not self.written_since:
            return {}
        try:
            began = datetime.fromisoformat(self.written_since)
        except ValueError:
            return {}
        if began.tzinfo is None:
            began = began.replace(tzinfo=UTC)
        since = (began.astimezone(UTC) - CLOCK_SKEW).strftime("%Y-%m-%dT%H:%M:%SZ")
        index: dict[str, str] = {}
        async for page, _ in self._pages(pd_entity(object_name), {"updated_since": since}):
            for item in page:
                if search_field == "email":
                    keys = [str(e.get("value") if isinstance(e, dict) else e)
                            for e in item.get("emails") or []]
                else:
                    keys = [str(item.get(search_field) or "")]
                for key in keys:
                    index.setdefault(key.strip().lower(), str(item["id"]))
        return {v: RemoteRecord(index[v.strip().lower()], {field_name: v})
                for v in values if v.strip().lower() in index}

    async def read(
        self, object_name: str, ids: list[str], properties: list[str]
    ) -> dict[str, RemoteRecord]:
        """Records by id via GET /api/v2/{entity}?ids= (100 a call)."""
        entity = pd_entity(object_name)
        wanted = [i for i in dict.fromkeys(ids) if i]
        found: dict[str, RemoteRecord] = {}
        for start in range(0, len(wanted), 100):
            chunk = wanted[start : start + 100]
            data = await self._data(
                "GET",
                f"/api/v2/{entity}",
                what=f"read {entity}",
                params={"ids": ",".join(chunk), "limit": 100},
            )
            for item in data or []:
                if isinstance(item, dict) and item.get("id") is not None:
                    props = record_properties(object_name, item, self.field_map.get(object_name))
                    if properties:
                        props = {k: v for k, v in props.items() if k in properties}
                    found[str(item["id"])] = RemoteRecord(str(item["id"]), props)
        return found

    async def _list(self, object_name: str, cap: int | None) -> tuple[list[RemoteRecord], bool]:
        """Records from GET /api/v2/{entity} (500 a page) up to `cap`; (records, complete)."""
        extra = self.field_map.get(object_name)
        records: list[RemoteRecord] = []
        async for page, last in self._pages(pd_entity(object_name), {}):
            records.extend(RemoteRecord(str(item["id"]), record_properties(object_name, item, extra))
                           for item in page)
            if not last and cap is not None and len(records) > cap:
                return records, False
        return records, True

    async def _pages(self, entity: str, params: dict[str, Any]
                     ) -> AsyncIterator[tuple[list[dict[str, Any]], bool]]:
        """The records of GET /api/v2/{entity} (500 a page, by cursor), a page at a time with
        whether it is the last; items without an id are left out."""
        cursor: str | None = None
        while True:
            query: dict[str, Any] = {"limit": 500, **params}
            if cursor:
                query["cursor"] = cursor
            response = await self._call("GET", f"/api/v2/{entity}", params=query)
            if retryable_status(response.status_code):
                raise self._transient(response, committed=False)
            body = response_json(response)
            if response.status_code >= 300 or not isinstance(body, dict) or not body.get("success"):
                raise TargetError(f"pipedrive: listing {entity} failed: {_error_message(response)}")
            cursor = (body.get("additional_data") or {}).get("next_cursor")
            yield [item for item in body.get("data") or []
                   if isinstance(item, dict) and item.get("id") is not None], not cursor
            if not cursor:
                return

    async def count(self, object_name: str) -> int:
        """How many records there are, listing at most `snapshot_cap` (more: cap + 1).

        Pipedrive has no count endpoint; the listing is kept for a following list_all.
        """
        records, complete = await self._list(object_name, self.snapshot_cap)
        self._listed[object_name] = records if complete else []
        return len(records) if complete else max(len(records), self.snapshot_cap + 1)

    async def list_all(self, object_name: str, properties: list[str],
                       on_page: Callable[[int], None] | None = None) -> list[RemoteRecord]:
        """Every record (reusing the listing count() just made); `on_page` hears the count
        once, at the end."""
        records = self._listed.pop(object_name, None)
        if not records:
            records, _ = await self._list(object_name, None)
        if on_page is not None:
            on_page(len(records))
        return records

    async def _bodies(
        self, object_name: str, records: list[dict[str, str]], *, creating: bool
    ) -> tuple[dict[int, dict[str, Any]], dict[int, WriteResult]]:
        bodies: dict[int, dict[str, Any]] = {}
        failed: dict[int, WriteResult] = {}
        for index, props in enumerate(records):
            try:
                bodies[index] = await self._body(object_name, props, creating=creating)
            except ValueError as exc:
                failed[index] = WriteResult(index, ok=False, error=str(exc))
        return bodies, failed

    async def create(self, object_name: str, records: list[dict[str, str]]) -> list[WriteResult]:
        """POST /api/v2/{entity} once per record, within the burst budget."""
        entity = pd_entity(object_name)
        bodies, failed = await self._bodies(object_name, records, creating=True)
        calls = [(i, "POST", f"/api/v2/{entity}", body, True) for i, body in bodies.items()]
        results = await self._fan_out(calls, idempotent=False)
        return sorted([*results, *failed.values()], key=lambda r: r.index)

    async def update(
        self, object_name: str, items: list[tuple[str, dict[str, str]]]
    ) -> list[WriteResult]:
        """PATCH /api/v2/{entity}/{id} once per record."""
        entity = pd_entity(object_name)
        bodies, failed = await self._bodies(object_name, [p for _, p in items], creating=False)
        calls = [
            (i, "PATCH", f"/api/v2/{entity}/{items[i][0]}", body, False)
            for i, body in bodies.items()
        ]
        results = await self._fan_out(calls)
        return sorted([*results, *failed.values()], key=lambda r: r.index)

    async def upsert(
        self, object_name: str, id_property: str, records: list[dict[str, str]]
    ) -> list[WriteResult]:
        """Search by `id_property`, then PATCH the match or POST a new record (not atomic).

        A key Pipedrive cannot search (the engine's `crm_migrate_id`, unless `field_map`
        names a custom field for it) means plain creates, reported as non-idempotent so
        a partly failed batch is never resent whole.
        """
        entity = pd_entity(object_name)
        searchable = SEARCH_FIELD.get((object_name, id_property)) is not None or bool(
            self._custom(object_name, id_property)
        )
        keys = [(props.get(id_property) or "").strip() for props in records]
        existing = (
            await self.lookup(object_name, id_property, [k for k in keys if k])
            if searchable
            else {}
        )
        bodies: dict[int, dict[str, Any]] = {}
        failed: dict[int, WriteResult] = {}
        calls = []
        for index, props in enumerate(records):
            match = existing.get(keys[index]) if keys[index] else None
            try:
                bodies[index] = await self._body(object_name, props, creating=match is None)
            except ValueError as exc:
                failed[index] = WriteResult(index, ok=False, error=str(exc))
                continue
            if match is None:
                calls.append((index, "POST", f"/api/v2/{entity}", bodies[index], True))
            else:
                if object_name == "contacts" and id_property == "email":
                    bodies[index].pop("emails", None)  # PATCH replaces the list: keep theirs
                calls.append((index, "PATCH", f"/api/v2/{entity}/{match.id}", bodies[index], False))
        results = await self._fan_out(calls, idempotent=searchable and all(keys))
        return sorted([*results, *failed.values()], key=lambda r: r.index)

    async def archive(self, object_name: str, ids: list[str]) -> list[WriteResult]:
        """DELETE /api/v2/{entity}/{id} (soft delete, purged after 30 days)."""
        entity = pd_entity(object_name)
        calls = [(i, "DELETE", f"/api/v2/{entity}/{rid}", None, None) for i, rid in enumerate(ids)]
        return await self._fan_out(calls)

    async def associate(
        self, from_object: str, to_object: str, pairs: list[tuple[str, str]]
    ) -> list[WriteResult]:
        """Person -> organization sets org_id; deal -> organization/person sets org_id/person_id."""
        links = {
            ("contacts", "companies"): "org_id",
            ("deals", "companies"): "org_id",
            ("deals", "contacts"): "person_id",
        }
        link = links.get((from_object, to_object))
        if link is None:
            raise TargetError(f"pipedrive: cannot associate {from_object} with {to_object}")
        entity = pd_entity(from_object)
        calls = []
        for i, (src, dst) in enumerate(pairs):
            target_id = int_or_none(dst)
            calls.append(
                (
                    i,
                    "PATCH",
                    f"/api/v2/{entity}/{src}",
                    {link: target_id if target_id is not None else dst},
                    False,
                )
            )
        return await self._fan_out(calls)
