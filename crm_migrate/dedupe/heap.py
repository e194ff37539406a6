"""Give the C heap's freed pages back to the system between the big steps of a clean.

pandas' str columns live in Arrow's memory pool (mimalloc), which keeps freed blocks for
reuse in the same way; its unused pages are released too.

glibc's malloc keeps what a step freed (its mmap threshold grows with the large arrays freed,
so later ones come from the heap and stay there): a million-row clean would carry the
high-water mark of every step into the next one. malloc_trim(0) returns the free pages; it
frees nothing still in use. Elsewhere (no glibc) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release_freed_memory() -> None:
    """Return the heap's free pages to the system (glibc's malloc_trim); a no-op elsewhere."""
    arrow = sys.modules.get("pyarrow")  # pandas' str dtype loaded it; never imported here
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
