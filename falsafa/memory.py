"""Giving freed heap memory back to the operating system after a burst.

Usage::

    use_system_allocator()            # first thing in ``serve``: may re-execute
    allocator()                       # "jemalloc", "glibc" or "pymalloc"
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

Even so, glibc kept ~20 % more RSS after 1,000 streams than before them:
the few blocks allocated during the burst that live on (1-4 MB in all) are
spread over its pages and keep them. Where jemalloc is installed (Debian's
``libjemalloc2``) the re-execution preloads it, configured with
``JEMALLOC_CONF``: one-page slabs, so such a block keeps 4 KiB mapped, not a
slab of up to 28 KiB, and no per-thread caches. The heap trim then purges
all its arenas. ``PYTHONMALLOC=malloc`` set by hand keeps glibc's malloc (no
re-execution). ``allocator()`` says which allocator runs (the service logs
it at start). Figures: bench/README.md.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import sys
from collections.abc import Callable

__all__ = [
    "JEMALLOC",
    "JEMALLOC_CONF",
    "MALLOC_ARENAS",
    "allocator",
    "limit_malloc_arenas",
    "release_free_heap",
    "use_system_allocator",
]

MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h
# Set on the re-executed process only: tells it that PYTHONMALLOC was ours.
_REEXECUTED = "FALSAFA_SYSTEM_ALLOCATOR"
# jemalloc, when installed (Debian's libjemalloc2): two arenas as for glibc;
# freed pages given back by a background thread within a second (dirty) and
# at once after that (muzzy), not at the next allocation; one-page slabs for
# every small size (a block that outlives a burst keeps 4 KiB mapped, not
# the up to 28 KiB of a default slab); no per-thread caches (their blocks
# are spread over the burst's slabs too).
JEMALLOC = "jemalloc"  # the library's name for find_library
JEMALLOC_CONF = (
    "narenas:2,background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0,"
    "slab_sizes:1-4096:1,tcache:false"
)
_PRELOAD = "LD_PRELOAD"
_CONF = "MALLOC_CONF"
_SAVED = "FALSAFA_SAVED_"  # the value the re-execution replaced ("" = unset)
_PURGE_ALL = b"arena.4096.purge"  # MALLCTL_ARENAS_ALL
# As this process was started: use_system_allocator takes it out of the
# environment of the re-executed process.
_PYTHONMALLOC = os.environ.get("PYTHONMALLOC")


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
    mallctl = _mallctl()
    if mallctl is not None:
        # Every arena's unused dirty pages, now rather than at their decay.
        mallctl(_PURGE_ALL, None, None, None, 0)
    trim = _libc_function("malloc_trim")
    if trim is None:
        return False
    trim(0)
    return True


def use_system_allocator() -> None:
    """Re-execute this process under ``PYTHONMALLOC=malloc`` (same PID,
    arguments and environment), with jemalloc preloaded where it is
    installed, unless ``PYTHONMALLOC`` is set or there is no ``malloc_trim``
    to return the pages; call before anything else runs."""
    if os.environ.pop(_REEXECUTED, None) is not None:
        # Children (extraction workers) start with Python's allocator and
        # the environment the service was started with.
        os.environ.pop("PYTHONMALLOC", None)
        for name in (_PRELOAD, _CONF):
            saved = os.environ.pop(_SAVED + name, None)
            if saved is None:
                continue
            if saved:
                os.environ[name] = saved
            else:
                os.environ.pop(name, None)
        return
    if "PYTHONMALLOC" in os.environ or _libc_function("malloc_trim") is None:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    env = {**os.environ, "PYTHONMALLOC": "malloc", _REEXECUTED: "1"}
    jemalloc = _jemalloc_library()
    if jemalloc is not None:
        # Ours first: a MALLOC_CONF option of the caller's own wins.
        for name, value, sep in ((_PRELOAD, jemalloc, ":"), (_CONF, JEMALLOC_CONF, ",")):
            env[_SAVED + name] = env.get(name, "")
            env[name] = sep.join(filter(None, (value, env.get(name))))
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], env)


def _jemalloc_library() -> str | None:
    return ctypes.util.find_library(JEMALLOC)


def allocator() -> str:
    """The allocator behind Python's objects: ``jemalloc``, ``glibc`` (the
    C library's malloc) or ``pymalloc`` (Python's own, for small objects)."""
    if _mallctl() is not None:
        return "jemalloc"
    return "glibc" if _PYTHONMALLOC in {"malloc", "malloc_debug"} else "pymalloc"


@functools.cache
def _mallctl() -> Callable[..., int] | None:
    try:
        function: Callable[..., int] = ctypes.CDLL(None).mallctl
    except (OSError, AttributeError):
        return None
    return function
