"""A worker killed alone (SIGKILL to its main PID only, as an OOM kill does)
leaves no process behind, and its log stays JSON.

Figures: the worker is killed while an extraction worker process is in the
middle of a book; every process of its session (extraction workers, the
multiprocessing resource tracker) is gone within a few seconds, where they
used to keep computing with parent PID 1 and write plain-text tracebacks.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import trio

from falsafa.config import Settings
from tests.conftest import StartService
from tests.peers.storage import StoragePeer
from tests.reliability.procs import ServiceProcess, env_for, poll_until
from tests.support import BOOKS, create_book, processing_body

pytestmark = pytest.mark.reliability

# Seconds: the watchdog wakes at once; the rest is slack for a loaded machine.
ORPHANS_GONE_WITHIN = 1.5


def session_members(session: int) -> dict[int, str]:
    """PID -> command line of every live process in ``session``."""
    members = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # gone meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        state, sid = fields[0], int(fields[3])
        if sid == session and state != "Z":
            members[int(entry.name)] = cmdline
    return members


async def test_worker_sigkilled_alone_leaves_no_orphan_and_logs_json(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    storage: StoragePeer,
    tmp_path: Path,
) -> None:
    settings = make_settings(storage=storage, roles=frozenset({"api"}))
    api = await start_service(settings)
    # Two whole novels: their extraction takes seconds more than the
    # orphans are given, so only a watchdog can end them in time.
    text = b"\n\n".join(
        (BOOKS / name).read_bytes()
        for name in ("sense_and_sensibility.txt", "the_picture_of_dorian_gray.txt")
    )
    book = await create_book(api.services.store, title="Sense and Sensibility")
    url = storage.put("books/sense.txt", text)
    async with httpx.AsyncClient(base_url=str(api.url)) as client:
        response = await client.post("/character/processing", json=processing_body(book, url))
    assert response.status_code == 202, response.text

    worker = ServiceProcess(env_for(settings, FALSAFA_ROLES="worker"), log=tmp_path / "w.log")
    worker.start()
    try:
        # Until an extraction worker process is computing (it is spawned
        # for the job: the service's session then holds more than itself).
        def extracting() -> bool:
            members = session_members(worker.pid)
            return any(
                "multiprocessing" in cmd for pid, cmd in members.items() if pid != worker.pid
            )

        await poll_until(extracting, timeout=30)
        await trio.sleep(0.3)
        before = session_members(worker.pid)
        assert worker.process is not None and worker.process.poll() is None
        os.kill(worker.pid, signal.SIGKILL)  # the main PID only
        killed_at = time.monotonic()
        assert await worker.wait(5) == -signal.SIGKILL
        await poll_until(lambda: not session_members(worker.pid), timeout=ORPHANS_GONE_WITHIN)
        gone_after = time.monotonic() - killed_at
    finally:
        worker.stop()
        for pid in session_members(worker.pid):  # what a failed run left
            os.kill(pid, signal.SIGKILL)

    children = {pid: cmd for pid, cmd in before.items() if pid != worker.pid}
    assert children, "an extraction worker process was running at the kill"
    lines = worker.log_lines()
    assert any(line.get("msg") == "job claimed" for line in lines)
    raw = [line["msg"] for line in lines if line.get("level") == "raw"]
    assert raw == [], raw[:10]
    print(
        f"orphans: processes_besides_main_at_kill={len(children)}"
        f" all_gone_after_s={gone_after:.2f} plain_text_log_lines=0"
    )
