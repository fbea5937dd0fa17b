"""The process: SIGTERM drains and exits 0; a crashing child exits non-zero."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import trio

from falsafa.config import Settings
from falsafa.supervisor import ServiceHandle, supervise
from tests.conftest import free_port


def _spawn(env_extra: dict[str, str], tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FALSAFA_", "OPENAI_"))}
    env.update(
        {
            "FALSAFA_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
            "FALSAFA_GRACEFUL_TIMEOUT": "5",
            **env_extra,
        }
    )
    return subprocess.Popen(
        [sys.executable, "-m", "falsafa.cli", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        try:
            if httpx.get(url + "/health", timeout=0.5).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("service did not become healthy")


def _wait_started(process: subprocess.Popen[bytes]) -> bytes:
    """Read the log until the service says it started; returns what was read."""
    assert process.stderr is not None
    seen = b""
    while True:
        line = process.stderr.readline()
        assert line, f"process ended before starting: {seen.decode()}"
        seen += line
        if b'"service started"' in line:
            return seen


def _log_lines(raw: bytes) -> list[dict[str, object]]:
    return [json.loads(line) for line in raw.decode().splitlines() if line.startswith("{")]


def test_sigterm_drains_and_exits_zero(tmp_path: Path, redis_url: str) -> None:
    port = free_port()
    process = _spawn({"FALSAFA_BIND": f"127.0.0.1:{port}", "REDIS_URL": redis_url}, tmp_path)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", process)
        bad = httpx.post(
            f"http://127.0.0.1:{port}/character/chat",
            content=b"{",
            headers={"X-Request-Id": "req-42"},
        )
        assert bad.status_code == 400
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=15)
        elapsed = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err.decode()
    assert elapsed < 5 + 1, "drain took longer than the graceful timeout"
    lines = _log_lines(err)
    messages = [line["msg"] for line in lines]
    assert "signal received" in messages and "stopped" in messages
    request = [line for line in lines if line.get("request_id") == "req-42"]
    assert request and request[-1]["msg"] == "request" and request[-1]["status"] == 400


def test_crashing_child_stops_process_nonzero_with_reason(tmp_path: Path, redis_url: str) -> None:
    # The HTTP child cannot bind a port that is taken: it crashes at start.
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = _spawn({"FALSAFA_BIND": f"127.0.0.1:{port}", "REDIS_URL": redis_url}, tmp_path)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 1
    crash = [line for line in _log_lines(err) if line["level"] == "critical"]
    assert crash and "crashed" in str(crash[0]["msg"])
    assert "Address already in use" in str(crash[0].get("exc", ""))


def test_bad_configuration_fails_at_start_with_one_line(tmp_path: Path) -> None:
    process = _spawn({"FALSAFA_BIND": "nonsense"}, tmp_path)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 2
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and "FALSAFA_BIND" in lines[0]


async def test_a_crashing_task_cancels_the_others_and_returns_1(
    make_settings: Callable[..., Settings],
) -> None:
    """``supervise`` with a main whose child dies: everything else is cancelled."""
    record: list[str] = []
    settings = make_settings()

    async def main(settings: Settings, *, task_status: trio.TaskStatus[ServiceHandle]) -> None:
        from falsafa.services import open_services

        async with trio.open_nursery() as nursery, open_services(settings, nursery) as services:
            task_status.started(ServiceHandle(services, None, nursery.cancel_scope))

            async def sibling() -> None:
                try:
                    await trio.sleep_forever()
                finally:
                    record.append("sibling cancelled")

            async def crasher() -> None:
                await trio.sleep(0.01)
                raise RuntimeError("boom")

            nursery.start_soon(sibling)
            nursery.start_soon(crasher)

    with trio.fail_after(5):
        code = await supervise(main, settings)
    assert code == 1
    assert record == ["sibling cancelled"]


@pytest.mark.parametrize("roles", ["api", "worker"])
def test_roles_run_separately(tmp_path: Path, redis_url: str, roles: str) -> None:
    port = free_port()
    process = _spawn(
        {"FALSAFA_BIND": f"127.0.0.1:{port}", "REDIS_URL": redis_url, "FALSAFA_ROLES": roles},
        tmp_path,
    )
    try:
        if roles == "api":
            _wait_healthy(f"http://127.0.0.1:{port}", process)
        head = _wait_started(process)
        if roles == "worker":
            assert process.poll() is None
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=0.5)
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err.decode()
    started = [line for line in _log_lines(head + err) if line["msg"] == "service started"]
    assert started and started[0]["roles"] == [roles]
