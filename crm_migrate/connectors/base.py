"""The connector interface every target implements.

Field names in and out are canonical (HubSpot internal names); each connector
translates them to its CRM's names and maps its errors back to input positions.
All values are strings, as HubSpot's API takes them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from crm_migrate.connectors.limiter import RollingWindowLimiter
from crm_migrate.errors import TargetError
from crm_migrate.identity import ID_PROPERTY
from crm_migrate.schema import ObjectSchema, builtin_schema


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
    `conflict` marks a create refused because a record already holds its unique key.
    """

    index: int
    ok: bool
    id: str | None = None
    created: bool | None = None
    error: str | None = None
    retryable: bool = False
    conflict: bool = False


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
        self.results: list[WriteResult] | None = None  # what settled before it, when known


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


CAPABILITIES = (
    "count",
    "list_all",
    "ensure_unique_property",
    "read_associations",
    "dissociate",
    "seed",
    "ensure_run_property",
)


class Connector(ABC):
    """What the push engine, the cleaner's target matching and the wizard need of a CRM.

    The abstract methods are what every target does. The optional ones raise
    NotImplementedError unless a connector overrides them; `implements_<name>` (set for
    each subclass from whether it overrides `<name>`) says which it does, so callers check
    `connector.implements_count` instead of probing with getattr.
    """

    target: str
    max_batch: int
    rate: RateHint
    # when the running push began (ISO 8601), set by the push: a target whose key lookups go
    # through an eventually consistent search also reads the records changed since then, so a
    # record the run wrote is found before search indexes it
    written_since: str | None = None

    implements_count: ClassVar[bool] = False
    implements_list_all: ClassVar[bool] = False
    implements_ensure_unique_property: ClassVar[bool] = False
    implements_read_associations: ClassVar[bool] = False
    implements_dissociate: ClassVar[bool] = False
    implements_seed: ClassVar[bool] = False
    implements_ensure_run_property: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Advertise the optional methods this subclass overrides (unless it says otherwise)."""
        super().__init_subclass__(**kwargs)
        for name in CAPABILITIES:
            flag = f"implements_{name}"
            if flag not in cls.__dict__:
                setattr(cls, flag, getattr(cls, name) is not getattr(Connector, name))

    @classmethod
    def capabilities(cls) -> frozenset[str]:
        """The optional methods this connector implements."""
        return frozenset(name for name in CAPABILITIES if getattr(cls, f"implements_{name}"))

    # --- what every target does ---

    @abstractmethod
    async def check(self) -> None:
        """Verify the connection and credentials; raise AuthError/TargetError if not."""

    @abstractmethod
    async def read_schema(self, object_name: str) -> list[dict[str, Any]]:
        """The object's properties, HubSpot-shaped (name, label, type, options...)."""

    async def read_live_schema(self, object_name: str) -> ObjectSchema:
        """The object's schema as this target holds it: the built-in fields merged with
        `read_schema`'s properties (types, options with hidden ones marked, read-only,
        required, unique, lengths), plus deal pipelines/stages and owners where the target
        has them. Connectors that can read pipelines/owners override this."""
        live = builtin_schema(object_name).merge_live(await self.read_schema(object_name))
        return live.with_live(source=f"{self.target} (live)")

    @abstractmethod
    async def ensure_id_property(self, object_name: str) -> str | None:
        """The unique property writes are keyed by (`email`, or `crm_migrate_id`, created
        on the target if needed); None when the target has no idempotent upsert."""

    @abstractmethod
    async def lookup(
        self,
        object_name: str,
        field_name: str,
        values: list[str],
        properties: list[str] | None = None,
    ) -> dict[str, RemoteRecord]:
        """Existing records whose `field_name` equals one of `values` (keyed by the
        value as given, compared case-insensitively for email/domain), with `properties`
        among the fields read."""

    @abstractmethod
    async def read(
        self, object_name: str, ids: list[str], properties: list[str]
    ) -> dict[str, RemoteRecord]:
        """Records by target id (missing ids are absent from the result)."""

    @abstractmethod
    async def upsert(
        self, object_name: str, id_property: str, records: list[dict[str, str]]
    ) -> list[WriteResult]:
        """Create-or-update by `id_property`; one result per input, in input order."""

    @abstractmethod
    async def create(self, object_name: str, records: list[dict[str, str]]) -> list[WriteResult]:
        """Create records; one result per input."""

    @abstractmethod
    async def update(
        self, object_name: str, items: list[tuple[str, dict[str, str]]]
    ) -> list[WriteResult]:
        """Update (id, properties) pairs; one result per input."""

    @abstractmethod
    async def archive(self, object_name: str, ids: list[str]) -> list[WriteResult]:
        """Archive/delete records by id; one result per input."""

    @abstractmethod
    async def associate(
        self, from_object: str, to_object: str, pairs: list[tuple[str, str]]
    ) -> list[WriteResult]:
        """Associate (from_id, to_id) pairs with the default association type."""

    @abstractmethod
    async def aclose(self) -> None:
        """Release the HTTP client (or whatever the connector holds)."""

    async def account_id(self) -> str | None:
        """The target account the run writes to (portal / org / company id, never a
        credential), for the audit trail; None when the target does not say."""
        return None

    def written_files(self) -> list[str]:
        """Files on this machine the connector wrote (a file target's outputs), for purge."""
        return []

    # --- optional capabilities (see `implements_<name>`) ---

    async def count(self, object_name: str) -> int:
        """How many records the object holds."""
        raise NotImplementedError(f"{self.target} cannot count records")

    async def list_all(self, object_name: str, properties: list[str],
                       on_page: Callable[[int], None] | None = None) -> list[RemoteRecord]:
        """Every record of the object with the given properties; `on_page(n)` hears the
        records read so far as they come (a page at a time, or once at the end)."""
        raise NotImplementedError(f"{self.target} cannot list every record")

    async def ensure_unique_property(self, object_name: str, name: str = ID_PROPERTY) -> None:
        """Create the unique text property `name` on the object unless it exists."""
        raise NotImplementedError(f"{self.target} cannot create unique properties")

    async def read_associations(
        self, from_object: str, to_object: str, ids: list[str]
    ) -> dict[str, set[str]]:
        """Each id's associated `to_object` ids (empty set: none); ids not read are absent.
        Targets that link a contact to its company by a field on the contact (Salesforce,
        Pipedrive) have no associations to read."""
        raise NotImplementedError(f"{self.target} has no associations to read")

    async def dissociate(
        self, from_object: str, to_object: str, pairs: list[tuple[str, str]]
    ) -> None:
        """Remove every association between each (from_id, to_id) pair (idempotent)."""
        raise NotImplementedError(f"{self.target} cannot remove associations")

    async def ensure_run_property(self, object_name: str) -> None:
        """Create the (non-unique) RUN_PROPERTY on the object unless it exists. A target that
        implements this refuses a create whose unique key (email, crm_migrate_id) another
        record holds (`WriteResult.conflict`), so the push creates exclusively."""
        raise NotImplementedError(f"{self.target} cannot mark the records a run creates")

    def budget(self, search: bool = False) -> list[RollingWindowLimiter]:
        """The rolling-window limiters a request to this target waits on (a search's too when
        `search`): a progress ETA counts their schedule and their waits. None: no limiter."""
        return []

    def send_times(self) -> dict[str, list[float]]:
        """The send times still in each rate limiter's window, by limiter name (part of the
        `seed` capability: hand them to another connector for the same target)."""
        raise NotImplementedError(f"{self.target} keeps no send times")

    def seed(self, send_times: dict[str, list[float]]) -> None:
        """Count sends another connector for the same target made (from its send_times())."""
        raise NotImplementedError(f"{self.target} keeps no send times")
