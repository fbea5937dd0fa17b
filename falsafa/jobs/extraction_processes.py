"""The extraction worker processes: they die with their parent, and log JSON.

Usage::

    configure_extraction_processes("INFO")   # once, main thread, before trio.run
    analysis = await trio_parallel.run_sync(analyse, ...)   # in a watched worker

Extraction runs in ``trio_parallel`` worker processes. When the service's
main process is killed alone (an OOM kill, ``kill -9 PID``), nothing told
them: a worker in the middle of a book kept computing for minutes with
parent PID 1, then wrote Python's plain-text tracebacks into the JSON log
when it found its pipe broken, and kept the multiprocessing resource
tracker alive with it.

Each worker now starts a watchdog thread that waits on a pidfd of its
parent (``os.pidfd_open``; polling ``getppid`` where there is none) and
ends the worker at once when the parent is gone. The resource tracker then
sees its last writer go and exits by itself. ``PR_SET_PDEATHSIG`` is not
used: it fires when the parent *thread* that started the child ends, and
trio-parallel starts workers from trio's worker threads, which end after
ten idle seconds, which would kill healthy workers.

A worker logs as the service does (``falsafa.logs``), and whatever is still
written to its stderr directly (a traceback printed by multiprocessing, a
warning) goes out as one JSON line per line.
"""

from __future__ import annotations

import io
import json
import logging
import os
import select
import sys
import threading
import time
from functools import partial
from typing import TextIO

import trio_parallel

from falsafa.logs import configure_logging, redact

__all__ = ["JsonStderr", "configure_extraction_processes", "watch_parent"]

log = logging.getLogger("falsafa.extraction")

# Seconds between two looks at the parent where there is no pidfd.
PARENT_POLL = 0.5
# A worker whose parent is gone exits with this code (128 + SIGHUP's number,
# as a shell reports a process ended by a hang-up).
ORPHAN_EXIT = 129


def configure_extraction_processes(log_level: str = "INFO") -> None:
    """Make every extraction worker process watch this process and log JSON.
    Call it in the main thread before the first job (``falsafa serve`` does)."""
    trio_parallel.configure_default_context(
        init=partial(start_worker_process, os.getpid(), log_level)
    )


def start_worker_process(parent: int, log_level: str) -> None:
    """Runs in each new worker process before its first job."""
    configure_logging(log_level)
    sys.stderr = JsonStderr(sys.__stderr__ or sys.stderr)
    watch_parent(parent)


def watch_parent(parent: int) -> None:
    """End this process as soon as ``parent`` has exited (at once if it has)."""
    if os.getppid() != parent:
        os._exit(ORPHAN_EXIT)
    threading.Thread(target=_exit_with, args=(parent,), name="parent watchdog", daemon=True).start()


def _exit_with(parent: int) -> None:
    try:
        pidfd = os.pidfd_open(parent)
    except (AttributeError, OSError):
        pidfd = None
    # The parent may have gone (and its PID been reused) before the pidfd.
    if pidfd is not None and os.getppid() == parent:
        select.select([pidfd], [], [])  # readable once the parent has exited
    else:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
    log.warning("the service process is gone; extraction worker exits", extra={"parent": parent})
    os._exit(ORPHAN_EXIT)


class JsonStderr(io.TextIOBase):
    """A stderr that writes each line as a JSON log line on ``stream``."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream
        self._partial = ""
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            lines = (self._partial + text).split("\n")
            self._partial = lines.pop()
            for line in lines:
                self._emit(line)
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self._partial:
                self._emit(self._partial)
                self._partial = ""
        self._stream.flush()

    def _emit(self, line: str) -> None:
        if not line.strip():
            return
        doc = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z",
            "level": "error",
            "logger": "falsafa.extraction.stderr",
            "msg": redact(line),
            "pid": os.getpid(),
        }
        self._stream.write(json.dumps(doc, ensure_ascii=False) + "\n")
