"""The service as a real process, for the tests that signal or kill it.

Usage::

    proc = ServiceProcess(env_for(settings, FALSAFA_ROLES="worker"), log=tmp_path / "w.log")
    proc.start()
    await proc.wait_ready()          # api role: /health answers
    proc.signal(signal.SIGTERM); code = await proc.wait(10)
    proc.log_lines()                 # the JSON log lines it wrote

The process runs in its own session, so a SIGKILL to its group also takes
down the extraction worker processes it spawned.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import trio

from falsafa.config import Settings

__all__ = ["ServiceProcess", "env_for", "poll_until"]


async def poll_until(
    condition: Callable[[], bool], *, timeout: float, interval: float = 0.02
) -> None:
    """Wait until ``condition()`` holds (state of another process: no event to wait on)."""
    with trio.fail_after(timeout):
        while True:
            if condition():
                return
            await trio.sleep(interval)


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that configures ``falsafa serve`` like ``settings``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FALSAFA_", "OPENAI_", "SUPABASE_"))
    }
    env.update(
        FALSAFA_BIND=f"{settings.bind_host}:{settings.bind_port}",
        FALSAFA_ROLES=",".join(sorted(settings.roles)),
        FALSAFA_SQLITE_PATH=str(settings.sqlite_path),
        FALSAFA_STORAGE_ORIGINS=",".join(sorted(settings.storage_origins)),
        REDIS_URL=settings.redis_url,
        OPENAI_API_KEY=settings.openai_api_key,
        OPENAI_BASE_URL=settings.openai_base_url,
        OPENAI_MODEL=settings.openai_model,
        FALSAFA_JOB_VISIBILITY=f"{settings.job_visibility:g}",
        FALSAFA_JOB_BACKOFF=f"{settings.job_backoff:g}",
        FALSAFA_JOB_RETRY_WINDOW=f"{settings.job_retry_window:g}",
        FALSAFA_LOCK_TTL=f"{settings.lock_ttl:g}",
        FALSAFA_GRACEFUL_TIMEOUT=f"{settings.graceful_timeout:g}",
        FALSAFA_LLM_TIMEOUT=f"{settings.llm_timeout:g}",
        FALSAFA_LLM_IDLE_TIMEOUT=f"{settings.llm_idle_timeout:g}",
        FALSAFA_STORE_TIMEOUT=f"{settings.store_timeout:g}",
        FALSAFA_DOWNLOAD_TIMEOUT=f"{settings.download_timeout:g}",
        FALSAFA_SSE_KEEPALIVE=f"{settings.sse_keepalive:g}",
        FALSAFA_LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


class ServiceProcess:
    def __init__(self, env: dict[str, str], *, log: Path) -> None:
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.env['FALSAFA_BIND']}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "falsafa.cli", "serve"],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=out,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def signal(self, signum: int) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signum)

    def kill_group(self) -> None:
        """SIGKILL the service and every process it started."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    async def wait(self, timeout: float) -> int:
        assert self.process is not None
        with trio.fail_after(timeout):
            while True:
                code = self.process.poll()
                if code is not None:
                    return code
                await trio.sleep(0.02)

    async def wait_ready(self, timeout: float = 30) -> None:
        async with httpx.AsyncClient(base_url=self.url) as client:
            with trio.fail_after(timeout):
                while True:
                    assert self.process is not None and self.process.poll() is None, self.tail()
                    try:
                        if (await client.get("/health")).status_code == 200:
                            return
                    except httpx.TransportError:
                        pass
                    await trio.sleep(0.05)

    def stop(self) -> None:
        """Clean-up for ``finally`` blocks: nothing may outlive the test."""
        if self.process is not None and self.process.poll() is None:
            self.kill_group()

    def log_lines(self) -> list[dict[str, Any]]:
        lines = []
        for raw in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                lines.append(json.loads(raw))
            except ValueError:
                lines.append({"level": "raw", "msg": raw})
        return lines

    def tail(self, n: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
