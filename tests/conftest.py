"""Shared fixtures: a real redis-server, real peers, a real Hypercorn.

Usage in a test::

    async def test_x(service, storage, llm):          # all real, on loopback
        async with httpx.AsyncClient(base_url=service.url) as client:
            ...

``redis_server`` starts one ``redis-server`` per test session on a free port
(never the machine's own Redis, so runs cannot collide); ``redis_url``
flushes it before each test. ``make_settings`` builds the service's settings
for a test; ``start_service`` runs the whole service (the same
``serve_service`` that ``falsafa serve`` runs) in the test's nursery.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import trio

from falsafa.config import Settings, origin_of
from falsafa.supervisor import ServiceHandle, serve_service
from tests.peers.openai import OpenAIPeer, open_openai_peer
from tests.peers.storage import StoragePeer, open_storage_peer

SHARED = Path(os.environ.get("FALSAFA_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A throwaway redis-server process (no persistence)."""

    def __init__(self, port: int | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.binary = binary
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def persistence_args(self) -> list[str]:
        """No persistence: a test Redis keeps nothing on disk."""
        return ["--save", "", "--appendonly", "no"]

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--protected-mode",
                "no",
                *self.persistence_args(),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                if client.ping():
                    break
            except (redis.ConnectionError, redis.BusyLoadingError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    client = redis_server.client()
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture
def redis_client(redis_server: RedisServer, redis_url: str) -> Iterator[redis.Redis]:
    client = redis_server.client()
    yield client
    client.close()


@pytest.fixture
async def storage() -> AsyncIterator[StoragePeer]:
    async with open_storage_peer() as peer:
        yield peer


@pytest.fixture
async def llm() -> AsyncIterator[OpenAIPeer]:
    async with open_openai_peer() as peer:
        yield peer


@pytest.fixture
def make_settings(tmp_path: Path, redis_url: str) -> Callable[..., Settings]:
    def make(
        *, storage: StoragePeer | None = None, llm: OpenAIPeer | None = None, **overrides: Any
    ) -> Settings:
        base = Settings(
            bind=("127.0.0.1", 0),
            redis_url=redis_url,
            sqlite_path=tmp_path / "falsafa.sqlite3",
            storage_origins=frozenset({origin_of(storage.url)}) if storage else frozenset(),
            openai_api_key="test-key" if llm else "",
            openai_base_url=llm.base_url if llm else "https://api.openai.com/v1",
            openai_model="test-model",
            graceful_timeout=5.0,
            job_visibility=3.0,
            lock_ttl=3.0,
            llm_timeout=5.0,
            llm_idle_timeout=5.0,
            store_timeout=5.0,
            download_timeout=10.0,
            # Retries at once: tests that measure the window set it.
            job_retry_window=0.0,
        )
        return dataclasses.replace(base, **overrides)

    return make


StartService = Callable[[Settings], Awaitable[ServiceHandle]]


@pytest.fixture
async def start_service(nursery: trio.Nursery) -> AsyncIterator[StartService]:
    handles: list[ServiceHandle] = []

    async def start(settings: Settings) -> ServiceHandle:
        handle: ServiceHandle = await nursery.start(serve_service, settings)
        handles.append(handle)
        return handle

    yield start
    for handle in handles:
        handle.stop()
