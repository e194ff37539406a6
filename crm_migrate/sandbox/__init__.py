"""The sandbox CRM: a local HubSpot-CRM-v3-compatible HTTP server on SQLite.

Entry points: `app.create_app(db_path, ...)` (ASGI), `serve.SandboxServer` (uvicorn in a
thread), `crm-migrate sandbox` (the command). Decisions where HubSpot is unconfirmed:

- Rate limit: `rate_limit` requests per rolling 10 s window over every authenticated
  /crm/ request; a refused (429) request does not take a slot, so a client pacing by
  X-HubSpot-RateLimit-Remaining or Retry-After (whole seconds, rounded up) can use
  the full ceiling. 401s and /_sandbox/* never count. Every authenticated answer carries
  the X-HubSpot-RateLimit-* headers; no limit advertises a ceiling of 1,000,000.
- Portals (`portal.py`): the properties, pipelines, owners, required properties and token
  scopes of a customized account, from YAML, kept in the db. Hidden options stay valid
  values (HubSpot hides them from its UI only); an unknown owner id is an INVALID_OPTION
  (HubSpot's own code for it is unconfirmed); a deal's stage must be a stage of its
  pipeline once the portal defines pipelines. Scopes: `scopes.py`.
- Faults: each authenticated /crm/ request fails with probability `fail_rate`
  (500 JSON, 502 HTML as a gateway sends, 503 JSON); a write fails before it is
  applied or after it is committed, 50/50; reads (GET, search, batch/read) only
  before. The RNG is seeded by `seed`. `latency_ms` delays every /crm/ answer.
- Emails are stored lower-cased and unique case-insensitively; custom
  `hasUniqueValue` properties are unique case-sensitively and usable as idProperty.
- With an `objectWriteTraceId` on every input, create/update/upsert report failures
  per input (207); otherwise one bad input fails the whole batch (400/409), nothing
  written. Missing ids in batch read/update are always 207 OBJECT_NOT_FOUND.
- Ids are numeric strings from one counter shared by all objects, starting at 1001.
"""

from __future__ import annotations

DEFAULT_TOKEN = "sandbox-token"

__all__ = ["DEFAULT_TOKEN"]
