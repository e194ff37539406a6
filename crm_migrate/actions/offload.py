"""Long work in a worker process, so that the wizard's interpreter stays free for keys.

pandas and rapidfuzz hold the GIL for long stretches: a million-row clean run in a thread of
the wizard's process delays every key by a quarter of a second. `clean_in_worker` runs the same
`actions.cleaning.clean` in a child process started with the 'spawn' method (forking a process
that runs Textual's threads is unsafe) and returns the same `CleanOutcome`.

What crosses the pipe is cut into chunks (row slices of the tables and the cleaned frame, a few
thousand records or issues at a time), so that neither side ever holds the GIL for one huge
pickle: the calling thread of the wizard (un)pickles one chunk, the UI thread gets its turn, the
next chunk follows. Progress reports (the `Progress` of crm_migrate.progress, rate and ETA
measured in the child on the shared monotonic clock) stream back as they happen. A stop
(`should_stop`) is passed on to the child (it stops at its next progress report, as in a
thread), and the child is terminated, then killed, if it does not end by itself; nothing is
left running. An error in the child comes back as the one-line `CrmMigrateError` it raised
(or a `WorkerFailed` naming any other exception).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import multiprocessing
import os
import pickle
import sys
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pandas as pd

from crm_migrate.errors import CrmMigrateError, Stopped

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from crm_migrate.actions.cleaning import CleanOutcome
    from crm_migrate.actions.progress import Progress, ProgressFn, StopFn
    from crm_migrate.mapping.profile import Profile
    from crm_migrate.table import SourceTable

__all__ = ["OFFLOAD_ROWS", "WorkerFailed", "clean_in_worker", "running_workers", "worth_offloading"]

OFFLOAD_ROWS = 100_000  # below this a clean is quick enough in a thread (a child costs ~1-2 s)
FRAME_CHUNK = 5_000  # rows of a frame per message (~10 ms to unpickle 6 text columns)
LIST_CHUNK = 1_000  # records / issues / groups per message (~10 ms to unpickle 500 records)
PROGRESS_EVERY_S = 0.1  # the child sends at most this often within one phase
POLL_S = 0.05  # how often the waiting thread looks at its stop flag
STOP_GRACE_S = 1.0  # a stopped child gets this long to end by itself before it is terminated
NICE = 10  # the child's scheduling niceness

_children: set[BaseProcess] = set()
_children_lock = threading.Lock()


class WorkerFailed(CrmMigrateError):
    """The worker process failed with an error that is not a CrmMigrateError, or died."""


def worth_offloading(tables: list[SourceTable], threshold: int | None = OFFLOAD_ROWS) -> bool:
    """Whether cleaning these tables should go to a worker process (None: never)."""
    return threshold is not None and sum(len(t.frame) for t in tables) >= threshold


def running_workers() -> list[BaseProcess]:
    """The worker processes started here that are still alive."""
    with _children_lock:
        return [p for p in _children if p.is_alive()]


# ---- chunked transfer (both sides) ----

def _frame_parts(frame: pd.DataFrame) -> Iterator[pd.DataFrame]:
    if len(frame) == 0:
        yield frame
        return
    for start in range(0, len(frame), FRAME_CHUNK):
        yield frame.iloc[start:start + FRAME_CHUNK]


def _split(obj: Any) -> tuple[Any, dict[tuple[str, ...], Any]]:
    """A dataclass with its big parts (frames, long lists) emptied, and those parts by field path.

    Nested dataclasses are split too: a CleanOutcome's records and frame sit in its `result`,
    and sent whole they would make one pickle of the entire result (seconds of the GIL).
    """
    big: dict[tuple[str, ...], Any] = {}
    small: dict[str, Any] = {}
    for spec in dataclasses.fields(obj):
        value = getattr(obj, spec.name)
        if isinstance(value, pd.DataFrame):
            big[(spec.name,)] = value
            small[spec.name] = value.iloc[:0]
        elif isinstance(value, list) and len(value) > LIST_CHUNK:
            big[(spec.name,)] = value
            small[spec.name] = []
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            inner, parts = _split(value)
            if parts:
                small[spec.name] = inner
                big.update({(spec.name, *path): part for path, part in parts.items()})
    return (dataclasses.replace(obj, **small) if small else obj), big


def _send_object(conn: Connection, name: str, obj: Any) -> None:
    """A dataclass whose big parts (frames, lists, at any depth) go in chunks after a small head."""
    head, big = _split(obj)
    conn.send(("head", name, head))
    for path, value in big.items():
        if isinstance(value, pd.DataFrame):
            for part in _frame_parts(value):
                conn.send(("part", path, part))
        else:
            for piece in _list_parts(value):
                conn.send(("part", path, piece))
    conn.send(("end", name, None))


def _weight(item: Any) -> int:
    """About how many objects an item unpickles into (a group or a record with many members)."""
    if isinstance(item, list | tuple):
        return 1 + len(item)
    members = getattr(item, "members", None)
    return 1 + (len(members) if isinstance(members, list) else 0)


def _list_parts(items: list[Any]) -> Iterator[list[Any]]:
    """Slices of about LIST_CHUNK objects each (a 100-member group counts 101)."""
    start, weight = 0, 0
    for end, item in enumerate(items, 1):
        weight += _weight(item)
        if weight >= LIST_CHUNK:
            yield items[start:end]
            start, weight = end, 0
    if start < len(items):
        yield items[start:]


class _Assembler:
    """Puts a dataclass sent by `_send_object` back together, one message at a time."""

    def __init__(self, head: Any) -> None:
        self.head = head
        self.frames: dict[tuple[str, ...], list[pd.DataFrame]] = {}
        self.lists: dict[tuple[str, ...], list[Any]] = {}

    def part(self, path: tuple[str, ...], value: Any) -> None:
        if isinstance(value, pd.DataFrame):
            self.frames.setdefault(path, []).append(value)
        else:
            self.lists.setdefault(path, []).extend(value)

    def finish(self) -> Any:
        values: dict[tuple[str, ...], Any] = dict(self.lists)
        for path, parts in self.frames.items():
            values[path] = _join_rows(parts)
        return _rebuild(self.head, values)


def _join_rows(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The row slices as one frame, a column at a time.

    One `pd.concat` of a million rows is one C call holding the GIL for a quarter of a
    second; column by column each call is a few dozen ms and the UI thread runs in between.
    """
    first = parts[0]
    if len(parts) == 1 or first.shape[1] == 0:
        return first if len(parts) == 1 else pd.concat(parts)
    columns = [pd.concat([part.iloc[:, j] for part in parts], ignore_index=True)
               for j in range(first.shape[1])]
    frame = pd.concat(columns, axis=1, ignore_index=True)
    frame.columns = first.columns
    frame.index = first.index.append([part.index for part in parts[1:]])
    return frame


def _rebuild(obj: Any, values: dict[tuple[str, ...], Any]) -> Any:
    """`obj` with the values put back at their field paths."""
    direct: dict[str, Any] = {}
    nested: dict[str, dict[tuple[str, ...], Any]] = {}
    for path, value in values.items():
        if len(path) == 1:
            direct[path[0]] = value
        else:
            nested.setdefault(path[0], {})[path[1:]] = value
    for field_name, inner in nested.items():
        direct[field_name] = _rebuild(getattr(obj, field_name), inner)
    return dataclasses.replace(obj, **direct) if direct else obj


def _receive_object(conn: Connection, first: tuple[str, str, Any]) -> Any:
    kind, _, head = first
    if kind != "head":
        raise WorkerFailed(f"the worker process sent {kind!r} where a head was expected")
    assembler = _Assembler(head)
    while True:
        kind, path, value = conn.recv()
        if kind == "end":
            return assembler.finish()
        assembler.part(path, value)


# ---- the child ----

def _child_main(conn: Connection) -> None:
    """The worker process: receive a job, clean, send progress and the outcome back.

    Any message from the parent after the job asks it to stop (at its next progress report).
    """
    _quiet()
    with contextlib.suppress(OSError):
        os.nice(NICE)  # background work: the wizard's own process goes first on a busy machine
    # the spawned child imports the clean here; the wizard's process need not at start-up
    from crm_migrate.actions.cleaning import clean

    lock = threading.Lock()  # the progress heartbeat thread sends too

    def send(message: tuple[Any, ...]) -> None:
        with lock:
            conn.send(message)

    try:
        options: dict[str, Any] = conn.recv()
        tables = [_receive_object(conn, conn.recv()) for _ in range(options.pop("__tables__"))]
        profile = options.pop("__profile__")
        last: list[Any] = [None, 0.0]  # phase, time of the last report sent

        def report(progress: Progress) -> None:
            now = time.monotonic()
            finished = progress.total is not None and progress.done >= progress.total
            if progress.phase != last[0] or finished or now - last[1] >= PROGRESS_EVERY_S:
                last[0], last[1] = progress.phase, now
                send(("progress", "", progress))

        outcome = clean(tables, profile, on_progress=report, should_stop=conn.poll, **options)
        with lock:
            _send_object(conn, "outcome", outcome)
    except Stopped:
        with contextlib.suppress(OSError):
            send(("stopped", "", None))
    except BaseException as exc:  # noqa: BLE001 - every failure goes back as one line
        with contextlib.suppress(OSError):
            send(("error", "", _portable_error(exc)))
    finally:
        conn.close()


def _quiet() -> None:
    """Nothing the child prints may reach the wizard's terminal (it shares the parent's fds)."""
    null = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        with contextlib.suppress(OSError):
            os.dup2(null, fd)
    os.close(null)
    sys.stdout = sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - for life


def _portable_error(exc: BaseException) -> CrmMigrateError:
    """The error as the parent raises it: the CrmMigrateError itself when it survives pickling."""
    if isinstance(exc, CrmMigrateError):
        try:
            back = pickle.loads(pickle.dumps(exc))
            if isinstance(back, CrmMigrateError) and back.one_line() == exc.one_line():
                return back
        except Exception:  # noqa: BLE001 - an error class that does not pickle: its line will do
            pass
        return CrmMigrateError(exc.one_line())
    text = " ".join(str(exc).split())
    return WorkerFailed(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)


# ---- the parent ----

def _ensure_tracker() -> None:
    """Start multiprocessing's resource tracker with a real stderr.

    A spawn starts the tracker first, passing it `sys.stderr.fileno()`; inside a running
    Textual app sys.stderr is a capture whose fileno() is -1, which fails the start ('bad
    value(s) in fds_to_keep'). The tracker is started once per process, here, with the
    process's own stderr for that moment.
    """
    from multiprocessing import resource_tracker

    try:
        usable = sys.stderr is not None and sys.stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        usable = False
    if usable:
        resource_tracker.ensure_running()
        return
    saved = sys.stderr
    sys.stderr = sys.__stderr__
    try:
        resource_tracker.ensure_running()
    finally:
        sys.stderr = saved


def _stop_child(process: BaseProcess, conn: Connection, sender: threading.Thread) -> None:
    """Ask the child to stop, then terminate, then kill it; always reap it."""
    if not sender.is_alive():  # (a message now would cut into the job still being sent)
        with contextlib.suppress(OSError, ValueError):
            conn.send(("stop", "", None))
        process.join(STOP_GRACE_S)
    if process.is_alive():
        process.terminate()
        process.join(STOP_GRACE_S)
    if process.is_alive():
        process.kill()
        process.join()


def _send_job(conn: Connection, tables: list[SourceTable], profile: Profile,
              options: dict[str, Any]) -> None:
    with contextlib.suppress(OSError, ValueError):  # the child was stopped meanwhile
        conn.send({**options, "__tables__": len(tables), "__profile__": profile})
        for table in tables:
            _send_object(conn, "table", table)


def clean_in_worker(tables: list[SourceTable], profile: Profile, *,
                    on_progress: ProgressFn | None = None, should_stop: StopFn | None = None,
                    **options: Any) -> CleanOutcome:
    """`actions.cleaning.clean(tables, profile, **options)` run in a worker process.

    Progress reports arrive through `on_progress` (in the calling thread) as the child makes
    them; once `should_stop` says so the child is stopped (no process is left) and this raises
    `Stopped`. The child's error is raised here as one line.
    """
    _ensure_tracker()
    context = multiprocessing.get_context("spawn")  # never fork a process running UI threads
    parent_end, child_end = context.Pipe(duplex=True)
    process = context.Process(target=_child_main, args=(child_end,), daemon=True,
                              name="crm-migrate-clean")
    process.start()
    child_end.close()
    with _children_lock:
        _children.add(process)
    sender = threading.Thread(target=_send_job, args=(parent_end, tables, profile, options),
                              daemon=True, name="crm-migrate-send")
    sender.start()
    try:
        return _wait_for_outcome(parent_end, process, on_progress, should_stop)
    except BaseException:
        _stop_child(process, parent_end, sender)
        raise
    finally:
        sender.join(STOP_GRACE_S)  # done, or failed on the stopped child's closed pipe
        if process.is_alive():  # it sent its outcome: it ends by itself at once
            process.join(STOP_GRACE_S)
        if process.is_alive():
            _stop_child(process, parent_end, sender)
        parent_end.close()
        with _children_lock:
            _children.discard(process)


def _wait_for_outcome(conn: Connection, process: BaseProcess, on_progress: ProgressFn | None,
                      should_stop: StopFn | None) -> CleanOutcome:
    assembler: _Assembler | None = None
    was_enabled = gc.isenabled()
    try:
        while True:
            if should_stop is not None and should_stop():
                raise Stopped("stopped")
            if not conn.poll(POLL_S):
                if not process.is_alive() and not conn.poll():
                    raise WorkerFailed(f"the worker process ended unexpectedly "
                                       f"(exit code {process.exitcode})")
                continue
            try:
                kind, name, value = conn.recv()
            except EOFError:
                process.join(STOP_GRACE_S)
                raise WorkerFailed(f"the worker process ended unexpectedly "
                                   f"(exit code {process.exitcode})") from None
            if kind == "progress":
                if on_progress is not None:
                    on_progress(value)
            elif kind == "head":
                # A million-row outcome arrives as millions of small objects (records, their
                # dicts and lists, issues) that live as long as the result and hold no cycles.
                # The collector would walk them all, again and again as they pile up: gen2
                # passes of 0.1-1.4 s, each holding the GIL (measured, bench/bench_tui.py). So no
                # collections while they arrive, and the complete outcome joins the permanent
                # generation (gc.freeze, as actions.files.settle_memory does after a load),
                # which collections skip; dropped later, they are freed by reference counting.
                gc.disable()
                assembler = _Assembler(value)
            elif kind == "part" and assembler is not None:
                assembler.part(name, value)
            elif kind == "end" and assembler is not None:
                outcome: CleanOutcome = assembler.finish()
                gc.freeze()
                return outcome
            elif kind == "stopped":
                raise Stopped("stopped")
            elif kind == "error":
                raise value
            else:
                raise WorkerFailed(f"the worker process sent an unexpected {kind!r}")
    finally:
        if was_enabled:  # the collector as the caller had it, whatever happened
            gc.enable()
