"""Extraction worker processes: a watchdog ends them with their parent, stderr is JSON."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

from falsafa.jobs.extraction_processes import ORPHAN_EXIT, JsonStderr

# A parent that starts a child watching it, prints the child's PID, and waits.
PARENT = textwrap.dedent(
    """
    import subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", sys.argv[1]])
    print(child.pid, flush=True)
    time.sleep(60)
    """
)
CHILD = textwrap.dedent(
    """
    import os, time
    from falsafa.jobs.extraction_processes import watch_parent
    watch_parent(os.getppid())
    time.sleep(60)
    """
)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_watched_child_exits_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, CHILD], stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        time.sleep(0.5)  # the child is up and watching
        assert alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(5)
        deadline = time.monotonic() + 2
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not alive(child)
    finally:
        parent.kill()
        parent.wait(5)
        if "child" in locals() and alive(child):
            os.kill(child, signal.SIGKILL)


def test_a_child_of_a_parent_already_gone_exits_at_once() -> None:
    # The PID given is not the parent's: as if the parent died before init.
    code = subprocess.run(
        [
            sys.executable,
            "-c",
            "from falsafa.jobs.extraction_processes import watch_parent; watch_parent(1); print('on')",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert code.returncode == ORPHAN_EXIT
    assert code.stdout == ""


def test_stderr_lines_become_json_log_lines() -> None:
    out = io.StringIO()
    stderr = JsonStderr(out)
    stderr.write("Traceback (most recent call last):\n  File 'x.py'")
    stderr.write(", line 1\nBrokenPipeError: [Errno 32]\n\n")
    stderr.write("redis://:hunter2@host partial")
    stderr.flush()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["msg"] for line in lines] == [
        "Traceback (most recent call last):",
        "  File 'x.py', line 1",
        "BrokenPipeError: [Errno 32]",
        "redis://:***@host partial",
    ]
    assert {line["level"] for line in lines} == {"error"}
    assert all(line["logger"] == "falsafa.extraction.stderr" for line in lines)
