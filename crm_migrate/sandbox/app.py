"""The sandbox's ASGI app: HubSpot CRM v3 objects/properties and v4 associations routes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from crm_migrate.sandbox import DEFAULT_TOKEN, batches
from crm_migrate.sandbox.associations import (
    batch_archive,
    batch_associate_default,
    batch_read,
    list_v4,
    put_default,
    render_v3,
)
from crm_migrate.sandbox.faults import FaultInjector
from crm_migrate.sandbox.gate import Gate, SandboxSettings, unauthorized_body
from crm_migrate.sandbox.limits import RateLimiter
from crm_migrate.sandbox.portal import Portal, default_deal_pipelines, load_portal
from crm_migrate.sandbox.properties import new_property_json, unknown_property
from crm_migrate.sandbox.records import (
    id_property_of,
    inputs_of,
    lookup_key,
    parse_id,
    render,
    requested_properties,
    resolve,
)
from crm_migrate.sandbox.search import search
from crm_migrate.sandbox.shapes import (
    ApiError,
    error_body,
    not_found,
    now_ms,
    resolve_object,
    validation_error,
)
from crm_migrate.sandbox.store import Record, Store

Handler = Callable[["Sandbox", Request, Any], Response]
MAX_LIST_LIMIT = 100
MAX_OWNERS_LIMIT = 500
SANDBOX_PORTAL_ID = 1000001  # the one portal a sandbox plays


class Sandbox:
    """Everything one app instance needs: its store and live settings."""

    def __init__(self, store: Store, settings: SandboxSettings) -> None:
        self.store = store
        self.settings = settings

    def stats(self) -> dict[str, Any]:
        """The /_sandbox/stats body."""
        counters = self.settings.counters
        return {
            "requests": counters.requests,
            "rate_limited": counters.rate_limited,
            "faults": counters.faults,
            "records": self.store.reader().counts(),
        }


def _json_response(body: Any, status: int = 200) -> Response:
    payload = json.dumps(body, separators=(",", ":")).encode()
    return Response(payload, status_code=status, media_type="application/json;charset=utf-8")


def endpoint(fn: Handler) -> Callable[[Request], Any]:
    """Read the JSON body, run fn in the threadpool, answer ApiErrors in HubSpot's shape."""

    async def run(request: Request) -> Response:
        try:
            raw = await request.body()
        except ClientDisconnect:  # the client went away (e.g. killed) mid-request: no one to answer
            return Response(status_code=499)
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            err = validation_error("Invalid input JSON on line 1: the body is not valid JSON")
            return _json_response(err.body(), err.status)
        sandbox: Sandbox = request.app.state.sandbox
        try:
            return await run_in_threadpool(fn, sandbox, request, body)
        except ApiError as err:
            return _json_response(err.body(), err.status)

    return run


def _object(request: Request, key: str = "object") -> str:
    return resolve_object(request.path_params[key])


def _query_list(request: Request, name: str) -> list[str] | None:
    return requested_properties(request.query_params.getlist(name) or None)


def _archived(request: Request) -> bool:
    return request.query_params.get("archived", "false").lower() == "true"


def _with_associations(
    sandbox: Sandbox, obj: str, record: Record, body: dict[str, Any], targets: list[str] | None
) -> dict[str, Any]:
    if targets:
        resolved = [resolve_object(t) for t in targets]
        found = render_v3(sandbox.store.reader(), obj, record.id, resolved)
        if found:
            body["associations"] = found
    return body


# properties


def list_properties(sandbox: Sandbox, request: Request, body: Any) -> Response:
    obj = _object(request)
    archived = _archived(request)
    props = [p for p in sandbox.store.properties(obj).values()
             if bool(p.get("archived")) == archived]
    wanted = requested_properties(request.query_params.get("properties"))
    if wanted:
        props = [p for p in props if p["name"] in wanted]
    return _json_response({"results": props})


def get_property(sandbox: Sandbox, request: Request, body: Any) -> Response:
    obj = _object(request)
    name = request.path_params["name"]
    prop = sandbox.store.properties(obj).get(name)
    if prop is None:
        raise unknown_property(name)
    return _json_response(prop)


def create_property(sandbox: Sandbox, request: Request, body: Any) -> Response:
    obj = _object(request)
    definition = new_property_json(obj, body, now_ms())
    if not sandbox.store.add_property(obj, definition):
        raise ApiError(
            409,
            "OBJECT_ALREADY_EXISTS",
            f"Property named '{definition['name']}' already exists.",
            sub_category="PropertyCreateError.PROPERTY_EXISTS",
            context={"name": [definition["name"]]},
        )
    return _json_response(definition, 201)


def delete_property(sandbox: Sandbox, request: Request, body: Any) -> Response:
    obj = _object(request)
    name = request.path_params["name"]
    prop = sandbox.store.properties(obj).get(name)
    if prop is None:
        raise unknown_property(name)
    if prop.get("hubspotDefined"):
        raise validation_error(f"{name} is a HubSpot-defined property and cannot be archived")
    if not sandbox.store.remove_property(obj, name):
        raise validation_error(f"{name} is defined by the sandbox's portal and cannot be archived")
    return Response(status_code=204)


# pipelines and owners


def _pipelines(sandbox: Sandbox, obj: str) -> list[dict[str, Any]]:
    portal = sandbox.store.portal
    if obj in portal.pipelines:
        found = portal.pipelines[obj]
    else:
        found = default_deal_pipelines() if obj == "deals" else []
    live = []
    for pipeline in found:
        if pipeline.get("archived"):
            continue
        stages = [s for s in pipeline.get("stages") or [] if not s.get("archived")]
        stages.sort(key=lambda s: (s.get("displayOrder", 0), s.get("label", "")))
        live.append({**pipeline, "stages": stages})
    live.sort(key=lambda p: (p.get("displayOrder", 0), p.get("label", "")))
    return live


def _pipeline(sandbox: Sandbox, request: Request) -> dict[str, Any]:
    obj = _object(request, "objectType")
    pipeline_id = request.path_params["pipelineId"]
    for pipeline in _pipelines(sandbox, obj):
        if pipeline["id"] == pipeline_id:
            return pipeline
    raise not_found(f"Unable to find pipeline {pipeline_id} for object type {obj}")


def list_pipelines(sandbox: Sandbox, request: Request, body: Any) -> Response:
    return _json_response({"results": _pipelines(sandbox, _object(request, "objectType"))})


def get_pipeline(sandbox: Sandbox, request: Request, body: Any) -> Response:
    return _json_response(_pipeline(sandbox, request))


def list_stages(sandbox: Sandbox, request: Request, body: Any) -> Response:
    return _json_response({"results": _pipeline(sandbox, request)["stages"]})


def get_stage(sandbox: Sandbox, request: Request, body: Any) -> Response:
    pipeline = _pipeline(sandbox, request)
    stage_id = request.path_params["stageId"]
    for stage in pipeline["stages"]:
        if stage["id"] == stage_id:
            return _json_response(stage)
    raise not_found(f"Unable to find stage {stage_id} in pipeline {pipeline['id']}")


def list_owners(sandbox: Sandbox, request: Request, body: Any) -> Response:
    query = request.query_params
    try:
        limit = max(1, min(MAX_OWNERS_LIMIT, int(query.get("limit", "100"))))
        offset = int(query.get("after", "0") or "0")
    except ValueError:
        raise validation_error("limit and after must be integers") from None
    archived = _archived(request)
    email = (query.get("email") or "").strip().lower()
    owners = [o for o in sandbox.store.portal.owners if bool(o.get("archived")) == archived
              and (not email or str(o.get("email", "")).lower() == email)]
    page = owners[offset:offset + limit]
    out: dict[str, Any] = {"results": page}
    if offset + limit < len(owners):
        after = str(offset + limit)
        out["paging"] = {"next": {"after": after,
                                  "link": f"{request.url.path}?after={after}&limit={limit}"}}
    return _json_response(out)


def get_owner(sandbox: Sandbox, request: Request, body: Any) -> Response:
    wanted = request.path_params["ownerId"]
    key = "userId" if request.query_params.get("idProperty") == "userId" else "id"
    archived = _archived(request)
    for owner in sandbox.store.portal.owners:
        if str(owner.get(key)) == wanted and bool(owner.get("archived")) == archived:
            return _json_response(owner)
    raise not_found(f"Unable to find owner {wanted}")


# records


def list_records(sandbox: Sandbox, request: Request, body: Any) -> Response:
    obj = _object(request)
    query = request.query_params
    try:
        limit = max(1, min(MAX_LIST_LIMIT, int(query.get("limit", "10"))))
    except ValueError:
        raise validation_error("limit must be an integer") from None
    after_text = query.get("after")
    after = parse_id(after_text) if after_text else 0
    if after is None:
        raise validation_error(f"Invalid after cursor: {after_text}")
    requested = _query_list(request, "properties")
    targets = _query_list(request, "associations")
    known = sandbox.store.properties(obj)
    records = sandbox.store.reader().page(obj, after, limit + 1, archived=_archived(request))
    page = records[:limit]
    out: dict[str, Any] = {
        "results": [
            _with_associations(sandbox, obj, r, render(r, known, requested), targets) for r in page
        ]
    }
    if len(records) > limit:
        cursor = str(page[-1].id)
        out["paging"] = {
            "next": {
                "after": cursor,
                "link": f"{request.url.path}?after={cursor}&limit={limit}",
            }
        }
    return _json_response(out)


def _find(sandbox: Sandbox, request: Request, obj: str) -> Record:
    known = sandbox.store.properties(obj)
    unique = sandbox.store.unique_properties(obj)
    id_property = id_property_of(known, unique, request.query_params.get("idProperty"))
    key = lookup_key(known, id_property, request.path_params["id"])
    reader = sandbox.store.reader()
    if key is None:
        raise not_found()
    if _archived(request) and id_property == "hs_object_id":
        record = reader.get(obj, int(key), archived=True)
    else:
        record = resolve(reader, obj, id_property, [key]).get(key)
    if record is None:
        raise not_found()
    return record


def get_record(sandbox: Sandbox, request: Request, body: Any) -> Response:
    obj = _object(request)
    record = _find(sandbox, request, obj)
    known = sandbox.store.properties(obj)
    out = render(record, known, _query_list(request, "properties"))
    return _json_response(
        _with_associations(sandbox, obj, record, out, _query_list(request, "associations"))
    )


def create_record(sandbox: Sandbox, request: Request, body: Any) -> Response:
    obj = _object(request)
    if not isinstance(body, dict):
        raise validation_error("Invalid input JSON: expected an object with properties")
    _, out, _ = batches.create(sandbox.store, obj, [body], allow_partial=False)
    return _json_response(out["results"][0], 201)


def update_record(sandbox: Sandbox, request: Request, body: Any) -> Response:
    obj = _object(request)
    if not isinstance(body, dict):
        raise validation_error("Invalid input JSON: expected an object with properties")
    item = {
        "id": request.path_params["id"],
        "idProperty": request.query_params.get("idProperty"),
        "properties": body.get("properties"),
    }
    _, out, _ = batches.update(sandbox.store, obj, [item], allow_partial=False)
    if not out["results"]:
        raise not_found()
    return _json_response(out["results"][0])


def archive_record(sandbox: Sandbox, request: Request, body: Any) -> Response:
    obj = _object(request)
    batches.archive(sandbox.store, obj, [{"id": request.path_params["id"]}])
    return Response(status_code=204)


def batch_action(sandbox: Sandbox, request: Request, body: Any) -> Response:
    obj = _object(request)
    action = request.path_params["action"]
    inputs = inputs_of(body)
    store = sandbox.store
    if action == "create":
        status, out, _ = batches.create(store, obj, inputs)
    elif action == "update":
        status, out, _ = batches.update(store, obj, inputs)
    elif action == "upsert":
        status, out = batches.upsert(store, obj, inputs)
    elif action == "read":
        if body.get("propertiesWithHistory") and len(inputs) > 50:
            raise validation_error(
                "The maximum number of inputs supported in a batch request for property "
                f"histories is 50; got {len(inputs)}"
            )
        status, out = batches.read(store, obj, body, inputs, archived=_archived(request))
    elif action == "archive":
        batches.archive(store, obj, inputs)
        return Response(status_code=204)
    else:
        raise not_found(f"Unknown batch action: {action}")
    return _json_response(out, status)


def search_records(sandbox: Sandbox, request: Request, body: Any) -> Response:
    return _json_response(search(sandbox.store, _object(request), body,
                                 lag_ms=sandbox.settings.search_lag_ms))


# associations


def associate_batch(sandbox: Sandbox, request: Request, body: Any) -> Response:
    status, out = batch_associate_default(
        sandbox.store, _object(request, "from"), _object(request, "to"), body
    )
    return _json_response(out, status)


def read_associations(sandbox: Sandbox, request: Request, body: Any) -> Response:
    status, out = batch_read(sandbox.store, _object(request, "from"), _object(request, "to"), body)
    return _json_response(out, status)


def archive_associations(sandbox: Sandbox, request: Request, body: Any) -> Response:
    batch_archive(sandbox.store, _object(request, "from"), _object(request, "to"), body)
    return Response(status_code=204)


def associate_one(sandbox: Sandbox, request: Request, body: Any) -> Response:
    p = request.path_params
    out = put_default(
        sandbox.store, _object(request, "from"), p["id"], _object(request, "to"), p["to_id"]
    )
    return _json_response(out)


def list_associations(sandbox: Sandbox, request: Request, body: Any) -> Response:
    p = request.path_params
    return _json_response(
        list_v4(sandbox.store, _object(request, "from"), p["id"], _object(request, "to"))
    )


def account_details(sandbox: Sandbox, request: Request, body: Any) -> Response:
    """HubSpot's GET /account-info/v3/details: the portal id (audit trails name the account)."""
    portal_id = sandbox.store.portal.portal_id or SANDBOX_PORTAL_ID
    return _json_response({"portalId": portal_id, "accountType": "SANDBOX",
                           "timeZone": "UTC", "companyCurrency": "USD"})


# sandbox control


def stats(sandbox: Sandbox, request: Request, body: Any) -> Response:
    return _json_response(sandbox.stats())


def reset(sandbox: Sandbox, request: Request, body: Any) -> Response:
    if request.headers.get("authorization", "") != f"Bearer {sandbox.settings.token}":
        return _json_response(unauthorized_body(True), 401)
    sandbox.store.reset()
    counters = sandbox.settings.counters
    counters.requests = counters.rate_limited = counters.faults = counters.unauthorized = 0
    return _json_response(sandbox.stats())


async def _not_found(request: Request, exc: Exception) -> Response:
    return _json_response(error_body("OBJECT_NOT_FOUND", "resource not found"), 404)


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return _json_response(
        error_body("VALIDATION_ERROR", f"Method {request.method} is not allowed here"), 405
    )


ROUTES = [
    Route("/crm/v3/properties/{object}", endpoint(list_properties), methods=["GET"]),
    Route("/crm/v3/properties/{object}", endpoint(create_property), methods=["POST"]),
    Route("/crm/v3/properties/{object}/{name}", endpoint(get_property), methods=["GET"]),
    Route("/crm/v3/properties/{object}/{name}", endpoint(delete_property), methods=["DELETE"]),
    Route("/crm/v3/pipelines/{objectType}", endpoint(list_pipelines), methods=["GET"]),
    Route("/crm/v3/pipelines/{objectType}/{pipelineId}", endpoint(get_pipeline), methods=["GET"]),
    Route("/crm/v3/pipelines/{objectType}/{pipelineId}/stages", endpoint(list_stages),
          methods=["GET"]),
    Route("/crm/v3/pipelines/{objectType}/{pipelineId}/stages/{stageId}", endpoint(get_stage),
          methods=["GET"]),
    Route("/crm/v3/owners", endpoint(list_owners), methods=["GET"]),
    Route("/crm/v3/owners/", endpoint(list_owners), methods=["GET"]),
    Route("/crm/v3/owners/{ownerId}", endpoint(get_owner), methods=["GET"]),
    Route("/crm/v3/objects/{object}/batch/{action}", endpoint(batch_action), methods=["POST"]),
    Route("/crm/v3/objects/{object}/search", endpoint(search_records), methods=["POST"]),
    Route("/crm/v3/objects/{object}", endpoint(list_records), methods=["GET"]),
    Route("/crm/v3/objects/{object}", endpoint(create_record), methods=["POST"]),
    Route("/crm/v3/objects/{object}/{id}", endpoint(get_record), methods=["GET"]),
    Route("/crm/v3/objects/{object}/{id}", endpoint(update_record), methods=["PATCH"]),
    Route("/crm/v3/objects/{object}/{id}", endpoint(archive_record), methods=["DELETE"]),
    Route(
        "/crm/v4/associations/{from}/{to}/batch/associate/default",
        endpoint(associate_batch),
        methods=["POST"],
    ),
    Route(
        "/crm/v4/associations/{from}/{to}/batch/read",
        endpoint(read_associations),
        methods=["POST"],
    ),
    Route(
        "/crm/v4/associations/{from}/{to}/batch/archive",
        endpoint(archive_associations),
        methods=["POST"],
    ),
    Route(
        "/crm/v4/objects/{from}/{id}/associations/default/{to}/{to_id}",
        endpoint(associate_one),
        methods=["PUT"],
    ),
    Route(
        "/crm/v4/objects/{from}/{id}/associations/{to}",
        endpoint(list_associations),
        methods=["GET"],
    ),
    Route("/account-info/v3/details", endpoint(account_details), methods=["GET"]),
    Route("/_sandbox/stats", endpoint(stats), methods=["GET"]),
    Route("/_sandbox/reset", endpoint(reset), methods=["POST"]),
]


def create_app(
    db_path: str | Path,
    *,
    token: str = DEFAULT_TOKEN,
    rate_limit: int | None = None,
    fail_rate: float = 0.0,
    latency_ms: int = 0,
    seed: int | None = None,
    search_lag_ms: int = 0,
    portal: Portal | str | Path | None = None,
    token_scopes: dict[str, list[str]] | None = None,
) -> Starlette:
    """A sandbox app over the SQLite file at db_path (created if missing).

    `portal`: a Portal, a built-in portal name ("plain", "customized") or a YAML file; it
    replaces the portal the file held. None keeps the file's portal (plain for a new file).
    `token_scopes`: extra tokens and their scopes (beside the portal's `tokens:`).
    """
    if portal is not None and not isinstance(portal, Portal):
        portal = load_portal(portal)
    store = Store(db_path, portal)
    scopes = {**store.portal.tokens, **(token_scopes or {})}
    settings = SandboxSettings(
        token=token,
        limiter=RateLimiter(rate_limit),
        faults=FaultInjector(fail_rate, seed),
        latency_ms=latency_ms,
        search_lag_ms=search_lag_ms,
        token_scopes={t: frozenset(s) for t, s in scopes.items()},
    )
    sandbox = Sandbox(store, settings)
    app = Starlette(
        routes=ROUTES,
        exception_handlers={404: _not_found, 405: _not_allowed},
    )
    app.state.sandbox = sandbox
    app.add_middleware(Gate, settings=settings)
    return app


def set_faults(
    app: Starlette,
    *,
    fail_rate: float | None = None,
    latency_ms: int | None = None,
    rate_limit: int | None = None,
    search_lag_ms: int | None = None,
) -> None:
    """Change fault settings of a running app; None leaves one as it is, rate_limit=0 lifts it."""
    settings: SandboxSettings = app.state.sandbox.settings
    if fail_rate is not None:
        settings.faults.configure(fail_rate)
    if latency_ms is not None:
        settings.latency_ms = latency_ms
    if rate_limit is not None:
        settings.limiter.configure(rate_limit if rate_limit > 0 else None)
    if search_lag_ms is not None:
        settings.search_lag_ms = search_lag_ms
