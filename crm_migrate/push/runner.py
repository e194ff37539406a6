"""The push engine's public API: start, resume, status, rollback, list runs.

Synchronous entry points (the CLI and the wizard's worker threads call them); each
runs its own event loop. The journal, not the caller, makes stopping safe.
"""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import json
import shutil
import sqlite3
import tempfile
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_migrate.clean.matching import TargetSnapshot, budget_pacer, held_snapshot
from crm_migrate.clean.pipeline import clean_files
from crm_migrate.connectors import (
    check_target,
    check_url,
    open_connector,
    resolve_token,
    runs_embedded,
)
from crm_migrate.connectors.registry import SANDBOX_URL
from crm_migrate.errors import AuthError, InputsChanged, JournalError, TargetError
from crm_migrate.identity import ID_PROPERTY, KEY_FIELDS
from crm_migrate.mapping.profile import TargetSettings, load_profile, load_target_settings
from crm_migrate.mapping.validate import check_against_target
from crm_migrate.progress import Progress, ProgressFn, StopFn
from crm_migrate.push.associations import associate_contacts
from crm_migrate.push.audit import known_journals, register_journal
from crm_migrate.push.breaker import CircuitBreaker
from crm_migrate.push.classify import (
    DIFFERENT_PERSON,
    classify,
    classify_by_id,
    remap_id_property,
    worth_counting,
)
from crm_migrate.push.errors_file import write_errors_file
from crm_migrate.push.journal import (
    CREATE,
    NOT_SENT,
    UPSERT_EMAIL,
    InputFile,
    Journal,
    Op,
    RowKind,
    RowState,
    RunMeta,
    RunState,
    StopReason,
)
from crm_migrate.push.journal_disk import refuse_existing
from crm_migrate.push.plan import build_rows
from crm_migrate.push.rollback import CHUNK as UNDO_CHUNK
from crm_migrate.push.rollback import UndoWork, undo
from crm_migrate.push.sender import Sender, StopRun, error_text, pause_point
from crm_migrate.push.status import RunProgress, RunSummary, status_of
from crm_migrate.schema import ObjectSchema, builtin_schema

if TYPE_CHECKING:
    import httpx

    from crm_migrate.connectors.base import Connector
    from crm_migrate.mapping.profile import Profile
    from crm_migrate.model import CleanResult, OutputRecord

__all__ = [
    "Progress",
    "RunSummary",
    "list_runs",
    "push_status",
    "resume_push",
    "rollback_push",
    "start_push",
]

DEFAULT_CONCURRENCY = 2


def _sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _os_user() -> str | None:
    """The login name of whoever runs the tool (the audit trail's "who")."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        return None


def _profile_hash(profile: Profile, profile_path: str | None) -> str:
    if profile_path and Path(profile_path).is_file():
        return _sha256(profile_path)
    text = json.dumps(profile.to_dict(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def start_push(
    *,
    paths: list[str],
    profile: Profile,
    profile_path: str | None,
    target: str,
    url: str | None,
    journal_path: str | Path,
    region: str | None = None,
    batch_size: int | None = None,
    dry_run: bool = False,
    clean_result: CleanResult | None = None,
    on_progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    token: str | None = None,
    max_failure_rate: float = 0.02,
    concurrency: int | None = None,
    associate: bool = True,
    before_images: bool = True,
    schema: ObjectSchema | None = None,
) -> RunSummary:
    """Clean (unless `clean_result` is given), journal every record as pending, then push.

    The target's live schema (`schema`, else read once here) checks the profile and the values;
    it is cached in the journal, so a resume re-cleans against it without reading it again.
    Records the target would refuse (a value with no option, too long, a required field empty)
    are journalled as failed and never sent; the dry run counts them as `would_fail`.

    A dry run classifies against the target (reads only) in a throw-away journal and
    writes no journal at `journal_path`. `token` (e.g. typed into the wizard) is used for this
    call only, in memory; it is never written to the journal. Without `before_images` the
    journal keeps no previous values of the records the run updates: rollback then archives
    the records it created and leaves the updated ones as they are.
    """
    target = check_target(target or "sandbox")
    url = check_url(target, url)
    if not dry_run:  # before cleaning or any request
        refuse_existing(Path(journal_path))
    if transport is None:
        resolve_token(target, token)  # no credentials: say so before cleaning
    associate = associate and target != "file"
    if schema is None:
        schema = _read_run_schema(target, url, profile.object, transport, token,
                                  load_target_settings(profile.to_dict().get("target"), profile.object))
    check_against_target(profile, schema, file=profile_path)
    if clean_result is None:
        clean_result = clean_files(paths, profile, region=region, schema=schema)
    object_name = clean_result.object or profile.object
    run_id = uuid.uuid4().hex
    embedded = runs_embedded(target, url, transport)
    if target == "sandbox" and not url and transport is not None:
        url = SANDBOX_URL  # requests go to the given transport
    meta = RunMeta(
        run_id=run_id,
        target=target,
        url=None if embedded else url,
        embedded=embedded,
        object_name=object_name,
        profile=profile.to_dict(),
        profile_path=str(Path(profile_path).resolve()) if profile_path else None,
        profile_hash=_profile_hash(profile, profile_path),
        inputs=[InputFile(str(Path(p).resolve()), _sha256(p)) for p in paths],
        inputs_paths=[str(Path(p).resolve()) for p in paths],
        region=region,
        batch_size=batch_size,
        concurrency=concurrency,
        max_failure_rate=max_failure_rate,
        created_at=_now(),
        state=RunState.RUNNING,
        dry_run=dry_run,
        message=None,
        os_user=_os_user(),
        before_images=before_images,
        schema={**schema.to_dict(), "read_at": _now()},
    )
    records = clean_result.records
    held = held_snapshot(clean_result)
    if held is not None and (held.target, held.url) != (target, url):
        held = None  # matched against another target
    if not dry_run:
        return asyncio.run(_start(records, associate, meta, journal_path, on_progress,
                                  should_stop, transport, token, held))
    rows = build_rows(records, object_name, run_id, associate=associate)
    scratch = Path(tempfile.mkdtemp(prefix="crm-migrate-dry-"))
    try:
        journal = Journal.create(scratch / "dry-run.journal", meta, rows)
        try:
            return asyncio.run(_dry_run(journal, transport, token, on_progress, held))
        finally:
            journal.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _read_run_schema(target: str, url: str | None, object_name: str,
                     transport: httpx.AsyncBaseTransport | None, token: str | None,
                     settings: TargetSettings | None = None) -> ObjectSchema:
    """The target's live schema of the object, read once for the run (the built-in one with a
    note when the target does not give it; refused credentials stop the run here)."""
    if target == "file":
        return builtin_schema(object_name)

    async def read() -> ObjectSchema:
        async with open_connector(target, url=url, transport=transport, token=token,
                                  settings=settings) as connector:
            return await connector.read_live_schema(object_name)

    try:
        return asyncio.run(read())
    except AuthError:
        raise
    except (TargetError, OSError, RuntimeError, ValueError) as exc:
        base = builtin_schema(object_name)
        return replace(base, notes=(f"{target} schema not read ({exc}); checked against the "
                                    f"built-in {object_name} fields",))


def cached_schema(meta: RunMeta) -> ObjectSchema:
    """The schema a run was checked against, from its journal (built-in for an older journal)."""
    if meta.schema:
        return ObjectSchema.from_dict(meta.schema)
    return builtin_schema(meta.object_name)


async def _start(records: list[OutputRecord], associate: bool, meta: RunMeta,
                 journal_path: str | Path, on_progress: ProgressFn | None,
                 should_stop: StopFn | None, transport: httpx.AsyncBaseTransport | None,
                 token: str | None, held: TargetSnapshot | None = None) -> RunSummary:
    """A new run, in one event loop: the first read, then the journal, then the drive."""
    obj = meta.object_name
    first = None
    if not meta.embedded and meta.url and held is None:
        key_field = KEY_FIELDS.get(obj)
        keyed = sum(1 for r in records
                    if key_field and str(r.properties.get(key_field) or "").strip())
        first = await _count_first(meta.target, meta.url, obj, keyed, transport, token,
                                   _settings(meta))
    rows = build_rows(records, obj, meta.run_id, associate=associate)
    journal = Journal.create(journal_path, meta, rows)
    register_journal(journal.path)
    try:
        journal.acquire()
        try:
            return await _drive(journal, on_progress, should_stop, transport, token, first, held)
        finally:
            if held is not None:
                _refresh(held, journal, records)
    finally:
        journal.close()


def _settings(meta: RunMeta) -> TargetSettings:
    """The run's `target:` settings, from the profile its journal keeps (so resume, rollback
    and the dry run open the target the way the run began)."""
    return load_target_settings((meta.profile or {}).get("target"), meta.object_name)


class FirstRead:
    """What a new run asked the target before writing its journal: record counts and the send
    times of those requests (so the run's rate limiter counts them)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.stamps: dict[str, list[float]] = {}


async def _count_first(target: str, url: str, obj: str, keyed: int,
                       transport: httpx.AsyncBaseTransport | None,
                       token: str | None, settings: TargetSettings | None = None) -> FirstRead:
    """Ask a rate-limited target how many records the object holds while nothing else is going
    on: classification needs it before the first write, and in a rolling 10 s window the
    run's last batch goes out one window after this request, so the sooner the better (the
    journal of a 20k-row run takes ~0.3 s to write). Best effort: the run asks again if this
    fails."""
    first = FirstRead()
    if obj not in ("contacts", "companies"):
        return first
    try:
        async with open_connector(target, url=url, transport=transport, token=token,
                                  settings=settings) as connector:
            try:
                if worth_counting(connector, keyed):
                    first.counts[obj] = await connector.count(obj)
            except Exception:  # noqa: BLE001
                first.counts.clear()
            finally:
                if connector.implements_seed:
                    first.stamps = connector.send_times()
    except Exception:  # noqa: BLE001 - the run itself reports what is wrong
        return first
    return first


def resume_push(
    journal_path: str | Path,
    *,
    force: bool = False,
    on_progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    token: str | None = None,
) -> RunSummary:
    """Carry on an interrupted run: reconcile in-flight batches first, then send the rest."""
    journal = Journal.open(journal_path)
    try:
        journal.acquire()
        meta = journal.meta()
        if meta.state is RunState.ROLLED_BACK:
            raise JournalError("this run was rolled back; start a new push", file=str(journal_path))
        if meta.purged_at:
            raise JournalError(f"this run's personal data was purged ({meta.purged_at}); it "
                               "cannot be resumed: start a new push", file=str(journal_path))
        changed = _changes(meta)
        if changed and not force:
            what = f"{changed} changed since the run began"
            raise InputsChanged(f"{what}; resume --force to carry on anyway", what=what,
                                file=str(journal_path))
        if meta.stop_reason is StopReason.BREAKER or force:
            journal.retry_failed(RowKind.RECORD)
        if changed and force:
            _refresh_payloads(journal, meta)
    except BaseException:
        journal.close()
        raise
    return _run(journal, on_progress, should_stop, transport, token)


def _changes(meta: RunMeta) -> str | None:
    """What changed since the run began (an input file or the profile), or None."""
    for item in meta.inputs:
        path = Path(item.path)
        if not path.is_file():
            return f"input file {path.name} is missing or"
        if _sha256(path) != item.sha256:
            return f"input file {path.name}"
    profile_path = meta.profile_path
    if profile_path:
        if not Path(profile_path).is_file():
            return f"profile {Path(profile_path).name} is missing or"
        if _sha256(profile_path) != meta.profile_hash:
            return f"profile {Path(profile_path).name}"
    return None


def _refresh_payloads(journal: Journal, meta: RunMeta) -> None:
    """After --force on changed inputs/profile: re-clean and refresh rows not yet done."""
    profile_path = meta.profile_path
    paths = [p for p in meta.inputs_paths if Path(p).is_file()]
    if not profile_path or not Path(profile_path).is_file() or not paths:
        return
    profile = load_profile(profile_path)
    result = clean_files(paths, profile, region=meta.region, schema=cached_schema(meta))
    fresh = {rec.source: rec for rec in result.records}
    refreshed: list[tuple[int, dict[str, str]]] = []
    refused: list[tuple[int, str]] = []
    for row in journal.rows(RowKind.RECORD, RowState.PENDING, RowState.FAILED):
        rec = fresh.get(row.source)
        if rec is None:
            continue
        if row.state is RowState.FAILED and (row.error or "").startswith(NOT_SENT + DIFFERENT_PERSON):
            continue  # its address is another person's contact on the target: it stays unsent
        if rec.blocked:
            refused.append((row.seq, NOT_SENT + rec.blocked))
            continue
        payload = {k: v for k, v in rec.properties.items() if v != "" and not k.startswith("_")}
        if row.op == UPSERT_EMAIL and payload.get("email", "").lower() != row.key:
            continue  # the key itself changed: keep the journalled record as it was
        refreshed.append((row.seq, payload))
    journal.refresh_payloads(refreshed)
    journal.mark_failed(refused)
    journal.record_inputs([InputFile(p, _sha256(p)) for p in paths], _sha256(profile_path),
                          profile.to_dict())


def push_status(journal_path: str | Path) -> dict[str, Any]:
    """The `status --json` dict of a run (with `warning` when the journal or its WAL is
    damaged but its run can still be read)."""
    journal = Journal.open(journal_path, for_writing=False)
    try:
        status = status_of(journal)
    except sqlite3.DatabaseError as exc:
        said = journal.warning or f"the journal is damaged ({exc})"
        raise JournalError(f"{said}; its rows cannot be counted: restore it from a backup",
                           file=str(journal_path)) from None
    finally:
        journal.close()
    if journal.warning:
        status["warning"] = journal.warning
    return status


def rollback_push(
    journal_path: str | Path,
    *,
    on_progress: ProgressFn | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    token: str | None = None,
) -> RunSummary:
    """Archive what the run created and restore what it updated; state rolled_back."""
    journal = Journal.open(journal_path)
    try:
        journal.acquire()
        return asyncio.run(_rollback(journal, on_progress, transport, token))
    finally:
        journal.close()


def list_runs(directory: Path | None = None) -> list[dict[str, Any]]:
    """Status dicts (with the audit keys) of every known run, newest first: the journals in
    `directory`, or by default those in the runs folder and every one registered elsewhere."""
    out: list[dict[str, Any]] = []
    for path in known_journals(directory):
        try:
            out.append(push_status(path))
        except (JournalError, OSError):
            continue
    out.sort(key=lambda s: str(s.get("started_at") or ""), reverse=True)
    return out


# --- driving a run ---


def _run(journal: Journal, on_progress: ProgressFn | None, should_stop: StopFn | None,
         transport: httpx.AsyncBaseTransport | None, token: str | None = None) -> RunSummary:
    try:
        return asyncio.run(_drive(journal, on_progress, should_stop, transport, token))
    finally:
        journal.close()


async def _drive(journal: Journal, on_progress: ProgressFn | None, should_stop: StopFn | None,
                 transport: httpx.AsyncBaseTransport | None, token: str | None = None,
                 first: FirstRead | None = None, held: TargetSnapshot | None = None
                 ) -> RunSummary:
    meta = journal.meta()
    journal.begin_run()
    obj = meta.object_name
    progress = RunProgress(journal, on_progress)
    message: str | None = None
    stop_reason: StopReason | None = None
    breaker = CircuitBreaker(float(meta.max_failure_rate or 0.02))
    progress.meter.start_beating()
    try:
        async with open_connector(meta.target, url=meta.url, transport=transport, settings=_settings(meta),
                                  token=token) as connector:
            counts = dict(first.counts) if first else {}
            if first and first.stamps and connector.implements_seed:
                connector.seed(first.stamps)
            common: dict[str, Any] = {
                "batch_size": int(meta.batch_size or connector.max_batch),
                "concurrency": int(meta.concurrency or connector.rate.concurrency
                                   or DEFAULT_CONCURRENCY),
                "breaker": breaker, "should_stop": should_stop,
            }
            if meta.account is None:
                journal.set_account(await _account_of(connector))
            companies = Sender(journal, connector, "companies", on_batch=progress.batch, **common)
            records = Sender(journal, connector, obj, on_batch=progress.batch, **common)
            try:
                progress.phase("connecting")
                id_property = await connector.ensure_id_property(obj)
                has_companies = journal.has_rows(RowKind.COMPANY)
                if has_companies:
                    company_key = await connector.ensure_id_property("companies")
                    await remap_id_property(journal, company_key, RowKind.COMPANY)
                await remap_id_property(journal, id_property, RowKind.RECORD)
                await _ensure_keyless(journal, connector, obj, id_property)
                for kind, sender in ((RowKind.COMPANY, companies), (RowKind.RECORD, records)):
                    in_flight = journal.rows(kind, RowState.IN_FLIGHT)
                    if in_flight:
                        progress.phase("reconciling")
                        rest = await sender.reconcile(in_flight)
                        journal.mark_pending([r.seq for r in rest])
                for kind in (RowKind.COMPANY, RowKind.RECORD):  # a resume reads them anew
                    journal.unclassify_pending(kind)
                if connector.implements_ensure_run_property:
                    for run_obj in ({obj, "companies"} if has_companies else {obj}):
                        await connector.ensure_run_property(run_obj)
                if has_companies:
                    await classify(journal, connector, "companies", RowKind.COMPANY,
                                   counts=counts, meter=progress.meter)
                await classify(journal, connector, obj, RowKind.RECORD, counts=counts,
                               meter=progress.meter, held=held)
                per = common["batch_size"]  # a pacer a phase: each counts its own requests
                if has_companies:
                    progress.sending(RowKind.COMPANY, "companies", budget_pacer(connector, per))
                    await companies.run(RowKind.COMPANY)
                if not companies.stopping():
                    progress.sending(RowKind.RECORD, obj, budget_pacer(connector, per))
                    await records.run(RowKind.RECORD)
                if has_companies and not records.stopping():
                    await associate_contacts(journal, connector, progress.meter)
                stopped = companies if companies.stop_message else records
                message, stop_reason = stopped.stop_message, stopped.stop_reason
                if not message and should_stop is not None and should_stop():
                    message, stop_reason = "stopped by the user", StopReason.USER
            except StopRun as exc:
                message, stop_reason = str(exc), StopReason.TARGET
            finally:
                journal.record_written_files(connector.written_files())
    except AuthError as exc:
        journal.end_run(RunState.INTERRUPTED, error_text(exc), StopReason.AUTH, finished_at=None)
        raise
    except TargetError as exc:
        message, stop_reason = error_text(exc), StopReason.TARGET
    finally:
        progress.meter.stop_beating()
    pause_point("after-last")
    return _finish(journal, message, stop_reason, progress)


def _refresh(held: TargetSnapshot, journal: Journal, records: list[OutputRecord]) -> None:
    """What the push wrote is what the target holds now: the snapshot learns it from the
    records (the journal keeps no payload once written), and nothing is read again."""
    if held.key_field is None:
        return
    by_source = {str(r.source): r for r in records}
    for row in journal.rows(RowKind.RECORD, RowState.DONE):
        record = by_source.get(row.source)
        if row.target_id and record is not None:
            field = held.key_field if row.key else ID_PROPERTY
            held.learn(field, row.key or row.write_key or "", row.target_id,
                       dict(record.properties))


async def _account_of(connector: Connector) -> str | None:
    """The target account's id, best effort (the run goes on without it)."""
    try:
        return await connector.account_id()
    except AuthError:
        raise
    except Exception:  # noqa: BLE001 - a target that does not say leaves the audit blank
        return None


async def _ensure_keyless(journal: Journal, connector: Connector, obj: str,
                          id_property: str | None) -> None:
    """Contacts without an email go by crm_migrate_id: make sure the target has it."""
    if id_property != "email":
        return
    by_id = Op.upsert(ID_PROPERTY)
    keyless = journal.has_pending_op(RowKind.RECORD, by_id)
    if keyless and connector.implements_ensure_unique_property:
        await connector.ensure_unique_property(obj)
    elif keyless:
        journal.replace_pending_op(RowKind.RECORD, by_id, CREATE)


def _finish(journal: Journal, message: str | None, stop_reason: StopReason | None,
            progress: RunProgress) -> RunSummary:
    # a stop that came too late (everything was done) still completes the run
    finished = journal.unfinished() == 0 and stop_reason in (None, StopReason.USER)
    state = RunState.COMPLETED if finished else RunState.INTERRUPTED
    if finished:
        message, stop_reason = None, None
    if state is RunState.INTERRUPTED and message is None:
        message = "interrupted"
    journal.end_run(state, message, stop_reason, finished_at=_now())
    errors_file = write_errors_file(journal)
    if errors_file:
        journal.record_written_files([errors_file, errors_file.removesuffix(".csv") + ".xlsx"])
    status = status_of(journal)
    status["state"] = state.value
    progress.finished(message)
    exit_code = 0 if state is RunState.COMPLETED and status["failed"] == 0 else 1
    return RunSummary(status=status, errors_file=errors_file, exit_code=exit_code,
                      message=message)


async def _dry_run(journal: Journal, transport: httpx.AsyncBaseTransport | None,
                   token: str | None = None, on_progress: ProgressFn | None = None,
                   held: TargetSnapshot | None = None) -> RunSummary:
    meta = journal.meta()
    progress = RunProgress(journal, on_progress)
    progress.phase("connecting")
    obj = meta.object_name
    with progress.meter.beating():
        async with open_connector(meta.target, url=meta.url, transport=transport, settings=_settings(meta),
                                  token=token) as connector:
            for kind, kind_obj in ((RowKind.COMPANY, "companies"), (RowKind.RECORD, obj)):
                if kind is RowKind.COMPANY and not journal.has_rows(RowKind.COMPANY):
                    continue
                try:  # a target we never wrote to may not have the crm_migrate_id property yet
                    await classify_by_id(journal, connector, kind_obj, kind, meter=progress.meter)
                except TargetError:
                    pass
                await classify(journal, connector, kind_obj, kind, by_id=False,
                               meter=progress.meter, held=held)
    record, company = RowKind.RECORD, RowKind.COMPANY
    status = status_of(journal)
    status.update(
        state=RunState.DRY_RUN.value,
        journal=None,
        would_create=journal.count(record, RowState.PENDING, existed=False),
        would_update=journal.count(record, RowState.PENDING, existed=True),
        would_skip=journal.count(record, RowState.SKIPPED),
        would_fail=journal.count(record, RowState.FAILED),
        companies_to_create=journal.count(company, existed=False),
        companies_matched=journal.count(company, existed=True),
        done=0, created=0, updated=0,
    )
    progress.finished("dry run: nothing was written")
    return RunSummary(status=status, exit_code=0, message="dry run: nothing was written")


async def _settle_in_flight(journal: Journal, connector: Connector, obj: str) -> None:
    """Rows a crash left in flight may exist on the target: read them by key so rollback
    archives the ones this run created; the others go back to pending."""
    for kind, target_obj in ((RowKind.COMPANY, "companies"), (RowKind.RECORD, obj)):
        rows = journal.rows(kind, RowState.IN_FLIGHT)
        if rows:
            sender = Sender(journal, connector, target_obj, batch_size=100, concurrency=1,
                            breaker=CircuitBreaker(1.0))
            rest = await sender.reconcile(rows)
            journal.mark_pending([r.seq for r in rest])


async def _rollback(journal: Journal, on_progress: ProgressFn | None,
                    transport: httpx.AsyncBaseTransport | None, token: str | None = None
                    ) -> RunSummary:
    meta = journal.meta()
    if meta.state is RunState.ROLLED_BACK:
        status = status_of(journal)
        return RunSummary(status=status, exit_code=0, message="already rolled back")
    progress = RunProgress(journal, on_progress)
    unchecked = journal.count(RowKind.RECORD, RowState.IN_FLIGHT) if meta.purged_at else 0
    with progress.meter.beating():
        async with open_connector(meta.target, url=meta.url, transport=transport, settings=_settings(meta),
                                  token=token) as connector:
            if not meta.purged_at:  # a purged journal keeps hashes of the keys, nothing to look up
                progress.phase("reconciling")
                await _settle_in_flight(journal, connector, meta.object_name)
            work = UndoWork()  # its ETA counts writes: a restore can take two a record
            progress.rolling_back(budget_pacer(connector, UNDO_CHUNK, work=work))
            errors = await undo(journal, connector, meta.object_name, on_batch=progress.undone,
                                work=work)
    message = None
    if errors:
        message = f"{len(errors)} records could not be restored; first: {errors[0]}"
        journal.set_message(message)
    else:
        message = _beyond_undo(meta, journal.count_unrestorable(), unchecked)
        journal.mark_rolled_back(finished_at=_now(), message=message)
    status = status_of(journal)
    return RunSummary(status=status, exit_code=1 if errors else 0, message=message)


def _beyond_undo(meta: RunMeta, unrestorable: int, unchecked: int) -> str | None:
    """What a rollback could not undo, and why (a purge, or a run without before-images)."""
    parts: list[str] = []
    if unrestorable:
        why = (f"their previous values were purged on {meta.purged_at}" if meta.purged_at
               and meta.before_images else "the run kept no before-images (--no-before-images)")
        parts.append(f"the {unrestorable} records it updated keep the run's values: {why}")
    if unchecked:
        parts.append(f"{unchecked} records in flight when it stopped could not be checked "
                     "(their keys were purged)")
    if not parts:
        return None
    return "rolled back what it could: created records archived; " + "; ".join(parts)

