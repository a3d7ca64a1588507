"""Handing memory back to the operating system after ``/_emulator/reset``.

Dropping every stored interaction frees the Python objects (a weakref test proves it), yet the
process keeps its resident size: freed blocks go back to the allocators, not to the kernel.
Two allocators hold them. CPython's small-object allocator (pymalloc) returns an arena only
when every block in it is free, and glibc's ``malloc`` keeps freed heap pages mapped until
``malloc_trim`` is called (it does not trim below the top of the heap on its own). So after a
reset we collect reference cycles (which may empty the last blocks of some arenas), then ask
glibc to give back every free page. Elsewhere (musl, macOS, Windows) there is no such call and
the release is a plain ``gc.collect()``.
"""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Callable

_trim: Callable[[int], int] | None | bool = False  # False: not looked up yet


def malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` if this process has it, else None (looked up once)."""
    global _trim
    if _trim is False:
        try:
            func = ctypes.CDLL(None).malloc_trim
        except (AttributeError, OSError):  # not glibc, or no symbol table to search
            _trim = None
        else:
            func.argtypes, func.restype = [ctypes.c_size_t], ctypes.c_int
            _trim = func
    return _trim  # type: ignore[return-value]


WORTH_BYTES = 1 << 20
"""Below this much dropped, a reset skips the release: a full collection and a trim cost tens
of milliseconds in a large process (a test suite resets before every test)."""


def release(dropped: int | None = None) -> bool:
    """Collect garbage and return free heap pages to the OS, if ``dropped`` (bytes just freed;
    None: unknown) is worth it. True if ``malloc_trim`` ran."""
    if dropped is not None and dropped < WORTH_BYTES:
        return False
    gc.collect()
    trim = malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
