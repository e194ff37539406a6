"""The journal as a file on disk: atomic creation, a refusal for what is already there, the
write-ahead log's soundness, locks, and one-line reasons for what the disk or folder refuses."""

from __future__ import annotations

import errno
import os
import sqlite3
import struct
from pathlib import Path

from crm_migrate.errors import JournalError

try:
    import fcntl
except ImportError:  # no flock (Windows): the pid check in the journal is the fallback
    fcntl = None  # type: ignore[assignment]


EMPTY_JOURNAL = ("the file is empty: a push stopped while creating its journal leaves one (its "
                 "run never started, nothing was sent); delete it and push again")
WAL_MAGIC = (0x377F0682, 0x377F0683)


def refuse_existing(target: Path) -> None:
    """JournalError when a file is at `target` (a journal, or an empty leftover, explained)."""
    if target.is_file() and target.stat().st_size == 0:
        raise JournalError(EMPTY_JOURNAL, file=str(target))
    if target.exists():
        raise JournalError(
            "a journal already exists here; `crm-migrate resume` it or choose another path",
            file=str(target))


def os_reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "the folder is read-only (permission denied)"
    return exc.strerror or str(exc)


def sqlite_reason(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "full" in text:
        return "the disk is full"
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return "the journal or its folder is read-only"
    if "disk I/O" in text:
        return "a disk I/O error"
    return text


def link_into_place(scratch: Path, target: Path) -> None:
    """Give the finished journal its name, refusing to replace anything already there."""
    try:
        os.link(scratch, target)
    except FileExistsError:
        refuse_existing(target)
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV):
            raise
        if target.exists():  # no hard links here (e.g. some network shares): rename
            refuse_existing(target)
        os.rename(scratch, target)
    try:
        fd = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def check_writable(target: Path) -> None:
    """Resume and rollback write the journal and create its -wal, -shm and lock beside it."""
    folder = target.parent
    if not os.access(target, os.W_OK):
        raise JournalError("the journal is read-only: resume and rollback write to it; make it "
                           "writable (`status` still reads it)", file=str(target))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise JournalError("the journal's folder is read-only: resume and rollback create the "
                           "journal's -wal, -shm and .lock files beside it; make the folder "
                           "writable or move the journal (`status` still reads it)",
                           file=str(target))


def connect_read_only(target: Path) -> sqlite3.Connection:
    """The journal as it was last checkpointed, read without creating anything beside it."""
    uri = f"{target.resolve().as_uri()}?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True, isolation_level=None)


def wal_damage(target: Path) -> str | None:
    """What is wrong with the journal's write-ahead log: deleted after a crash (its -shm is
    left alone), or frames that fail their checksums before its end. None when fine or when a
    live run owns it (its WAL is being written)."""
    wal = Path(f"{target}-wal")
    shm = Path(f"{target}-shm")
    lock = Path(f"{target}.lock")
    if lock_held(lock):
        return None
    if not wal.exists():
        if shm.exists() and shm.stat().st_size > 0:
            return (f"the journal's write-ahead log ({wal.name}) is missing: the run's last "
                    "writes may be lost and its status may be stale")
        return None
    try:
        data = wal.read_bytes()
    except OSError:
        return None
    if not data:
        return None
    if not _wal_sound(data):
        return (f"the journal's write-ahead log ({wal.name}) is damaged: the run's last writes "
                "may be lost and its status may be stale")
    return None


def lock_held(lock: Path) -> bool:
    if fcntl is None or not lock.exists():
        return False
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def _wal_checksum(data: bytes, big_endian: bool, s0: int, s1: int) -> tuple[int, int]:
    for x0, x1 in struct.iter_unpack(">II" if big_endian else "<II", data):
        s0 = (s0 + x0 + s1) & 0xFFFFFFFF
        s1 = (s1 + x1 + s0) & 0xFFFFFFFF
    return s0, s1


def _wal_sound(data: bytes) -> bool:
    """Whether a WAL's header checks out and no frame of its current generation fails its
    checksum while a later one of that generation follows (a torn last frame is normal)."""
    if len(data) < 32:
        return False
    magic, _version, page_size, _seq, salt1, salt2, c0, c1 = struct.unpack(">8I", data[:32])
    if magic not in WAL_MAGIC:
        return False
    big = magic == WAL_MAGIC[1]
    s0, s1 = _wal_checksum(data[:24], big, 0, 0)
    if (s0, s1) != (c0, c1):
        return False
    frame = 24 + page_size
    offset = 32
    broken = False
    while offset + frame <= len(data):
        head = data[offset : offset + 24]
        _page, _commit, f_salt1, f_salt2, f0, f1 = struct.unpack(">6I", head)
        if (f_salt1, f_salt2) != (salt1, salt2):
            break  # an older generation's frame: the log ends here
        if broken:
            return False  # a bad frame followed by a good-generation one: damage, not a tear
        t0, t1 = _wal_checksum(head[:8], big, s0, s1)
        t0, t1 = _wal_checksum(data[offset + 24 : offset + frame], big, t0, t1)
        if (t0, t1) != (f0, f1):
            broken = True
        else:
            s0, s1 = t0, t1
        offset += frame
    return True


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
