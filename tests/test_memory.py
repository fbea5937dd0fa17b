"""The service's allocator: ``falsafa serve`` re-executes itself once with
``PYTHONMALLOC=malloc`` (same PID), unless ``PYTHONMALLOC`` is set; the heap
trim returns free pages (glibc)."""

from __future__ import annotations

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
