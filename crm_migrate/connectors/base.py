"""The connector interface every target implements.

Field names in and out are canonical (HubSpot internal names); each connector
translates them to its CRM's names and maps its errors back to input positions.
All values are strings, as HubSpot's API takes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from crm_migrate.errors import TargetError


@dataclass(frozen=True)
class RateHint:
    """The target's documented request budget: `requests` per `per_seconds`, and
    how many requests may be in flight at once."""

    requests: int
    per_seconds: float
    concurrency: int = 4


@dataclass
class RemoteRecord:
    """A record as the target holds it."""

    id: str
    properties: dict[str, str] = field(default_factory=dict)


@dataclass
class WriteResult:
    """The outcome for one input of a batch, by its position in that batch.

    `created` is True for a new record, False for an update of an existing one.
    `retryable` marks a per-record failure worth sending again (e.g. a lock).
    """

    index: int
    ok: bool
    id: str | None = None
    created: bool | None = None
    error: str | None = None
    retryable: bool = False


class TransientError(TargetError):
    """The whole request failed in a way worth retrying (429, 5xx, timeout, network).

    `retry_after` is the wait the target asked for, in seconds, when it said so.
    `maybe_committed` is True when the request may have been applied (5xx or a
    timeout after sending), so the caller must reconcile before resending creates.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        maybe_committed: bool = True,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.maybe_committed = maybe_committed


class BatchRejected(TargetError):
    """The target refused a whole batch (e.g. 400 for one bad record, 409 conflict).

    The runner splits the batch to isolate the bad record(s). `positions` lists the
    inputs the target named, when it named any.
    """

    def __init__(
        self, message: str, *, status: int | None = None, positions: list[int] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.positions = positions or []


@runtime_checkable
class Connector(Protocol):
    """What the push engine, the cleaner's target matching and the wizard need of a CRM."""

    target: str
    max_batch: int
    rate: RateHint

    async def check(self) -> None:
        """Verify the connection and credentials; raise AuthError/TargetError if not."""

    async def read_schema(self, object_name: str) -> list[dict[str, Any]]:
        """The object's properties, HubSpot-shaped (name, label, type, options...)."""

    async def ensure_id_property(self, object_name: str) -> str | None:
        """The unique property writes are keyed by (`email`, or `crm_migrate_id`, created
        on the target if needed); None when the target has no idempotent upsert."""

    async def lookup(
        self, object_name: str, field_name: str, values: list[str]
    ) -> dict[str, RemoteRecord]:
        """Existing records whose `field_name` equals one of `values` (keyed by the
        value as given, compared case-insensitively for email/domain)."""

    async def read(
        self, object_name: str, ids: list[str], properties: list[str]
    ) -> dict[str, RemoteRecord]:
        """Records by target id (missing ids are absent from the result)."""

    async def upsert(
        self, object_name: str, id_property: str, records: list[dict[str, str]]
    ) -> list[WriteResult]:
        """Create-or-update by `id_property`; one result per input, in input order."""

    async def create(self, object_name: str, records: list[dict[str, str]]) -> list[WriteResult]:
        """Create records; one result per input."""

    async def update(
        self, object_name: str, items: list[tuple[str, dict[str, str]]]
    ) -> list[WriteResult]:
        """Update (id, properties) pairs; one result per input."""

    async def archive(self, object_name: str, ids: list[str]) -> list[WriteResult]:
        """Archive/delete records by id; one result per input."""

    async def associate(
        self, from_object: str, to_object: str, pairs: list[tuple[str, str]]
    ) -> list[WriteResult]:
        """Associate (from_id, to_id) pairs with the default association type."""

    async def aclose(self) -> None:
        """Release the HTTP client."""


@runtime_checkable
class AssociationEditor(Protocol):
    """Optional connector methods for targets that link records by association (HubSpot and
    the sandbox). Not part of Connector: Salesforce and Pipedrive link a contact to its company
    by a field on the contact, so callers look these up with getattr(connector, name, None)."""

    async def read_associations(
        self, from_object: str, to_object: str, ids: list[str]
    ) -> dict[str, set[str]]:
        """Each id's associated `to_object` ids (empty set: none); ids not read are absent."""

    async def dissociate(
        self, from_object: str, to_object: str, pairs: list[tuple[str, str]]
    ) -> None:
        """Remove every association between each (from_id, to_id) pair (idempotent)."""
