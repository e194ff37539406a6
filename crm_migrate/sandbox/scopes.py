"""Which granular scopes a HubSpot request needs, and HubSpot's 403 MISSING_SCOPES answer.

A token given with `--token-scopes TOKEN=SCOPE,...` (or a portal's `tokens:`) holds only
those scopes; the sandbox's main `--token` holds all. A request needs any one of the scopes
`required_scopes` lists (HubSpot's "One or more of the following scopes are required."):
object reads `crm.objects.{object}.read`, object writes `crm.objects.{object}.write`,
property reads the object's read or `crm.schemas.{object}.read`, property changes
`crm.schemas.{object}.write`, pipelines the object's read or schema read, owners
`crm.objects.owners.read`, v4 associations the from-object's read or write.
"""

from __future__ import annotations

from typing import Any

from crm_migrate.sandbox.shapes import OBJECT_TYPE_IDS, SINGULAR, correlation_id

SCOPES_LINK = "https://developers.hubspot.com/scopes"
_READ_SUFFIXES = ("/search", "/batch/read")


def _object(name: str) -> str | None:
    key = name.lower()
    key = OBJECT_TYPE_IDS.get(key, key)
    return key if key in SINGULAR else None


def required_scopes(method: str, path: str) -> list[str] | None:
    """The scopes of which a request needs one; None when the path needs none we check."""
    parts = [p for p in path.split("/") if p]
    if len(parts) < 3 or parts[0] != "crm":
        return None
    reading = method in ("GET", "HEAD", "OPTIONS") or path.rstrip("/").endswith(_READ_SUFFIXES)
    kind = parts[2]
    if kind == "owners":
        return ["crm.objects.owners.read"]
    if len(parts) < 4:
        return None
    if parts[1] == "v4" and kind == "associations":
        obj = _object(parts[3])
    elif kind in ("objects", "properties", "pipelines"):
        obj = _object(parts[3])
    else:
        return None
    if obj is None:
        return None
    if kind == "properties":
        if reading:
            return [f"crm.objects.{obj}.read", f"crm.schemas.{obj}.read"]
        return [f"crm.schemas.{obj}.write"]
    if kind == "pipelines":
        return [f"crm.objects.{obj}.read", f"crm.schemas.{obj}.read"]
    return [f"crm.objects.{obj}.{'read' if reading else 'write'}"]


def missing_scopes_body(scopes: list[str]) -> dict[str, Any]:
    """HubSpot's 403 body for a token that lacks every one of `scopes`."""
    return {
        "status": "error",
        "message": "This app hasn't been granted all required scopes to make this call. "
        f"Read more about required scopes here: {SCOPES_LINK}.",
        "correlationId": correlation_id(),
        "errors": [
            {
                "message": "One or more of the following scopes are required.",
                "context": {"requiredGranularScopes": list(scopes)},
            }
        ],
        "links": {"scopes": SCOPES_LINK},
        "category": "MISSING_SCOPES",
    }
