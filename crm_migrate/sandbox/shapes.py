"""HubSpot-shaped error bodies, timestamps and the ApiError the handlers raise."""

from __future__ import annotations

import functools
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

# object names and HubSpot's type ids
OBJECT_TYPE_IDS = {"0-1": "contacts", "0-2": "companies", "0-3": "deals"}
SINGULAR = {"contacts": "Contact", "companies": "Company", "deals": "Deal"}


def now_ms() -> int:
    """Milliseconds since the epoch, now."""
    return int(time.time() * 1000)


@functools.lru_cache(maxsize=4096)
def iso_ms(ms: int) -> str:
    """Epoch ms as HubSpot writes timestamps: 2024-01-17T19:55:04.281Z."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def correlation_id() -> str:
    """A fresh correlation id (uuid4)."""
    return str(uuid.uuid4())


def error_body(
    category: str,
    message: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    context: dict[str, list[str]] | None = None,
    sub_category: str | None = None,
) -> dict[str, Any]:
    """HubSpot's Error object: status, message, correlationId, category, and extras."""
    body: dict[str, Any] = {
        "status": "error",
        "message": message,
        "correlationId": correlation_id(),
        "category": category,
    }
    if sub_category:
        body["subCategory"] = sub_category
    if context:
        body["context"] = context
    if errors:
        body["errors"] = errors
    return body


class ApiError(Exception):
    """An HTTP error answer in HubSpot's shape."""

    def __init__(
        self,
        status: int,
        category: str,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        context: dict[str, list[str]] | None = None,
        sub_category: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.errors = errors
        self.context = context
        self.sub_category = sub_category

    def body(self) -> dict[str, Any]:
        """The JSON body of this error."""
        return error_body(
            self.category,
            self.message,
            errors=self.errors,
            context=self.context,
            sub_category=self.sub_category,
        )


def validation_error(message: str, **kw: Any) -> ApiError:
    """400 VALIDATION_ERROR."""
    return ApiError(400, "VALIDATION_ERROR", message, **kw)


def not_found(message: str = "resource not found", **kw: Any) -> ApiError:
    """404 OBJECT_NOT_FOUND."""
    return ApiError(404, "OBJECT_NOT_FOUND", message, **kw)


class PropertyProblem:
    """One invalid property value: HubSpot's {isValid, message, error, name}."""

    __slots__ = ("name", "code", "message")

    def __init__(self, name: str, code: str, message: str) -> None:
        self.name = name
        self.code = code
        self.message = message

    def as_detail(self) -> dict[str, Any]:
        """The item inside 'Property values were not valid: [...]'."""
        return {"isValid": False, "message": self.message, "error": self.code, "name": self.name}

    def as_error(self) -> dict[str, Any]:
        """The item of the errors[] list."""
        return {
            "message": self.message,
            "code": self.code,
            "context": {"propertyName": [self.name]},
        }


def property_values_error(problems: list[PropertyProblem]) -> ApiError:
    """400 VALIDATION_ERROR listing invalid property values the way HubSpot does."""
    details = json.dumps([p.as_detail() for p in problems], separators=(",", ":"))
    return validation_error(
        f"Property values were not valid: {details}",
        errors=[p.as_error() for p in problems],
    )


def resolve_object(name: str) -> str:
    """contacts/companies/deals (or 0-1/0-2/0-3) -> the object name; 400 otherwise."""
    key = name.lower()
    key = OBJECT_TYPE_IDS.get(key, key)
    if key not in SINGULAR:
        raise ApiError(
            400,
            "VALIDATION_ERROR",
            f"Unable to infer object type from: {name}",
        )
    return key


def batch_body(started: int, results: list[dict[str, Any]],
               errors: list[dict[str, Any]]) -> dict[str, Any]:
    """HubSpot's batch answer: status, results, timestamps, and numErrors/errors when any."""
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": iso_ms(started),
        "completedAt": iso_ms(now_ms()),
    }
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = errors
    return body
