"""Giving freed heap memory back to the operating system after a burst.

Usage::

    use_system_allocator()            # first thing in ``serve``: may re-execute
    limit_malloc_arenas()             # once, at start-up, before threads
    trimmed = release_free_heap()     # True where glibc's malloc_trim exists

A burst of chat streams (1,000 open at once) leaves the C heap with pages
Python has freed but glibc keeps for reuse: RSS stayed at the burst's peak
(85 MB idle, 146 MB with 1,000 streams, 147 MB after all had closed).
``malloc_trim(0)`` returns every free page, top of the heap or not, to the
kernel. It is a plain C call through ``ctypes``; elsewhere (musl, macOS)
there is nothing to call and the function says so.

glibc also gives each thread that allocates its own arena (up to eight per
core), and keeps what a thread freed there for that arena. Store and Redis
calls run on up to ~40 worker threads during a burst: capped at
``MALLOC_ARENAS`` arenas, their C allocations share a few heaps that the
trim can give back.

Python's own allocator (pymalloc) keeps small objects in 1 MiB arenas and
returns an arena only when every object in it is gone; the trim cannot touch
them. After 1,000 streams had closed, Python's live bytes were back to the
idle level, yet all 53 arenas the burst had added stayed mapped: the few
objects allocated during the burst that live on (pooled connections, caches)
are spread over all of them. So the service runs with
``PYTHONMALLOC=malloc``: small objects come from glibc too, whose free pages
the trim returns wherever they are. ``use_system_allocator`` re-executes
``falsafa serve`` once with it, unless ``PYTHONMALLOC`` is already set (set
it to ``pymalloc`` to keep Python's allocator). Processes the service starts
(extraction workers) get Python's allocator back: they run one book and exit.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import sys
from collections.abc import Callable

__all__ = [
    "MALLOC_ARENAS",
    "limit_malloc_arenas",
    "release_free_heap",
    "use_system_allocator",
]

MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h
# Set on the re-executed process only: tells it that PYTHONMALLOC was ours.
_REEXECUTED = "FALSAFA_SYSTEM_ALLOCATOR"


@functools.cache
def _libc_function(name: str) -> Callable[..., int] | None:
    path = ctypes.util.find_library("c")
    if path is None:
        return None
    try:
        function: Callable[..., int] = getattr(ctypes.CDLL(path), name)
    except (OSError, AttributeError):
        return None
    return function


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas (``M_ARENA_MAX``); False where unsupported."""
    mallopt = _libc_function("mallopt")
    return mallopt is not None and mallopt(_M_ARENA_MAX, arenas) == 1


def release_free_heap() -> bool:
    """Return the heap's free pages to the kernel (blocking, a few ms for a
    large heap: call it from a worker thread). False where unsupported."""
    trim = _libc_function("malloc_trim")
    if trim is None:
        return False
    trim(0)
    return True


def use_system_allocator() -> None:
    """Re-execute this process under ``PYTHONMALLOC=malloc`` (same PID,
    arguments and environment) unless ``PYTHONMALLOC`` is set or there is no
    ``malloc_trim`` to return its pages; call before anything else runs."""
    if os.environ.pop(_REEXECUTED, None) is not None:
        # Children (extraction workers) start with Python's allocator.
        os.environ.pop("PYTHONMALLOC", None)
        return
    if "PYTHONMALLOC" in os.environ or _libc_function("malloc_trim") is None:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    env = {**os.environ, "PYTHONMALLOC": "malloc", _REEXECUTED: "1"}
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], env)
