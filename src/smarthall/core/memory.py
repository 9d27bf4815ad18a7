"""Keeping long streaming jobs (the archive's full re-verification) at a flat resident size.

CPython frees objects into glibc's heap, which keeps freed pages mapped; after a burst (a large PDF parsed, a
scan decoded) the process's RSS stays at the burst's height. ``release_free_heap`` asks glibc to hand free pages
back (``malloc_trim(0)``), so RSS follows live memory. Elsewhere (musl, macOS) it does nothing.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable


def _load_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


_trim = _load_trim()


def release_free_heap() -> None:
    """Give free heap pages back to the operating system (glibc only; a few milliseconds)."""
    if _trim is not None:
        _trim(0)
