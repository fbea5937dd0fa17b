"""The bounded soak (scripts/soak.py) as a CI test: ~35 s of mixed load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import trio

pytestmark = pytest.mark.reliability

SOAK = Path(__file__).resolve().parents[2] / "scripts" / "soak.py"
SECONDS = 35


async def test_soak_leaves_nothing_behind() -> None:
    result = await trio.to_thread.run_sync(
        lambda: subprocess.run(
            [
                sys.executable,
                str(SOAK),
                "--seconds",
                str(SECONDS),
                "--concurrency",
                "10",
                "--seed",
                "7",
            ],
            capture_output=True,
            text=True,
            timeout=SECONDS + 150,
        )
    )
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert last.startswith("soak: "), result.stdout + result.stderr[-3000:]
    figures = dict(item.split("=", 1) for item in last[len("soak: ") :].split())
    print(last)
    assert result.returncode == 0, result.stdout
    assert figures["result"] == "ok" and figures["failed_checks"] == "none"
    for key in (
        "locks_left",
        "active_streams",
        "queue_left",
        "error_logs",
        "http_5xx",
        "unexpected",
        "exit_code",
    ):
        assert figures[key] == "0", (key, figures)
    assert int(figures["chats_done"]) > 50 and int(figures["disconnects"]) > 20
    assert int(figures["books_completed"]) == int(figures["books"]) > 3
    assert float(figures["rss_end_mb"]) <= float(figures["rss_baseline_mb"]) * 1.25 + 40
