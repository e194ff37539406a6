"""The push engine: journal, runner, limiter, retries, circuit breaker, rollback.

Decisions: every write is an upsert keyed by `email` (contacts) or `crm_migrate_id` (the
rest, a unique property created on the target) or an update by id, so a resend never
duplicates; before the first write each row is classified against the target (existing ->
before-image stored; a one-request count decides whether listing the target is cheaper
than batch look-ups); a dry run classifies in a throw-away journal and writes none at the
given path. Entry points live in `runner`; the journal's contract in `journal`.
"""
