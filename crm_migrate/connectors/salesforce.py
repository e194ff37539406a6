"""Salesforce REST connector: sObject Collections (200 records a call), upsert by External ID.

Writes are keyed by the External ID field `crm_migrate_id__c` (canonical `crm_migrate_id`);
`ensure_id_property` checks for it via describe and, when missing, tries to create it
through the Tooling API, else tells the admin to create it. Upsert by any other
field (e.g. `email`) is emulated with a SOQL look-up then create/update, which is
not atomic: the push engine's journal reconciles after a crash.

Rate: Salesforce has no per-second REST limit; the constraints are the org's daily
request allocation (each collection call counts once; usage is read from every
`Sforce-Limit-Info` header into `api_usage`) and 25 concurrent long-running calls,
so the hint is 25 calls per second with 5 in flight. Writes stop with a TargetError
once usage passes `stop_at_usage` (98% by default) to leave the org headroom.

Auth: a bare access token, or the JSON credential `crm-migrate auth set salesforce` stores
({"instance_url", "access_token", "refresh_token", "client_id", "client_secret"}). With a
refresh token and client id, a 401 INVALID_SESSION_ID is answered by one OAuth refresh
(POST {instance}/services/oauth2/token, grant_type=refresh_token) and the request is sent
again, so a run outlives its access token; the new token goes back into the keyring entry
that holds the refresh token. A refused refresh is an AuthError (the run stops, journal kept).

Schema: `read_live_schema` turns describe into an ObjectSchema (picklists with inactive
values hidden, lengths, required-on-create, read-only), uses the ISO-code fields
(MailingCountryCode...) when the org has State and Country Picklists on, the Opportunity
StageName picklist as the deals pipeline, and active Users as owners.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

import httpx

from crm_migrate.connectors.base import (
    BatchRejected,
    RateHint,
    RemoteRecord,
    TransientError,
    WriteResult,
)
from crm_migrate.connectors.fieldmap import (
    SF_ID_FIELD,
    FieldMap,
    canonical_from_sf,
    from_salesforce,
    sf_field,
    sf_object,
    to_salesforce,
    website_host,
)
from crm_migrate.connectors.httpbase import HttpConnectorBase, response_json, retryable_status
from crm_migrate.connectors.salesforce_bulk import run_payloads
from crm_migrate.connectors.salesforce_schema import (
    admin_hint,
    auto_fields,
    collection_result,
    describe_to_properties,
    describe_to_schema,
    errors_text,
    find_field,
    id_field_request,
    name_canonical,
    picklist_values,
)
from crm_migrate.connectors.soql import id18, select_list, soql_chunks, soql_quote
from crm_migrate.errors import AuthError, TargetError
from crm_migrate.identity import ID_PROPERTY
from crm_migrate.schema import ObjectSchema, Owner
from crm_migrate.secrets import (
    credential_fields,
    redact,
    register_secret,
    split_credential,
    store_refreshed_token,
)

DEFAULT_API_VERSION = "v60.0"
CONCURRENCY_BACKOFF = 20.0  # seconds: long-running calls are those over 20 s
COLLECTION_LIMIT = (
    200  # records per sObject Collections call  # stay far below the 16,384-character URI limit
)
REQUIRED_ON_CREATE: dict[str, tuple[str, ...]] = {
    "Contact": ("LastName",),
    "Account": ("Name",),
    "Opportunity": ("Name", "StageName", "CloseDate"),
}
_LIMIT_INFO = re.compile(r"api-usage=(\d+)/(\d+)")
TOKEN_PATH = "/services/oauth2/token"
BULK_MODES = (True, False, "auto")
_log = logging.getLogger("crm_migrate.connectors")


class SalesforceConnector(HttpConnectorBase):
    """Salesforce via the REST API's sObject Collections."""

    target = "salesforce"
    max_batch = 200
    rate = RateHint(requests=25, per_seconds=1.0, concurrency=5)
    implements_seed = False  # no rate limiter here: no send times to hand over

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        api_version: str | None = None,
        field_map: dict[str, dict[str, str | None]] | None = None,
        create_id_field: bool = True,
        stop_at_usage: float = 0.98,
        bulk: bool | str = False,
        bulk_threshold: int | None = None,
        bulk_poll_seconds: float = 2.0,
        timeout: float = 120.0,
        store_refreshed: bool = True,
        **options: Any,
    ) -> None:
        access, stored_url = split_credential(token)
        credential = credential_fields(token)
        self.refresh_token = credential.get("refresh_token")
        self.client_id = credential.get("client_id")
        self.client_secret = credential.get("client_secret")
        self.store_refreshed = store_refreshed
        self.refreshes = 0  # access tokens obtained with the refresh token this session
        self._refresh_lock = asyncio.Lock()
        instance_url = (url or stored_url or "").rstrip("/")
        if not access:
            raise AuthError(
                "no Salesforce access token: run `crm-migrate auth set salesforce` "
                "or set CRM_MIGRATE_TOKEN"
            )
        if not instance_url.startswith(("https://", "http://")):
            raise TargetError(
                "Salesforce needs the instance URL (--url https://yourdomain.my.salesforce.com, "
                "or store it with `crm-migrate auth set salesforce`)"
            )
        headers = {"Authorization": f"Bearer {access}", "Accept": "application/json"}
        super().__init__(instance_url, headers, transport, timeout, secret=token)
        self._access = access
        version = api_version or DEFAULT_API_VERSION
        version = version if version.startswith("v") else f"v{version}"
        self.api_version = version
        self.base_path = f"/services/data/{version}"
        self.field_map: dict[str, dict[str, str | None]] = field_map or {}
        self.create_id_field = create_id_field
        self.stop_at_usage = stop_at_usage
        if bulk not in BULK_MODES:
            raise TargetError(f"salesforce: bulk must be true, false or auto, not {bulk!r}")
        # True: every write batch is a Bulk API 2.0 job; "auto": batches above the threshold
        self.bulk: bool | str = bulk
        self.bulk_threshold = (
            bulk_threshold if bulk_threshold is not None else (0 if bulk is True else 2000)
        )
        self.bulk_poll_seconds = bulk_poll_seconds
        if bulk:
            self.max_batch = 10_000  # one Bulk API 2.0 job per engine batch
        self.api_usage: tuple[int, int] | None = None
        self.dropped_fields: dict[str, set[str]] = {}
        self._describe: dict[str, dict[str, Any]] = {}
        self._found: dict[str, dict[str, str]] = {}  # fields found in describe, by object
        self._picklists: dict[str, dict[str, dict[str, str]]] = {}
        self.options = options

    @property
    def can_refresh(self) -> bool:
        """Whether a refresh token and client id are at hand."""
        return bool(self.refresh_token and self.client_id)

    def fields_for(self, object_name: str) -> FieldMap:
        """canonical -> Salesforce field for `object_name`: what describe found (ISO-code
        picklists, custom fields by name), overridden by the profile's `target.fields`."""
        return {**self._found.get(object_name, {}), **self.field_map.get(object_name, {})}

    async def _refresh(self, used: str | None) -> None:
        """Get a new access token with the refresh token (once for requests that failed
        together); store it back in the keyring; AuthError when the refresh is refused."""
        async with self._refresh_lock:
            if self._access != used:
                return  # another request refreshed meanwhile
            form = {
                "grant_type": "refresh_token",
                "refresh_token": str(self.refresh_token),
                "client_id": str(self.client_id),
            }
            if self.client_secret:
                form["client_secret"] = self.client_secret
            request = self._client.build_request("POST", TOKEN_PATH, data=form)
            del request.headers["Authorization"]  # the expired token is not sent along
            try:
                response = await self._client.send(request)
            except httpx.TransportError as exc:
                raise TransientError(
                    f"salesforce: the token refresh did not get through ({type(exc).__name__})",
                    maybe_committed=False,
                ) from None
            body = response_json(response)
            body = body if isinstance(body, dict) else {}
            access = body.get("access_token")
            if response.status_code >= 300 or not isinstance(access, str) or not access:
                if retryable_status(response.status_code):
                    raise self._transient(response, committed=False)
                reason = body.get("error") or f"HTTP {response.status_code}"
                detail = body.get("error_description")
                said = f"{reason}: {detail}" if detail else str(reason)
                raise AuthError(
                    "salesforce: the access token expired and refreshing it was refused "
                    f"({redact(said)}); run `crm-migrate auth set salesforce --client-id ...` "
                    "with a new refresh token, then resume"
                )
            register_secret(access)
            self._access = access
            self._client.headers["Authorization"] = f"Bearer {access}"
            self.refreshes += 1
            instance = body.get("instance_url")
            if self.store_refreshed and self.refresh_token:
                stored = store_refreshed_token(
                    self.target,
                    self.refresh_token,
                    access,
                    str(instance) if isinstance(instance, str) else None,
                )
                if not stored:
                    _log.info("salesforce: refreshed the access token (not stored: the keyring "
                              "holds another credential or none)")

    # -- plumbing ---------------------------------------------------------------------

    def _observe(self, response: httpx.Response) -> None:
        info = response.headers.get("sforce-limit-info")
        if info:
            match = _LIMIT_INFO.search(info)
            if match:
                self.api_usage = (int(match.group(1)), int(match.group(2)))

    def _guard_usage(self) -> None:
        if self.api_usage and self.api_usage[1] > 0:
            used, allowed = self.api_usage
            if used / allowed >= self.stop_at_usage:
                raise TargetError(
                    f"salesforce: the org has used {used} of its {allowed} daily API requests "
                    f"(stop set at {self.stop_at_usage:.0%}); resume when the 24-hour window frees calls"
                )

    async def _call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        write: bool = False,
        raw: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Send, map request-level errors, return the decoded JSON body (or text when raw)."""
        if write:
            self._guard_usage()
        url = path if path.startswith("/services/") else f"{self.base_path}{path}"
        used = self._access
        response = await self._request(method, url, **kwargs)
        if response.status_code == 401 and self.can_refresh:
            await self._refresh(used)  # 401: nothing was applied, so sending again is safe
            response = await self._request(method, url, **kwargs)
        status = response.status_code
        if status < 300:
            return response.text if raw else response_json(response)
        body = response_json(response)
        errors = body if isinstance(body, list) else [body] if isinstance(body, dict) else []
        codes = {
            str(e.get("errorCode") or e.get("statusCode") or "")
            for e in errors
            if isinstance(e, dict)
        }
        detail = errors_text([e for e in errors if isinstance(e, dict)]) if errors else ""
        if status == 401 or "INVALID_SESSION_ID" in codes:
            hint = (
                "the refreshed token was refused too"
                if self.can_refresh
                else "store a refresh token with `crm-migrate auth set salesforce --client-id "
                "...` so runs outlive it, or get a new access token"
            )
            raise AuthError(
                "salesforce rejected the access token (INVALID_SESSION_ID: session expired or "
                f"invalid); {hint}"
            )
        if "REQUEST_LIMIT_EXCEEDED" in codes and "concurrent" in detail.lower():
            # ConcurrentPerOrgLongTxn / ConcurrentRequests: too many long calls in flight
            raise TransientError(
                f"salesforce: too many concurrent long-running requests ({detail})",
                status=status,
                retry_after=CONCURRENCY_BACKOFF,
                maybe_committed=False,
            )
        if "REQUEST_LIMIT_EXCEEDED" in codes:
            raise TargetError(
                f"salesforce: the org's API request limit is exceeded ({detail}); the run stops "
                "here, resume it once the 24-hour allocation frees calls"
            )
        if retryable_status(status):
            raise self._transient(response, committed=write)
        if write and status in (400, 413, 414):
            raise BatchRejected(
                f"salesforce: {what} rejected (HTTP {status}): {detail or redact(response.text[:300])}",
                status=status,
            )
        if status == 403:
            raise TargetError(f"salesforce: {what} not allowed (HTTP 403): {detail}")
        raise TargetError(
            f"salesforce: {what} failed (HTTP {status}): {detail or redact(response.text[:300])}"
        )

    def _translate(self, object_name: str, props: dict[str, str]) -> dict[str, Any]:
        fields, dropped = to_salesforce(object_name, props, self.fields_for(object_name))
        self._note_dropped(object_name, [d for d in dropped if d != "pipeline"])
        picklists = self._picklists.get(object_name)
        if picklists:
            for name, value in fields.items():
                table = picklists.get(name)
                if table and isinstance(value, str) and value not in table.values():
                    parts = [table.get(p.strip().casefold(), p) for p in value.split(";")]
                    fields[name] = ";".join(parts)  # a label (or other case) -> its value
        return fields

    def _named(self, object_name: str, results: list[WriteResult]) -> list[WriteResult]:
        """Results whose errors name the canonical field next to the Salesforce one."""
        mapping = self.fields_for(object_name)
        for result in results:
            if result.error and "(fields: " in result.error:
                result.error = name_canonical(
                    result.error, lambda n: canonical_from_sf(object_name, n, mapping)
                )
        return results

    async def _collection(
        self,
        method: str,
        path: str,
        payloads: list[tuple[int, dict[str, Any]]],
        *,
        created: bool | None,
        what: str,
    ) -> list[WriteResult]:
        """Send (index, record) pairs through an sObject Collections endpoint, 200 a call."""
        results: list[WriteResult] = []
        for start in range(0, len(payloads), COLLECTION_LIMIT):
            chunk = payloads[start : start + COLLECTION_LIMIT]
            body = {"allOrNone": False, "records": [record for _, record in chunk]}
            answer = await self._call(method, path, what=what, write=True, json=body)
            if not isinstance(answer, list) or len(answer) != len(chunk):
                raise TargetError(
                    f"salesforce: {what} answered {type(answer).__name__} for {len(chunk)} records"
                )
            results.extend(
                collection_result(index, item, created)
                for (index, _), item in zip(chunk, answer, strict=True)
            )
        return results

    async def _query(self, soql: str) -> list[dict[str, Any]]:
        """Every record a SOQL query returns (following nextRecordsUrl)."""
        records: list[dict[str, Any]] = []
        answer = await self._call("GET", "/query", what="SOQL query", params={"q": soql})
        while isinstance(answer, dict):
            records.extend(r for r in answer.get("records") or [] if isinstance(r, dict))
            next_url = answer.get("nextRecordsUrl")
            if answer.get("done", True) or not next_url:
                break
            answer = await self._call("GET", str(next_url), what="SOQL query (next page)")
        return records

    # -- Connector protocol -----------------------------------------------------------

    async def account_id(self) -> str | None:
        """The org's id (SELECT Id FROM Organization), for the audit trail."""
        records = await self._query("SELECT Id FROM Organization LIMIT 1")
        org_id = records[0].get("Id") if records else None
        return str(org_id) if org_id else None

    async def check(self) -> None:
        """Verify the instance URL and token with a cheap call (the org's limits)."""
        await self._call("GET", "/limits", what="connection check")

    async def _describe_object(self, object_name: str, *, refresh: bool = False) -> dict[str, Any]:
        sobject = sf_object(object_name)
        if refresh or sobject not in self._describe:
            answer = await self._call(
                "GET", f"/sobjects/{sobject}/describe", what=f"describe {sobject}"
            )
            described = answer if isinstance(answer, dict) else {}
            self._describe[sobject] = described
            self._found[object_name] = auto_fields(object_name, described)
            self._picklists[object_name] = picklist_values(described)
        return self._describe[sobject]

    async def read_schema(self, object_name: str) -> list[dict[str, Any]]:
        """The object's fields from describe, HubSpot-shaped, canonical names where known."""
        described = await self._describe_object(object_name)
        return describe_to_properties(object_name, described, self.fields_for(object_name))

    async def read_live_schema(self, object_name: str) -> ObjectSchema:
        """The object's schema from describe (see the module notes) with the active users
        as owners."""
        described = await self._describe_object(object_name)
        return describe_to_schema(
            object_name, described, self.fields_for(object_name), owners=await self.owners()
        )

    async def owners(self) -> tuple[Owner, ...]:
        """Active users records can be assigned to; none when this user may not list them."""
        try:
            users = await self._query("SELECT Id, Email, Name FROM User WHERE IsActive = true")
        except AuthError:
            raise
        except TargetError:
            return ()
        return tuple(
            Owner(str(u["Id"]), str(u.get("Email") or ""), str(u.get("Name") or ""))
            for u in users
            if u.get("Id")
        )

    async def ensure_id_property(self, object_name: str) -> str | None:
        """`crm_migrate_id`, backed by the External ID field crm_migrate_id__c (created if we may)."""
        sobject = sf_object(object_name)
        field = find_field(await self._describe_object(object_name), SF_ID_FIELD)
        if field is None and self.create_id_field:
            await self._create_id_field(sobject)
            field = find_field(await self._describe_object(object_name, refresh=True), SF_ID_FIELD)
            if field is None:
                raise TargetError(
                    f"salesforce: created {sobject}.{SF_ID_FIELD} but this user cannot see it; "
                    "grant the integration user read/edit field-level security on it, then run again"
                )
        if field is None:
            raise TargetError(admin_hint(sobject))
        if not field.get("externalId"):
            raise TargetError(
                f"salesforce: {sobject}.{SF_ID_FIELD} exists but is not an External ID field; "
                "tick 'External ID' (and 'Unique') on it in Setup > Object Manager"
            )
        return ID_PROPERTY

    async def _create_id_field(self, sobject: str) -> None:
        """Create the External ID field through the Tooling API, else explain what to ask for."""
        try:
            await self._call(
                "POST",
                "/tooling/sobjects/CustomField",
                what="create External ID field",
                json=id_field_request(sobject),
            )
        except AuthError:
            raise
        except TargetError as exc:
            raise TargetError(f"{admin_hint(sobject)} (automatic creation failed: {exc})") from None

    async def lookup(
        self,
        object_name: str,
        field_name: str,
        values: list[str],
        properties: list[str] | None = None,
    ) -> dict[str, RemoteRecord]:
        """Records whose field equals one of `values` (SOQL IN, case-insensitive as Salesforce
        compares), with the standard fields plus `properties`; none for a field Salesforce
        has no home for."""
        wanted = [v for v in dict.fromkeys(values) if v]
        if not wanted:
            return {}
        sobject = sf_object(object_name)
        extra = self.fields_for(object_name)
        if (
            object_name == "companies"
            and field_name == "domain"
            and not (extra and "domain" in extra)
        ):
            return await self._lookup_domain(wanted)
        column = sf_field(object_name, field_name, extra)
        if column is None:
            return {}  # no Salesforce field holds it, so no record can match
        by_folded: dict[str, list[str]] = {}
        for value in wanted:
            by_folded.setdefault(value.lower(), []).append(value)
        select = select_list(object_name, None, extra, field_name, *(properties or []))
        found: dict[str, RemoteRecord] = {}
        for soql in soql_chunks(f"SELECT {select} FROM {sobject}", column, wanted):
            for record in await self._query(soql):
                hit = str(record.get(column) or "").lower()
                for given in by_folded.get(hit, []):
                    found.setdefault(
                        given,
                        RemoteRecord(
                            str(record["Id"]), from_salesforce(object_name, record, extra)
                        ),
                    )
        return found

    async def _lookup_domain(self, domains: list[str]) -> dict[str, RemoteRecord]:
        """Accounts whose Website's host is one of `domains` (Account has no Domain field)."""
        select = select_list("companies", None, self.fields_for("companies"))
        by_host = {website_host(d): d for d in domains}
        found: dict[str, RemoteRecord] = {}
        hosts = list(by_host)
        for start in range(0, len(hosts), 50):
            part = hosts[start : start + 50]
            where = " OR ".join(f"Website LIKE {soql_quote('%' + h + '%')}" for h in part)
            for record in await self._query(f"SELECT {select} FROM Account WHERE {where}"):
                host = website_host(str(record.get("Website") or ""))
                if host in by_host:
                    found.setdefault(
                        by_host[host],
                        RemoteRecord(str(record["Id"]), from_salesforce("companies", record)),
                    )
        return found

    async def read(
        self, object_name: str, ids: list[str], properties: list[str]
    ) -> dict[str, RemoteRecord]:
        """Records by Salesforce id via SOQL (ids that do not exist are absent)."""
        wanted = [i for i in dict.fromkeys(ids) if i]
        if not wanted:
            return {}
        sobject = sf_object(object_name)
        select = select_list(object_name, properties, self.fields_for(object_name))
        extra = self.fields_for(object_name)
        found: dict[str, RemoteRecord] = {}
        for soql in soql_chunks(f"SELECT {select} FROM {sobject}", "Id", wanted):
            for record in await self._query(soql):
                rid = str(record["Id"])
                props = from_salesforce(object_name, record, extra)
                if properties:
                    props = {k: v for k, v in props.items() if k in properties}
                found[rid] = RemoteRecord(rid, props)
                found.setdefault(rid[:15], found[rid])  # 15-char ids match their 18-char form
        return {i: found[i] for i in wanted if i in found}

    async def count(self, object_name: str) -> int:
        """How many records the object holds (SOQL COUNT(), one call)."""
        answer = await self._call(
            "GET",
            "/query",
            what="count",
            params={"q": f"SELECT COUNT() FROM {sf_object(object_name)}"},
        )
        return int((answer or {}).get("totalSize") or 0)

    async def list_all(self, object_name: str, properties: list[str],
                       on_page: Callable[[int], None] | None = None) -> list[RemoteRecord]:
        """Every record with the standard fields plus `properties` (2,000 a page); `on_page`
        hears the count once, at the end."""
        extra = self.fields_for(object_name)
        select = select_list(object_name, None, extra, *properties)
        records = await self._query(f"SELECT {select} FROM {sf_object(object_name)}")
        if on_page is not None:
            on_page(len(records))
        return [RemoteRecord(str(r["Id"]), from_salesforce(object_name, r, extra)) for r in records]

    def _missing_required(self, sobject: str, fields: dict[str, Any]) -> list[str]:
        return [
            name for name in REQUIRED_ON_CREATE.get(sobject, ()) if fields.get(name) in (None, "")
        ]

    async def create(self, object_name: str, records: list[dict[str, str]]) -> list[WriteResult]:
        """Create records with POST /composite/sobjects (allOrNone false); one result per input."""
        sobject = sf_object(object_name)
        results: dict[int, WriteResult] = {}
        payloads: list[tuple[int, dict[str, Any]]] = []
        for index, props in enumerate(records):
            fields = {k: v for k, v in self._translate(object_name, props).items() if v is not None}
            missing = self._missing_required(sobject, fields)
            if missing:
                results[index] = WriteResult(
                    index,
                    ok=False,
                    error=f"REQUIRED_FIELD_MISSING: Required fields are missing: [{', '.join(missing)}]",
                )
                continue
            payloads.append((index, {"attributes": {"type": sobject}, **fields}))
        if self._use_bulk(payloads):
            answers = await self._bulk(sobject, "insert", payloads, None)
        else:
            answers = await self._collection(
                "POST", "/composite/sobjects", payloads, created=True, what=f"create {sobject}"
            )
        for result in answers:
            results[result.index] = result
        return self._named(object_name, [results[i] for i in range(len(records))])

    def _use_bulk(self, payloads: list[tuple[int, dict[str, Any]]]) -> bool:
        return bool(self.bulk) and bool(payloads) and len(payloads) > self.bulk_threshold

    async def _bulk(
        self,
        sobject: str,
        operation: str,
        payloads: list[tuple[int, dict[str, Any]]],
        external_id: str | None,
    ) -> list[WriteResult]:
        """Run the payloads as one Bulk API 2.0 ingest job; results carry the payload indexes."""
        return await run_payloads(
            self._call, sobject, operation, payloads, external_id, self.bulk_poll_seconds
        )

    async def upsert(
        self, object_name: str, id_property: str, records: list[dict[str, str]]
    ) -> list[WriteResult]:
        """Upsert by External ID via PATCH /composite/sobjects/{SObject}/{Field}; other keys emulated."""
        sobject = sf_object(object_name)
        column = sf_field(object_name, id_property, self.fields_for(object_name))
        if column is None:
            raise TargetError(f"salesforce: cannot upsert {object_name} by {id_property!r}")
        if not column.endswith("__c"):
            return await self._emulated_upsert(object_name, id_property, records)
        results: dict[int, WriteResult] = {}
        payloads: list[tuple[int, dict[str, Any]]] = []
        for index, props in enumerate(records):
            fields = self._translate(object_name, props)
            if not fields.get(column):
                results[index] = WriteResult(
                    index, ok=False, error=f"MISSING_KEY: no {id_property} value to upsert by"
                )
                continue
            payloads.append((index, {"attributes": {"type": sobject}, **fields}))
        path = f"/composite/sobjects/{sobject}/{column}"
        if self._use_bulk(payloads):
            answers = await self._bulk(sobject, "upsert", payloads, column)
        else:
            answers = await self._collection(
                "PATCH", path, payloads, created=None, what=f"upsert {sobject}"
            )
        for result in answers:
            results[result.index] = result
        return self._named(object_name, [results[i] for i in range(len(records))])

    async def _emulated_upsert(
        self, object_name: str, id_property: str, records: list[dict[str, str]]
    ) -> list[WriteResult]:
        """Look up by the key, then update the matches and create the rest (not atomic)."""
        keys = [props.get(id_property, "") for props in records]
        existing = await self.lookup(object_name, id_property, [k for k in keys if k])
        folded = {k.lower(): rec for k, rec in existing.items()}
        to_update: list[tuple[int, tuple[str, dict[str, str]]]] = []
        to_create: list[tuple[int, dict[str, str]]] = []
        for index, props in enumerate(records):
            match = folded.get(keys[index].lower()) if keys[index] else None
            if match is not None:
                to_update.append((index, (match.id, props)))
            else:
                to_create.append((index, props))
        results: dict[int, WriteResult] = {}
        if to_update:
            answers = await self.update(object_name, [item for _, item in to_update])
            for (index, _), answer in zip(to_update, answers, strict=True):
                results[index] = WriteResult(
                    index,
                    answer.ok,
                    answer.id,
                    False if answer.ok else None,
                    answer.error,
                    answer.retryable,
                )
        if to_create:
            answers = await self.create(object_name, [props for _, props in to_create])
            for (index, _), answer in zip(to_create, answers, strict=True):
                results[index] = WriteResult(
                    index, answer.ok, answer.id, answer.created, answer.error, answer.retryable
                )
        return [results[i] for i in range(len(records))]

    async def update(
        self, object_name: str, items: list[tuple[str, dict[str, str]]]
    ) -> list[WriteResult]:
        """Update (id, properties) pairs with PATCH /composite/sobjects; "" clears a field."""
        sobject = sf_object(object_name)
        payloads = [
            (
                index,
                {"attributes": {"type": sobject}, "id": rid, **self._translate(object_name, props)},
            )
            for index, (rid, props) in enumerate(items)
        ]
        answers = await self._collection(
            "PATCH", "/composite/sobjects", payloads, created=False, what=f"update {sobject}"
        )
        return self._named(object_name, answers)

    async def archive(self, object_name: str, ids: list[str]) -> list[WriteResult]:
        """Delete by id (to the recycle bin) with DELETE /composite/sobjects?ids=...&allOrNone=false."""
        sf_object(object_name)
        results: list[WriteResult] = []
        for start in range(0, len(ids), COLLECTION_LIMIT):
            chunk = ids[start : start + COLLECTION_LIMIT]
            answer = await self._call(
                "DELETE",
                "/composite/sobjects",
                what="delete records",
                write=True,
                params={"ids": ",".join(chunk), "allOrNone": "false"},
            )
            if not isinstance(answer, list) or len(answer) != len(chunk):
                raise TargetError(
                    f"salesforce: delete answered {type(answer).__name__} for {len(chunk)} ids"
                )
            for offset, item in enumerate(answer):
                result = collection_result(start + offset, item, None)
                if not result.ok and "ENTITY_IS_DELETED" in (result.error or ""):
                    result = WriteResult(start + offset, ok=True, id=chunk[offset])
                results.append(result)
        return results

    async def associate(
        self, from_object: str, to_object: str, pairs: list[tuple[str, str]]
    ) -> list[WriteResult]:
        """Contact/Opportunity -> Account sets AccountId; Opportunity <-> Contact adds a contact role."""
        if to_object == "companies" and from_object in ("contacts", "deals"):
            sobject = sf_object(from_object)
            payloads = [
                (i, {"attributes": {"type": sobject}, "id": src, "AccountId": dst})
                for i, (src, dst) in enumerate(pairs)
            ]
            return await self._collection(
                "PATCH",
                "/composite/sobjects",
                payloads,
                created=False,
                what=f"link {sobject} to Account",
            )
        if {from_object, to_object} == {"contacts", "deals"}:
            return await self._contact_roles(
                [(s, d) if from_object == "contacts" else (d, s) for s, d in pairs]
            )
        raise TargetError(f"salesforce: cannot associate {from_object} with {to_object}")

    async def _contact_roles(self, pairs: list[tuple[str, str]]) -> list[WriteResult]:
        """OpportunityContactRole for each (contact, opportunity) pair that has none yet: the
        existing roles are read first (one SOQL per chunk of opportunities) and a pair met
        again, in the org or earlier in the batch, is reported ok with that role's id, so a
        resend after a timeout or a resume never adds a second role."""
        existing: dict[tuple[str, str], str] = {}
        deals = [d for d in dict.fromkeys(deal for _, deal in pairs) if d]
        prefix = "SELECT Id, ContactId, OpportunityId FROM OpportunityContactRole"
        for soql in soql_chunks(prefix, "OpportunityId", deals):
            for role in await self._query(soql):
                key = (id18(str(role.get("ContactId"))), id18(str(role.get("OpportunityId"))))
                existing.setdefault(key, str(role.get("Id")))
        results: dict[int, WriteResult] = {}
        payloads: list[tuple[int, dict[str, Any]]] = []
        first: dict[tuple[str, str], int] = {}
        repeats: list[tuple[int, int]] = []
        for index, (contact, deal) in enumerate(pairs):
            key = (id18(contact), id18(deal))
            if key in existing:
                results[index] = WriteResult(index, ok=True, id=existing[key], created=False)
            elif key in first:
                repeats.append((index, first[key]))
            else:
                first[key] = index
                payloads.append(
                    (
                        index,
                        {
                            "attributes": {"type": "OpportunityContactRole"},
                            "ContactId": contact,
                            "OpportunityId": deal,
                        },
                    )
                )
        for result in await self._collection(
            "POST", "/composite/sobjects", payloads, created=True, what="create contact roles"
        ):
            results[result.index] = result
        for index, original in repeats:
            made = results[original]
            results[index] = WriteResult(index, made.ok, made.id, False, made.error, made.retryable)
        return [results[i] for i in range(len(pairs))]
