"""HubSpot's live schema of an object: properties v3, deal pipelines v3 and owners v3.

GET /crm/v3/properties/{object} gives every property with its options (hidden ones marked),
`hasUniqueValue`, `modificationMetadata.readOnlyValue`, `calculated` and the fieldType
(`checkbox` is a multi-select). GET /crm/v3/pipelines/deals gives the deal pipelines with their
stages; GET /crm/v3/owners (paged by `after`) the users records can be assigned to.

A portal (or our plain sandbox) without the pipelines or owners endpoint answers 404: the
built-in pipeline and no owners are used, which is not a failure. A token without the scope for
one of them (403) costs only that part, with a note saying so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from crm_migrate.connectors.httpbase import response_json
from crm_migrate.errors import AuthError, TargetError
from crm_migrate.schema import ObjectSchema, Owner, Pipeline, Stage, builtin_schema

# GET path (with query params) -> the response; 401/403 raise AuthError (the connector's `_call`)
Getter = Callable[[str, dict[str, Any] | None], Awaitable[httpx.Response]]

OWNERS_PAGE = 100  # the owners API's maximum page size
MAX_OWNER_PAGES = 500  # a guard against a target that pages for ever


def _order(item: dict[str, Any]) -> tuple[int, str]:
    order = item.get("displayOrder")
    return (order if isinstance(order, int) else 0, str(item.get("label") or ""))


def parse_pipelines(data: Any) -> tuple[Pipeline, ...]:
    """GET /crm/v3/pipelines/deals's body -> pipelines with their stages, in display order."""
    out: list[Pipeline] = []
    for raw in sorted((data or {}).get("results") or [], key=_order):
        if not isinstance(raw, dict) or raw.get("id") is None:
            continue
        stages = tuple(Stage(str(s["id"]), str(s.get("label") or s["id"]), bool(s.get("archived")))
                       for s in sorted(raw.get("stages") or [], key=_order)
                       if isinstance(s, dict) and s.get("id") is not None)
        out.append(Pipeline(str(raw["id"]), str(raw.get("label") or raw["id"]), stages,
                            bool(raw.get("archived"))))
    return tuple(out)


def parse_owner(raw: dict[str, Any]) -> Owner:
    """One owner of GET /crm/v3/owners: id, e-mail, "First Last", archived."""
    name = " ".join(str(raw.get(k) or "").strip() for k in ("firstName", "lastName")).strip()
    return Owner(str(raw["id"]), str(raw.get("email") or ""), name, bool(raw.get("archived")))


async def read_pipelines(get: Getter, target: str) -> tuple[tuple[Pipeline, ...] | None, str | None]:
    """The deal pipelines, or (None, note) when the target has none to give (404) or refuses."""
    try:
        response = await get("/crm/v3/pipelines/deals", None)
    except AuthError as exc:  # a 403 for a missing scope: the rest of the schema still counts
        return None, f"{target}: deal pipelines not read ({exc}); using the built-in pipeline"
    if response.status_code == 404:
        return None, None
    if response.status_code >= 400:
        raise TargetError(f"{target}: reading the deal pipelines failed: HTTP {response.status_code}")
    pipelines = parse_pipelines(response_json(response))
    return (pipelines or None), None


async def read_owners(get: Getter, target: str) -> tuple[tuple[Owner, ...], str | None]:
    """Every owner (active ones; paged by `after`), or ((), note) when they cannot be read."""
    owners: list[Owner] = []
    after: str | None = None
    for _ in range(MAX_OWNER_PAGES):
        params: dict[str, Any] = {"limit": OWNERS_PAGE}
        if after:
            params["after"] = after
        try:
            response = await get("/crm/v3/owners", params)
        except AuthError as exc:
            return (), f"{target}: owners not read ({exc}); an owner column cannot be mapped"
        if response.status_code == 404:
            return (), None
        if response.status_code >= 400:
            raise TargetError(f"{target}: reading the owners failed: HTTP {response.status_code}")
        data = response_json(response) or {}
        owners.extend(parse_owner(raw) for raw in data.get("results") or []
                      if isinstance(raw, dict) and raw.get("id") is not None)
        after = (((data.get("paging") or {}).get("next") or {}).get("after"))
        if not after:
            break
    return tuple(owners), None


async def read_hubspot_schema(properties: list[dict[str, Any]], get: Getter, object_name: str,
                              target: str) -> tuple[ObjectSchema, list[str]]:
    """The built-in schema merged with the live properties, the deal pipelines and the owners;
    with the notes on what could not be read."""
    notes: list[str] = []
    schema = builtin_schema(object_name).merge_live(properties)
    pipelines: tuple[Pipeline, ...] | None = None
    if object_name == "deals":
        pipelines, note = await read_pipelines(get, target)
        if note:
            notes.append(note)
    owners, note = await read_owners(get, target)
    if note:
        notes.append(note)
    return schema.with_live(pipelines=pipelines, owners=owners, source=f"{target} (live)"), notes
