"""Clean tables with a profile, optionally matching each record against the target."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crm_migrate.actions._target import Opened, opened
from crm_migrate.actions.files import load_files, source_issues
from crm_migrate.actions.profiles import NoteFn, check_region, read_schema
from crm_migrate.actions.progress import ProgressFn, ProgressMeter, StopFn
from crm_migrate.clean.matching import TargetSnapshot, held_snapshot, match_records
from crm_migrate.clean.pipeline import clean_tables
from crm_migrate.errors import CrmMigrateError, Stopped
from crm_migrate.mapping.profile import Profile, TargetSettings, load_profile
from crm_migrate.mapping.validate import check_sensitive, validate_profile
from crm_migrate.schema import ObjectSchema, builtin_schema
from crm_migrate.table import SourceTable

if TYPE_CHECKING:
    from crm_migrate.model import CleanResult

__all__ = ["CleanOutcome", "CleanedFiles", "TargetSnapshot", "clean", "clean_files", "clean_members",
           "held_snapshot", "match"]


@dataclass
class CleanOutcome:
    """A clean result, and why it was not compared with the target when that was asked and failed."""

    result: CleanResult
    match_note: str | None = None


@dataclass
class CleanedFiles:
    """What `clean_files` did: the profile it read, the tables, the result, a live-schema note."""

    profile: Profile
    tables: list[SourceTable]
    result: CleanResult
    schema_note: str | None = None


def clean(tables: list[SourceTable], profile: Profile, *, region: str | None = None,
          schema: ObjectSchema | None = None, target: str | None = None, url: str | None = None,
          token: str | None = None, on_progress: ProgressFn | None = None,
          should_stop: StopFn | None = None, snapshot: TargetSnapshot | None = None
          ) -> CleanOutcome:
    """Map, normalise, validate, deduplicate; with a target, mark each record create/update/skip.

    When the target cannot be reached the tables are cleaned without it and `match_note` says
    why. The readers' issues come first in the result's issues. Once `should_stop` says so, the
    work stops at its next progress report with `Stopped`. `snapshot`: what an earlier clean
    read of the same target (the result's `target_snapshot`): only keys it lacks are read.
    """
    check_sensitive(profile, tables)  # a profile opened in the wizard is held to it too
    region = region or profile.default_region
    schema = schema or builtin_schema(profile.object)
    meter = ProgressMeter(on_progress, should_stop=should_stop)  # one clock for the action
    result = None
    note = None
    if target is not None and target != "file":
        try:
            if snapshot is not None and (snapshot.target, snapshot.url) != (target, url):
                snapshot = None  # another target's
            with opened(target, url, token, profile.target_settings()) as link:
                result = clean_tables(tables, profile, region=region, schema=schema,
                                      connector=link.connector, meter=meter, snapshot=snapshot)
            held = held_snapshot(result)
            if held is not None:
                held.target, held.url = target, url
        except Stopped:
            raise
        except (CrmMigrateError, OSError) as exc:
            note = f"not compared with {target}: {exc}"
        except Exception as exc:  # noqa: BLE001 - httpx errors and the like: clean without matching
            note = f"not compared with {target}: {type(exc).__name__}: {exc}"
    if result is None:
        result = clean_tables(tables, profile, region=region, schema=schema, meter=meter)
    result.issues[:0] = source_issues(tables)
    return CleanOutcome(result, note)


def match(result: CleanResult, schema: ObjectSchema, target: str, url: str | None = None,
          token: str | None = None, on_progress: ProgressFn | None = None) -> None:
    """Mark each record of a clean result create / update (its target id) / skip on the target."""
    with opened(target, url, token) as link:
        earlier = held_snapshot(result)
        if earlier is not None and (earlier.target, earlier.url) != (target, url):
            earlier = None  # another target's
        held = match_records(result, link.connector, schema, meter=ProgressMeter(on_progress),
                             snapshot=earlier)
    held.target, held.url = target, url
    result.target_snapshot = held


@contextmanager
def _maybe_opened(target: str | None, url: str | None,
                  settings: TargetSettings | None = None) -> Iterator[Opened | None]:
    if target is None:
        yield None
        return
    with opened(target, url, settings=settings) as link:
        yield link


def clean_files(paths: list[str], profile_path: str, *, region: str | None = None,
                target: str | None = None, url: str | None = None,
                on_progress: ProgressFn | None = None, on_note: NoteFn | None = None) -> CleanedFiles:
    """The `clean` command's work: read the profile and files, check them, clean, match when asked.

    With a target (or a URL: the sandbox) its live schema is read (a note when it cannot be) and
    every record is looked up there; a connector that cannot be opened is an error here.
    `on_note` hears at once why the live schema could not be read.
    """
    region = check_region(region)
    profile = load_profile(profile_path)
    tables = load_files(paths, profile.sources, strict=True).tables
    schema = builtin_schema(profile.object)
    note = None
    if target or url:
        target = target or "sandbox"
        live = read_schema(target, profile.object, url, settings=profile.target_settings())
        schema, note = live.schema, live.note
        if note and on_note is not None:
            on_note(note)
    with _maybe_opened(target, url, profile.target_settings()) as link:
        validate_profile(profile, schema, column_sets=[t.columns for t in tables], file=profile_path)
        check_sensitive(profile, tables, file=profile_path)
        result = clean_tables(tables, profile, region=region or profile.default_region, schema=schema,
                              connector=link.connector if link else None,
                              on_progress=on_progress)
    result.issues[:0] = source_issues(tables)
    return CleanedFiles(profile, tables, result, note)


def clean_members(tables: list[SourceTable], profile: Profile, rows: dict[str, list[int]], *,
                  region: str | None = None, schema: ObjectSchema | None = None
                  ) -> dict[str, dict[str, str]]:
    """Some rows (table label -> row numbers) cleaned each on its own, without merging duplicates.

    Returns source id -> canonical field values (what a chosen survivor of a group brings).
    """
    subset = [SourceTable(frame=t.frame.loc[[r for r in rows[t.label] if r in t.frame.index]],
                          detection=t.detection, label=t.label)
              for t in tables if t.label in rows]
    alone = copy.deepcopy(profile)
    alone.dedupe.enabled = False
    result = clean_tables(subset, alone, region=region or alone.default_region, schema=schema)
    return {str(record.source): dict(record.properties) for record in result.records}
