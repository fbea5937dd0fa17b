"""Workers killed and stopped under load: no job lost, none done twice, no lock left.

Figures: SIGKILL 20 times in a row, each time while the worker holds a
job, and every book still ends ``completed`` with exactly the characters
and passages of one clean run; SIGTERM a busy service, and it exits 0 with
every unfinished job back on the queue and zero lock keys in Redis.
"""

from __future__ import annotations

import random
import signal
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import redis
import trio

from falsafa.config import Settings
from falsafa.jobs.pipeline import analyse_book
from falsafa.store import Book, ChatSession, SqliteStore
from tests.chat.conftest import ReadyBook
from tests.conftest import StartService, free_port
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

QUEUE_KEYS = ("processing_queue", "processing_queue:processing", "processing_queue:dead")
SOURCES = [
    "a_christmas_carol.txt",
    "the_time_machine.txt",
    "peter_pan.txt",
    "the_picture_of_dorian_gray.txt",
    "a_study_in_scarlet.txt",
    "sense_and_sensibility.txt",
]


def small_books(size: int = 60_000, slices: int = 1) -> list[tuple[str, str]]:
    """(name, text): ``slices`` consecutive slices per source book, different
    enough to tell apart."""
    books = []
    for name in SOURCES:
        text = (BOOKS / name).read_text(encoding="utf-8")
        for part in range(slices):
            label = name if slices == 1 else name.replace(".txt", f"_{part}.txt")
            books.append((label, text[part * size : (part + 1) * size]))
    return books


def queue_depths(r: redis.Redis) -> dict[str, int]:
    depths = {key: int(r.llen(key)) for key in QUEUE_KEYS}
    depths["processing_queue:delayed"] = int(r.zcard("processing_queue:delayed"))
    return depths


async def _wait_claimed(worker: ServiceProcess, timeout: float = 20) -> None:
    with trio.fail_after(timeout):
        while not any(line.get("msg") == "job claimed" for line in worker.log_lines()):
            assert worker.process is not None and worker.process.poll() is None, worker.tail()
            await trio.sleep(0.02)


async def _sleep_within_job(worker: ServiceProcess, delay: float, after_analysis: float) -> None:
    with trio.move_on_after(delay):
        while not any(line.get("msg") == "book analysed" for line in worker.log_lines()):  # noqa: ASYNC110 - polling its log
            await trio.sleep(0.01)
        await trio.sleep(after_analysis)


async def test_worker_sigkilled_20_times_every_job_completes_exactly_once(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    storage: StoragePeer,
    redis_client: redis.Redis,
    tmp_path: Path,
) -> None:
    # The API runs here; each worker is a process on the same store file and Redis.
    settings = make_settings(storage=storage, roles=frozenset({"api"}), job_visibility=1.0)
    api = await start_service(settings)
    store = api.services.store
    books: dict[uuid.UUID, str] = {}
    async with httpx.AsyncClient(base_url=str(api.url)) as client:
        # More jobs than kills: a kill that lands just after an
        # acknowledgement finishes a job, and the test needs 20 mid-job kills.
        for name, text in small_books(size=30_000, slices=4):
            book = await create_book(store, title=name)
            url = storage.put(f"books/{name}", text.encode())
            response = await client.post("/character/processing", json=processing_body(book, url))
            assert response.status_code == 202, response.text
            books[book.id] = text

    rng = random.Random(20)
    kills, claimed_at_kill = 0, 0
    workers: list[ServiceProcess] = []
    try:
        # Until 20 kills have landed mid-job. One that lands in the few
        # milliseconds between "analysed" and the acknowledgement finishes
        # its job instead, and is not counted (there are 24 jobs for that).
        while claimed_at_kill < 20:
            assert kills < 26, f"only {claimed_at_kill} of {kills} kills landed mid-job"
            worker = ServiceProcess(
                # A reclaimed job counts as an attempt; here the kills are
                # the test's, not the job's, so no job may run out of them.
                env_for(settings, FALSAFA_ROLES="worker", FALSAFA_JOB_ATTEMPTS="30"),
                log=tmp_path / f"worker{kills}.log",
            )
            workers.append(worker)
            worker.start()
            await _wait_claimed(worker)
            # Anywhere from "just claimed" to "saved, not yet acknowledged":
            # a random delay, cut short once the job is analysed (a fast
            # machine would otherwise finish every job before the kill).
            await _sleep_within_job(worker, rng.uniform(0.0, 1.6), rng.uniform(0.0, 0.01))
            claimed_at_kill += redis_client.llen("processing_queue:processing") > 0
            worker.kill_group()
            kills += 1
        survivor = ServiceProcess(
            env_for(settings, FALSAFA_ROLES="worker", FALSAFA_JOB_ATTEMPTS="30"),
            log=tmp_path / "survivor.log",
        )
        workers.append(survivor)
        survivor.start()
        for book_id in books:
            done = await wait_for_status(store, book_id, {"completed", "failed"}, timeout=60)
            assert done.processing_status == "completed", done.processing_error
        await poll_until(lambda: not any(queue_depths(redis_client).values()), timeout=10)
        survivor.signal(signal.SIGTERM)
        assert await survivor.wait(15) == 0
    finally:
        for worker in workers:
            worker.stop()

    # Exactly once: the store holds what one clean run of each book produces.
    for book_id, text in books.items():
        expected = analyse_book(str(book_id), text)
        characters = await store.list_characters(book_id)
        assert sorted(c.name for c in characters) == sorted(c.name for c in expected.characters)
        assert len({c.id for c in characters}) == len(characters)
        assert await store.count_passages(book_id) == len(expected.passages)
    assert queue_depths(redis_client) == dict.fromkeys((*QUEUE_KEYS, "processing_queue:delayed"), 0)
    assert not redis_client.keys("falsafa:job:*") and not redis_client.keys("falsafa:book:*")

    runs: Counter[str] = Counter()
    completions: Counter[str] = Counter()
    for worker in workers:
        for line in worker.log_lines():
            if line.get("msg") == "job claimed":
                runs[line["job_id"]] += 1
            elif line.get("msg") == "job completed":
                completions[line["job_id"]] += 1
    assert claimed_at_kill == 20
    assert len(runs) == len(books)
    print(
        f"sigkill: kills={kills} killed_holding_a_job={claimed_at_kill} books={len(books)}"
        f" job_runs={sum(runs.values())} pipeline_completions={sum(completions.values())}"
        f" books_completed_once={len(books)} dead=0"
    )


async def test_sigterm_under_load_loses_no_job_and_leaves_no_lock(
    make_settings: Callable[..., Settings],
    storage: StoragePeer,
    llm: OpenAIPeer,
    ready_book: ReadyBook,
    start_service: StartService,
    redis_client: redis.Redis,
    tmp_path: Path,
) -> None:
    settings = make_settings(
        storage=storage,
        llm=llm,
        bind=("127.0.0.1", free_port()),
        graceful_timeout=4.0,
        job_visibility=2.0,
    )
    # Fixtures written straight into the store file the service will open.
    store = SqliteStore(settings.sqlite_path)
    sessions: list[ChatSession] = []

    class _Handle:  # what ready_book needs: .services.store
        class services:
            pass

    handle = _Handle()
    handle.services.store = store  # type: ignore[attr-defined]
    for _ in range(6):
        _book, session = await ready_book(handle)  # type: ignore[arg-type]
        sessions.append(session)
    jobs: list[Book] = []
    for name, text in small_books(120_000):
        book = await create_book(store, title=name)
        storage.put(f"books/{name}", text.encode())
        jobs.append(book)
    llm.default = Script(tokens=[f"w{i} " for i in range(400)], token_delay=0.02)

    service = ServiceProcess(env_for(settings), log=tmp_path / "service.log")
    service.start()
    endings: list[dict[str, object]] = []
    try:
        await service.wait_ready()
        async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
            for book, (name, _text) in zip(jobs, small_books(), strict=True):
                url = storage.public_url(f"books/{name}")
                response = await client.post(
                    "/character/processing", json=processing_body(book, url)
                )
                assert response.status_code == 202, response.text

            async def chat(session: ChatSession) -> None:
                async with client.stream(
                    "POST", "/character/chat", json=chat_body(session, "Talk")
                ) as r:
                    endings.append(sse_events((await r.aread()).decode())[-1])

            with trio.fail_after(20):
                async with trio.open_nursery() as nursery:
                    for session in sessions:
                        nursery.start_soon(chat, session)
                    await wait_for_status(store, jobs[0].id, {"processing", "completed"}, 20)
                    await trio.sleep(0.3)
                    service.signal(signal.SIGTERM)
                    code = await service.wait(settings.graceful_timeout + 5)
    finally:
        service.stop()
    assert code == 0, service.tail()
    # Every stream ended with an event, not a cut connection.
    shutdown = {"error": "the server is shutting down; please retry", "code": 503}
    assert len(endings) == len(sessions)
    assert all(e == shutdown or e.get("done") is True for e in endings), endings
    assert not redis_client.keys("falsafa:lock:*"), "no session lock left behind"
    depths = queue_depths(redis_client)
    statuses = {b.id: (await store.get_book(b.id)).processing_status for b in jobs}  # type: ignore[union-attr]
    unfinished = [b for b in jobs if statuses[b.id] != "completed"]
    assert depths["processing_queue:processing"] == 0, "the job in progress was put back"
    assert depths["processing_queue"] == len(unfinished) > 0
    assert not any(line.get("level") in {"error", "critical"} for line in service.log_lines())

    # A new worker finishes them: nothing was lost.
    worker = await start_service(
        make_settings(
            storage=storage, roles=frozenset({"worker"}), sqlite_path=settings.sqlite_path
        )
    )
    for book in unfinished:
        done = await wait_for_status(worker.services.store, book.id, {"completed", "failed"}, 60)
        assert done.processing_status == "completed", done.processing_error
    await store.aclose()
    print(
        f"sigterm: exit_code={code} streams={len(sessions)}"
        f" streams_ended_with_event={len(endings)} jobs={len(jobs)}"
        f" requeued={len(unfinished)} lock_keys_left=0 later_completed={len(unfinished)}"
    )
