"""The service's allocator: ``falsafa serve`` re-executes itself once with
``PYTHONMALLOC=malloc`` (same PID), unless ``PYTHONMALLOC`` is set, with
jemalloc preloaded where installed (``FALSAFA_JEMALLOC=0``: glibc's malloc);
the heap trim returns free pages."""

from __future__ import annotations

import ctypes.util
import os
import subprocess
import sys

from falsafa.memory import release_free_heap

# Prints the PID, PYTHONMALLOC as this process sees it, and whether Python's
# own allocator (pymalloc) runs: its statistics name the small block threshold.
PROBE = """
import io, os, sys
from falsafa.memory import use_system_allocator
def state(label):
    err = os.dup(2); r, w = os.pipe(); os.dup2(w, 2); os.close(w)
    sys._debugmallocstats(); os.dup2(err, 2); os.close(err)
    stats = os.read(r, 1 << 20); os.close(r)
    print(label, os.getpid(), os.environ.get("PYTHONMALLOC"), b"Small block threshold" in stats, flush=True)
state("start")
use_system_allocator()
state("running")
"""


def run_probe(**env: str) -> list[list[str]]:
    base = {k: v for k, v in os.environ.items() if k != "PYTHONMALLOC"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return [line.split() for line in out.splitlines()]


def test_reexecutes_once_under_the_system_allocator() -> None:
    lines = run_probe()
    pid = lines[0][1]
    assert lines == [
        ["start", pid, "None", "True"],  # Python's allocator: re-executed
        ["start", pid, "malloc", "False"],  # same process, the system allocator
        ["running", pid, "None", "False"],  # its children get Python's back
    ]


def test_a_pythonmalloc_that_is_set_is_kept() -> None:
    lines = run_probe(PYTHONMALLOC="pymalloc")
    pid = lines[0][1]
    assert lines == [["start", pid, "pymalloc", "True"], ["running", pid, "pymalloc", "True"]]


def test_release_free_heap_runs_on_glibc() -> None:
    assert release_free_heap() is True


# What the running process uses, and what its children would inherit.
ALLOCATOR_PROBE = """
import os, sys
import falsafa.memory
from falsafa.memory import allocator, release_free_heap, use_system_allocator
if sys.argv[1:] == ["no-jemalloc"]:
    falsafa.memory.JEMALLOC = "no-such-allocator"  # as where it is not installed
use_system_allocator()
print(allocator(), release_free_heap(), os.environ.get("LD_PRELOAD"), os.environ.get("MALLOC_CONF"),
      sum("jemalloc" in line for line in open("/proc/self/maps")) > 0)
"""


def run_allocator_probe(*args: str, **env: str) -> list[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONMALLOC", "LD_PRELOAD", "MALLOC_CONF"}
    }
    return subprocess.run(
        [sys.executable, "-c", ALLOCATOR_PROBE, *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()


def test_jemalloc_is_preloaded_where_installed_and_children_get_the_environment_back() -> None:
    assert ctypes.util.find_library("jemalloc") is not None, (
        "scripts/setup.sh installs libjemalloc2"
    )
    assert run_allocator_probe() == ["jemalloc", "True", "None", "None", "True"]
    # An LD_PRELOAD and MALLOC_CONF of the caller's own are kept for children.
    assert run_allocator_probe(LD_PRELOAD="libm.so.6", MALLOC_CONF="abort:false") == [
        "jemalloc",
        "True",
        "libm.so.6",
        "abort:false",
        "True",
    ]


def test_without_jemalloc_the_service_runs_on_glibc() -> None:
    assert run_allocator_probe("no-jemalloc") == ["glibc", "True", "None", "None", "False"]
    # PYTHONMALLOC set by hand: no re-execution, glibc's malloc.
    assert run_allocator_probe(PYTHONMALLOC="malloc") == ["glibc", "True", "None", "None", "False"]
    assert run_allocator_probe(PYTHONMALLOC="pymalloc") == [
        "pymalloc",
        "True",
        "None",
        "None",
        "False",
    ]
