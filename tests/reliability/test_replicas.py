"""The scaled shape, as processes: two ``api`` and two ``worker`` on one Redis.

One redis-server, one SQLite file in WAL mode shared by every process, the
storage and LLM peers on loopback; the workers answer the LLM offline (their
persona refinement is not what is tested here). In order:

- the chat lock holds across replicas: a stream on one replica, the same
  session on the other gets the ``code: 429`` event;
- summing ``falsafa_queue_depth`` over the four processes' scrapes gives the
  queue's true depth (one process exports it);
- the double submission race, with storage answering in 2 s: the same book
  posted to the second replica 0.5 s later (the old "back to pending" gap)
  and 1.5 s later (the old "two jobs" gap) gets one job id, one download,
  one processing, and the book never reads ``pending`` once its job runs;
- a worker SIGKILLed mid-job: the other worker's reaper reclaims the job
  (as attempt 1) and the book completes; the depths still sum right;
- SIGTERM of one API replica with streams open on both: it exits 0, its
  streams end with an event, and the other replica's streams all finish.

And, apart: workers that each live less than the visibility timeout still
reclaim a stranded job, as the reaper's memory is in Redis.
"""

from __future__ import annotations

import re
import signal
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import httpx
import pytest
import redis
import trio

from falsafa.config import Settings
from falsafa.jobs.queue import JobQueue
from falsafa.redisio import RedisIO
from falsafa.store import Book, BookStatus, ChatSession, SqliteStore
from tests.chat.conftest import ReadyBook
from tests.conftest import free_port
from tests.peers.openai import OpenAIPeer, Script
from tests.peers.storage import StoragePeer
from tests.reliability.procs import ServiceProcess, env_for, poll_until
from tests.support import (
    BOOKS,
    chat_body,
    create_book,
    processing_body,
    sse_events,
    wait_for_status,
)

pytestmark = pytest.mark.reliability

VISIBILITY = 3.0  # heartbeats every 1 s: a loaded CI machine never misses three
STORAGE_DELAY = 3.0
CAROL = (BOOKS / "a_christmas_carol.txt").read_text(encoding="utf-8")
DEPTH = re.compile(r'^falsafa_queue_depth\{list="(\w+)"\} ([0-9.e+]+)$', re.M)


@dataclass
class Cluster:
    """The four processes, the store they share and a client for each."""

    settings: Settings
    store: SqliteStore
    apis: list[ServiceProcess]
    workers: list[ServiceProcess]
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    def client(self, proc: ServiceProcess) -> httpx.AsyncClient:
        return self.clients[proc.url]

    def claims(self, job_id: str, *only: ServiceProcess) -> list[dict[str, object]]:
        """The "job claimed" log lines of the job, in the workers (or ``only``)."""
        return [
            line
            for worker in only or self.workers
            for line in worker.log_lines()
            if line.get("msg") == "job claimed" and line.get("job_id") == job_id
        ]


@pytest.fixture
async def cluster(
    make_settings: Callable[..., Settings],
    storage: StoragePeer,
    llm: OpenAIPeer,
    tmp_path: Path,
) -> AsyncIterator[Cluster]:
    settings = make_settings(
        storage=storage, llm=llm, job_visibility=VISIBILITY, graceful_timeout=4.0
    )
    store = SqliteStore(settings.sqlite_path)
    apis = [
        ServiceProcess(
            env_for(settings, FALSAFA_ROLES="api", FALSAFA_BIND=f"127.0.0.1:{free_port()}"),
            log=tmp_path / f"api{n}.log",
        )
        for n in range(2)
    ]
    workers = [
        ServiceProcess(
            env_for(
                settings,
                FALSAFA_ROLES="worker",
                FALSAFA_BIND=f"127.0.0.1:{free_port()}",
                FALSAFA_METRICS_BIND=f"127.0.0.1:{free_port()}",
                OPENAI_API_KEY="",
            ),
            log=tmp_path / f"worker{n}.log",
        )
        for n in range(2)
    ]
    for worker in workers:  # /health and /metrics of a worker are on its metrics bind
        worker.env["FALSAFA_BIND"] = worker.env["FALSAFA_METRICS_BIND"]
    cluster = Cluster(settings, store, apis, workers)
    procs = [*apis, *workers]
    try:
        for proc in procs:
            proc.start()
            cluster.clients[proc.url] = httpx.AsyncClient(base_url=proc.url, timeout=30)
        async with trio.open_nursery() as nursery:
            for proc in procs:
                nursery.start_soon(proc.wait_ready, 60)
        yield cluster
    finally:
        for client in cluster.clients.values():
            await client.aclose()
        for proc in procs:
            proc.stop()
        await store.aclose()


async def test_two_api_and_two_worker_processes_share_one_redis(
    cluster: Cluster,
    storage: StoragePeer,
    llm: OpenAIPeer,
    ready_book: ReadyBook,
    redis_client: redis.Redis,
) -> None:
    handle = _StoreHandle(cluster.store)
    book, session = await ready_book(handle)  # type: ignore[arg-type]

    await lock_holds_across_replicas(cluster, llm, session)
    await depths_sum_to_the_truth(cluster, redis_client, cluster.apis + cluster.workers)
    for offset in (0.3, 2.5):
        await one_job_for_a_double_submission(cluster, storage, offset)
    killed = await worker_killed_mid_job(cluster, storage, redis_client)
    await depths_sum_to_the_truth(
        cluster, redis_client, [p for p in cluster.workers if p is not killed]
    )
    await sigterm_of_one_api_replica(cluster, llm, book)


async def lock_holds_across_replicas(
    cluster: Cluster, llm: OpenAIPeer, session: ChatSession
) -> None:
    llm.default = Script(tokens=[f"t{i} " for i in range(40)], token_delay=0.05)
    for round_ in range(4):
        first, second = cluster.apis[round_ % 2], cluster.apis[(round_ + 1) % 2]
        body = chat_body(session, f"Round {round_}")
        async with cluster.client(first).stream("POST", "/character/chat", json=body) as stream:
            chunks = stream.aiter_text()
            opening = ""
            while "data:" not in opening:  # the first token: the lock is held
                opening += await anext(chunks)
            refused = await cluster.client(second).post("/character/chat", json=body)
            rest = "".join([chunk async for chunk in chunks])
        assert sse_events(refused.text) == [
            {"error": "another reply is already streaming for this session", "code": 429}
        ]
        assert sse_events(opening + rest)[-1].get("done") is True, "the holder's stream finished"


async def depths_sum_to_the_truth(
    cluster: Cluster, r: redis.Redis, procs: list[ServiceProcess]
) -> None:
    # Fixed depths the workers do not change: dead letters, and retries due
    # in an hour.
    r.delete("processing_queue:dead", "processing_queue:delayed")
    for n in range(3):
        r.lpush("processing_queue:dead", f'{{"job_id": "dead{n}", "book_id": "b", "user_id": "u"}}')
    for n in range(2):
        r.zadd("processing_queue:delayed", {f'{{"job_id": "later{n}"}}': 4e9 + n})
    want = {"dead": 3.0, "delayed": 2.0}

    async def summed() -> tuple[dict[str, float], int]:
        totals: dict[str, float] = {}
        exporters = 0
        for proc in procs:
            text = (await cluster.client(proc).get("/metrics")).text
            assert "falsafa_queue_depth" in text
            found = DEPTH.findall(text)
            exporters += bool(found)
            for name, value in found:
                totals[name] = totals.get(name, 0.0) + float(value)
        return totals, exporters

    with trio.fail_after(10):  # a lease taken over after a SIGKILL: up to its TTL
        while True:
            totals, exporters = await summed()
            if exporters == 1 and all(totals.get(k) == v for k, v in want.items()):
                break
            await trio.sleep(0.2)
    assert {k: totals[k] for k in want} == want and exporters == 1
    r.delete("processing_queue:dead", "processing_queue:delayed")


async def one_job_for_a_double_submission(
    cluster: Cluster, storage: StoragePeer, offset: float
) -> None:
    book = await create_book(cluster.store, title=f"race {offset}")
    name = f"race-{book.id}.txt"
    url = storage.put(f"books/{name}", CAROL[:10_000].encode(), delay=STORAGE_DELAY)
    body = processing_body(book, url)
    seen: list[BookStatus] = []
    job_ids: list[str] = []

    async def post(api: ServiceProcess, after: float) -> None:
        await trio.sleep(after)
        response = await cluster.client(api).post("/character/processing", json=body)
        assert response.status_code == 202, response.text
        job_ids.append(response.json()["job_id"])

    async def watch() -> None:
        while True:
            current = await cluster.store.get_book(book.id)
            assert current is not None
            if not seen or seen[-1] != current.processing_status:
                seen.append(current.processing_status)
            if current.processing_status in {"completed", "failed"} and len(job_ids) == 2:
                return
            await trio.sleep(0.01)

    with trio.fail_after(60):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(watch)
            nursery.start_soon(post, cluster.apis[0], 0.0)
            nursery.start_soon(post, cluster.apis[1], offset)
    downloads = [r for r in storage.requests if r.method == "GET" and r.path.endswith(name)]
    running = seen.index("processing") if "processing" in seen else len(seen)
    outcome = {
        "job ids": len(set(job_ids)),
        "downloads": len(downloads),
        "processings": sum(len(cluster.claims(job_id)) for job_id in set(job_ids)),
        "pending while running": "pending" in seen[running:],
        "final": seen[-1],
    }
    assert outcome == {
        "job ids": 1,
        "downloads": 1,
        "processings": 1,
        "pending while running": False,
        "final": "completed",
    }, f"second request at +{offset} s: {outcome}, statuses {seen}"


async def worker_killed_mid_job(
    cluster: Cluster, storage: StoragePeer, r: redis.Redis
) -> ServiceProcess:
    book = await create_book(cluster.store, title="killed")
    url = storage.put(f"books/killed-{book.id}.txt", CAROL.encode())
    response = await cluster.client(cluster.apis[0]).post(
        "/character/processing", json=processing_body(book, url)
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    await poll_until(lambda: bool(cluster.claims(job_id)), timeout=20)
    [holder] = [w for w in cluster.workers if cluster.claims(job_id, w)]
    holder.kill_group()
    killed_at = trio.current_time()
    [survivor] = [w for w in cluster.workers if w is not holder]
    await poll_until(lambda: bool(cluster.claims(job_id, survivor)), timeout=20)
    reclaimed_after = trio.current_time() - killed_at
    final = await wait_for_status(cluster.store, book.id, {"completed", "failed"}, 60)
    assert final.processing_status == "completed", final.processing_error
    [first] = cluster.claims(job_id, holder)
    [second] = cluster.claims(job_id, survivor)
    assert (first["attempt"], second["attempt"]) == (0, 1), "a reclaim counts as an attempt"
    # Heartbeat lapse + visibility + a reaper round, + the lease's TTL when
    # the killed worker held it.
    assert reclaimed_after < 2 * VISIBILITY + 1.0 + 3.0 + 2.0, reclaimed_after
    # The book is marked completed before the job is acknowledged (at least
    # once): the job leaves the processing list right after, not at once.
    await poll_until(lambda: not r.llen("processing_queue:processing"), timeout=5)
    return holder


async def sigterm_of_one_api_replica(cluster: Cluster, llm: OpenAIPeer, book: Book) -> None:
    characters = await cluster.store.list_characters(book.id)
    sessions = [
        ChatSession(
            id=uuid.uuid4(), user_id=book.user_id, book_id=book.id, character_id=characters[0].id
        )
        for _ in range(8)
    ]
    for session in sessions:
        await cluster.store.create_session(session)
    llm.default = Script(tokens=[f"w{i} " for i in range(60)], token_delay=0.05)
    stopped, kept = cluster.apis
    endings: dict[str, list[dict[str, object]]] = {stopped.url: [], kept.url: []}
    started = trio.Semaphore(0)

    async def chat(api: ServiceProcess, session: ChatSession) -> None:
        async with cluster.client(api).stream(
            "POST", "/character/chat", json=chat_body(session, "Talk")
        ) as stream:
            text = ""
            async for chunk in stream.aiter_text():
                if "data:" not in text and "data:" in chunk:
                    started.release()
                text += chunk
        endings[api.url].append(sse_events(text)[-1])

    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            for n, session in enumerate(sessions):
                nursery.start_soon(chat, (stopped, kept)[n % 2], session)
            for _ in sessions:
                await started.acquire()
            stopped.signal(signal.SIGTERM)
            code = await stopped.wait(cluster.settings.graceful_timeout + 5)
    assert code == 0, stopped.tail()
    shutdown = {"error": "the server is shutting down; please retry", "code": 503}
    assert len(endings[stopped.url]) == 4
    assert all(e == shutdown or e.get("done") is True for e in endings[stopped.url])
    assert [e.get("done") for e in endings[kept.url]] == [True] * 4, "the other replica's streams"
    assert (await cluster.client(kept).get("/health")).status_code == 200


class _StoreHandle:
    """What ``ready_book`` needs of a service: ``.services.store``."""

    def __init__(self, store: SqliteStore) -> None:
        self.services = type("services", (), {"store": store})()


async def test_workers_restarting_faster_than_the_visibility_still_reclaim(
    make_settings: Callable[..., Settings], redis_client: redis.Redis, tmp_path: Path
) -> None:
    # Each worker lives less than the visibility timeout, as when they crash
    # in a loop: what one reaper saw, the next one goes on from.
    settings = make_settings(job_visibility=3.0)
    store = SqliteStore(settings.sqlite_path)
    book = await create_book(store, title="stranded")
    queue = JobQueue(RedisIO.from_url(settings.redis_url), settings)
    await queue.enqueue(str(book.id), str(book.user_id), "http://storage/b.txt", CAROL[:5_000])
    stranded = await queue.claim(timeout=1.0)
    assert stranded is not None
    redis_client.delete(queue.heartbeat_key(stranded.job_id))  # its worker died
    reclaimed = "job without heartbeat returned to the queue"
    workers: list[ServiceProcess] = []
    try:
        for n in range(6):
            worker = ServiceProcess(
                env_for(settings, FALSAFA_ROLES="worker"), log=tmp_path / f"w{n}.log"
            )
            workers.append(worker)
            worker.start()
            await poll_until(partial(_logged, worker, "service started"), timeout=30)
            with trio.move_on_after(1.5):
                await poll_until(partial(_logged, worker, reclaimed), timeout=1.5)
            if _logged(worker, reclaimed):
                break
            worker.kill_group()
        assert _logged(workers[-1], reclaimed), (
            f"not reclaimed by {len(workers)} short-lived workers"
        )
        assert len(workers) <= 3, "reclaimed within visibility + a round (+ a lapsed lease)"
        done = await wait_for_status(store, book.id, {"completed", "failed"}, 60)
        assert done.processing_status == "completed", done.processing_error
    finally:
        for worker in workers:
            worker.stop()
        await store.aclose()


def _logged(worker: ServiceProcess, message: str) -> bool:
    return any(line.get("msg") == message for line in worker.log_lines())
