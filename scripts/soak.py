"""A bounded soak: the real service under mixed load, then proof that it let go.

Usage::

    python scripts/soak.py --seconds 300            # the long run
    python scripts/soak.py --seconds 40 --seed 7    # what CI runs

It starts a private ``redis-server``, the loopback storage and OpenAI peers
(in this process) and ``falsafa serve`` as a subprocess (API and worker, the
embedded SQLite store), then drives it for ``--seconds`` with
``--concurrency`` simulated clients, each choosing with a seeded RNG among:

- a chat stream read to the end (tokens, then ``done``);
- a chat stream the client abandons after a few tokens (a disconnect);
- two streams on one session at once (one must get the ``code: 429`` event);
- a book submitted for processing (202, then ``completed`` on the book);
- a malformed body (400) or an unknown session (404).

Afterwards, with the load stopped and the jobs drained, it checks: zero
session-lock keys in Redis, ``falsafa_chat_active_streams`` 0 on /metrics,
empty queue lists, no ``"level": "error"`` line in the service log (no
request here is one a user could be blamed for: a disconnect or a 429 is
not an error), resident memory back near its post-warm-up baseline, no 5xx,
and a clean exit (0) on SIGTERM. The last line printed is ``key=value``
figures; the exit status is 0 only when every check passed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import trio  # noqa: E402

from falsafa.jobs.pipeline import analyse_book  # noqa: E402
from falsafa.store import Book, ChatSession, SqliteStore, character_uuid  # noqa: E402
from tests.conftest import SHARED, RedisServer, free_port  # noqa: E402
from tests.peers.openai import OpenAIPeer, Script, open_openai_peer  # noqa: E402
from tests.peers.storage import StoragePeer, open_storage_peer  # noqa: E402

BOOKS = SHARED / "data" / "books"
CHAT_BOOK = "a_christmas_carol.txt"
JOB_BOOKS = ["the_time_machine.txt", "peter_pan.txt", "a_study_in_scarlet.txt"]
REQUEST_DEADLINE = 30.0
RSS_SLACK_MB = 40.0
COOLDOWN = 1.0
RSS_SLACK_RATIO = 0.25


def rss_mb(pid: int) -> float:
    """Resident set size of one process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


@dataclasses.dataclass
class Tally:
    outcomes: Counter[str] = dataclasses.field(default_factory=Counter)
    unexpected: list[str] = dataclasses.field(default_factory=list)
    submitted: list[uuid.UUID] = dataclasses.field(default_factory=list)
    rss_samples: list[float] = dataclasses.field(default_factory=list)

    def bad(self, what: str) -> None:
        self.outcomes["unexpected"] += 1
        if len(self.unexpected) < 20:
            self.unexpected.append(what)


class Soak:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.tally = Tally()
        self.sessions: list[ChatSession] = []
        self.busy: set[uuid.UUID] = set()
        # After a disconnect the server still holds the session lock until it
        # has saved the interrupted reply (milliseconds); a message sent in
        # that window gets the documented 429, so this client waits a little.
        self.cooling: dict[uuid.UUID, float] = {}
        self.asked = 0
        self.started = 0.0
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = work / "service.log"
        self.process: subprocess.Popen[bytes] | None = None

    # -- set-up ---------------------------------------------------------------

    async def prepare_store(self, store: SqliteStore, count: int) -> None:
        """Completed chat books with open sessions, written as the worker would."""
        text = (BOOKS / CHAT_BOOK).read_text(encoding="utf-8")
        analysis = await trio.to_thread.run_sync(
            lambda: analyse_book(str(uuid.UUID(int=1)), text, title="A Christmas Carol")
        )
        for _ in range(count):
            book = Book(id=uuid.uuid4(), user_id=uuid.uuid4(), title="A Christmas Carol")
            await store.create_book(book)
            characters = [
                dataclasses.replace(c, id=character_uuid(book.id, c.name), book_id=book.id)
                for c in analysis.characters
            ]
            passages = [dataclasses.replace(p, book_id=book.id) for p in analysis.passages]
            await store.save_book_results(book.id, characters, passages)
            session = ChatSession(
                id=uuid.uuid4(),
                user_id=book.user_id,
                book_id=book.id,
                character_id=characters[0].id,
            )
            await store.create_session(session)
            self.sessions.append(session)

    def start_service(self, redis_url: str, storage: StoragePeer, llm: OpenAIPeer) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FALSAFA_", "OPENAI_"))}
        env.update(
            FALSAFA_BIND=f"127.0.0.1:{self.port}",
            FALSAFA_ROLES="api,worker",
            FALSAFA_LOG_LEVEL="INFO",
            FALSAFA_SQLITE_PATH=str(self.work / "falsafa.sqlite3"),
            FALSAFA_STORAGE_ORIGINS=storage.url,
            REDIS_URL=redis_url,
            OPENAI_API_KEY="soak-key",
            OPENAI_BASE_URL=llm.base_url,
            OPENAI_MODEL="soak-model",
            FALSAFA_LOCK_TTL="6",
            FALSAFA_GRACEFUL_TIMEOUT="10",
            FALSAFA_JOB_VISIBILITY="10",
            FALSAFA_SSE_KEEPALIVE="5",
        )
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "falsafa.cli", "serve"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )

    async def wait_ready(self, client: httpx.AsyncClient) -> None:
        with trio.fail_after(60):
            while True:
                assert self.process is not None and self.process.poll() is None, "service died"
                try:
                    if (await client.get("/health")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await trio.sleep(0.1)

    # -- load -------------------------------------------------------------------

    def _body(self, session: ChatSession, message: str) -> dict[str, Any]:
        return {
            "user_id": str(session.user_id),
            "character_id": str(session.character_id),
            "book_id": str(session.book_id),
            "session_id": str(session.id),
            "user_message": message,
        }

    async def chat(
        self, client: httpx.AsyncClient, session: ChatSession, leave_after: int | None
    ) -> dict[str, Any] | None:
        """One stream; returns its last event (None when the client left)."""
        last: dict[str, Any] | None = None
        tokens = 0
        self.asked += 1  # distinct messages: a repeat would count as a retry
        message = f"Tell me about Christmas, question {self.asked}"
        async with client.stream("POST", "/character/chat", json=self._body(session, message)) as r:
            if r.status_code != 200:
                self.tally.bad(f"chat answered {r.status_code}")
                return None
            async for line in r.aiter_lines():
                if not line.startswith("data:"):
                    continue
                last = json.loads(line[5:])
                if "token" in last:
                    tokens += 1
                    if leave_after is not None and tokens >= leave_after:
                        return None  # leaving the block closes the connection
        return last

    def free_sessions(self) -> list[ChatSession]:
        now = trio.current_time()
        return [
            s for s in self.sessions if s.id not in self.busy and self.cooling.get(s.id, 0) <= now
        ]

    async def one_chat(self, client: httpx.AsyncClient, rng: random.Random, leave: bool) -> None:
        free = self.free_sessions()
        if not free:
            await trio.sleep(0.05)
            return
        session = rng.choice(free)
        self.busy.add(session.id)
        try:
            last = await self.chat(client, session, rng.randint(1, 8) if leave else None)
        finally:
            self.busy.discard(session.id)
            if leave:
                self.cooling[session.id] = trio.current_time() + COOLDOWN
        if leave:
            self.tally.outcomes["chat_disconnected"] += 1
        elif last is not None and last.get("done") is True:
            self.tally.outcomes["chat_done"] += 1
        else:
            self.tally.bad(f"chat ended with {last}")

    async def conflict(self, client: httpx.AsyncClient, rng: random.Random) -> None:
        free = self.free_sessions()
        if not free:
            await trio.sleep(0.05)
            return
        session = rng.choice(free)
        self.busy.add(session.id)
        endings: list[dict[str, Any] | None] = []

        async def run() -> None:
            endings.append(await self.chat(client, session, None))

        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(run)
                nursery.start_soon(run)
        finally:
            self.busy.discard(session.id)
        codes = sorted(str(e.get("code", "done")) if e else "none" for e in endings)
        # Usually one 429; when the first finished before the second began, two replies.
        if codes in (["429", "done"], ["done", "done"]):
            self.tally.outcomes["chat_conflict_429" if "429" in codes else "chat_no_overlap"] += 1
        else:
            self.tally.bad(f"concurrent streams ended {codes}")

    async def submit_book(
        self,
        client: httpx.AsyncClient,
        rng: random.Random,
        store: SqliteStore,
        storage: StoragePeer,
    ) -> None:
        # About one book every two seconds: extraction is CPU work, and the
        # soak is about the service letting go, not about queue throughput.
        if len(self.tally.submitted) >= (trio.current_time() - self.started) / 2 + 2:
            return await self.one_chat(client, rng, leave=False)
        name = rng.choice(JOB_BOOKS)
        start = rng.randrange(0, 100_000)
        text = (BOOKS / name).read_text(encoding="utf-8")[start : start + 30_000]
        book = Book(id=uuid.uuid4(), user_id=uuid.uuid4(), title=name)
        await store.create_book(book)
        url = storage.put(f"books/{book.id}.txt", text.encode())
        body = {"book_id": str(book.id), "user_id": str(book.user_id), "file_url": url}
        response = await client.post("/character/processing", json=body)
        if response.status_code == 202:
            self.tally.outcomes["processing_accepted"] += 1
            self.tally.submitted.append(book.id)
        else:
            self.tally.bad(f"processing answered {response.status_code}: {response.text[:200]}")

    async def client_mistake(self, client: httpx.AsyncClient, rng: random.Random) -> None:
        if rng.random() < 0.5:
            path = rng.choice(["/character/chat", "/character/processing"])
            response = await client.post(path, content=rng.choice([b"{", b"[]", b'{"a":1}']))
            expected = 400
        else:
            ids = {
                k: str(uuid.uuid4()) for k in ("user_id", "character_id", "book_id", "session_id")
            }
            response = await client.post("/character/chat", json={**ids, "user_message": "hi"})
            expected = 404
        if response.status_code == expected:
            self.tally.outcomes[f"client_error_{expected}"] += 1
        else:
            self.tally.bad(f"mistake answered {response.status_code}")

    async def user(
        self,
        index: int,
        until: float,
        store: SqliteStore,
        storage: StoragePeer,
    ) -> None:
        rng = random.Random(self.args.seed * 1000 + index)
        limits = httpx.Limits(max_connections=4, max_keepalive_connections=2)
        async with httpx.AsyncClient(
            base_url=self.url, timeout=REQUEST_DEADLINE, limits=limits
        ) as client:
            while trio.current_time() < until:
                roll = rng.random()
                try:
                    with trio.fail_after(REQUEST_DEADLINE):
                        if roll < 0.45:
                            await self.one_chat(client, rng, leave=False)
                        elif roll < 0.70:
                            await self.one_chat(client, rng, leave=True)
                        elif roll < 0.78:
                            await self.conflict(client, rng)
                        elif roll < 0.86:
                            await self.submit_book(client, rng, store, storage)
                        else:
                            await self.client_mistake(client, rng)
                except trio.TooSlowError:
                    self.tally.bad("a request hung past its deadline")
                except httpx.HTTPError as exc:
                    self.tally.bad(f"transport error: {type(exc).__name__}: {exc}")
                await trio.sleep(rng.uniform(0.0, 0.05))

    async def sample_rss(self, until: float) -> None:
        assert self.process is not None
        while trio.current_time() < until:
            self.tally.rss_samples.append(rss_mb(self.process.pid))
            await trio.sleep(0.5)

    # -- afterwards -----------------------------------------------------------------

    async def metric(self, client: httpx.AsyncClient, name: str) -> float:
        text = (await client.get("/metrics")).text
        for line in text.splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
        raise KeyError(name)

    async def run(self) -> int:
        args = self.args
        figures: dict[str, Any] = {
            "seconds": args.seconds,
            "seed": args.seed,
            "concurrency": args.concurrency,
        }
        checks: dict[str, bool] = {}
        server = RedisServer()
        server.start()
        r = server.client()
        store = SqliteStore(self.work / "falsafa.sqlite3")
        try:
            async with open_storage_peer() as storage, open_openai_peer(record=False) as llm:
                await self.prepare_store(store, 2 * args.concurrency)
                llm.default = Script(
                    tokens=[f"word{i} " for i in range(40)],
                    first_token_delay=0.05,
                    token_delay=0.01,
                )
                self.start_service(server.url, storage, llm)
                assert self.process is not None
                async with httpx.AsyncClient(base_url=self.url, timeout=REQUEST_DEADLINE) as client:
                    await self.wait_ready(client)
                    started = self.started = trio.current_time()
                    warmup = min(10.0, args.seconds * 0.2)
                    until = started + args.seconds
                    async with trio.open_nursery() as nursery:
                        nursery.start_soon(self.sample_rss, until)
                        for index in range(args.concurrency):
                            nursery.start_soon(self.user, index, until, store, storage)
                        await trio.sleep(warmup)
                        baseline = rss_mb(self.process.pid)
                    load_seconds = trio.current_time() - started

                    # Drain: every accepted book processed, every stream finished.
                    drain_started = trio.current_time()
                    with trio.move_on_after(120):
                        for book_id in self.tally.submitted:
                            while True:
                                book = await store.get_book(book_id)
                                if book and book.processing_status in {"completed", "failed"}:
                                    break
                                await trio.sleep(0.2)
                    with trio.move_on_after(15):
                        while True:
                            if await self.metric(client, "falsafa_chat_active_streams") == 0:
                                break
                            await trio.sleep(0.1)
                    figures["drain_s"] = round(trio.current_time() - drain_started, 1)
                    await trio.sleep(2)  # let the allocator settle before the last sample
                    statuses: Counter[str] = Counter()
                    for book_id in self.tally.submitted:
                        book = await store.get_book(book_id)
                        statuses[book.processing_status if book else "missing"] += 1
                    active = await self.metric(client, "falsafa_chat_active_streams")
                    end_rss = rss_mb(self.process.pid)
                    http_5xx = 0.0
                    for line in (await client.get("/metrics")).text.splitlines():
                        if line.startswith("falsafa_http_requests_total{") and 'status="5' in line:
                            http_5xx += float(line.rsplit(" ", 1)[1])

                locks = r.keys("falsafa:lock:*")
                queues = {
                    "pending": r.llen("processing_queue"),
                    "processing": r.llen("processing_queue:processing"),
                    "delayed": r.zcard("processing_queue:delayed"),
                    "dead": r.llen("processing_queue:dead"),
                }
                stop_started = time.monotonic()
                self.process.send_signal(signal.SIGTERM)
                try:
                    exit_code = self.process.wait(30)
                except subprocess.TimeoutExpired:
                    exit_code = -1
                figures["shutdown_s"] = round(time.monotonic() - stop_started, 2)
        finally:
            if self.process is not None and self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            await store.aclose()
            r.close()
            server.stop()

        error_lines = [
            line
            for line in self.log_path.read_text(errors="replace").splitlines()
            if '"level": "error"' in line or '"level": "critical"' in line
        ]
        outcomes = self.tally.outcomes
        figures.update(
            load_s=round(load_seconds, 1),
            requests=sum(v for k, v in outcomes.items() if k != "unexpected"),
            chats_done=outcomes["chat_done"],
            disconnects=outcomes["chat_disconnected"],
            conflicts_429=outcomes["chat_conflict_429"],
            books=len(self.tally.submitted),
            books_completed=statuses["completed"],
            client_errors=outcomes["client_error_400"] + outcomes["client_error_404"],
            unexpected=outcomes["unexpected"],
            http_5xx=int(http_5xx),
            locks_left=len(locks),
            active_streams=int(active),
            queue_left=sum(queues.values()),
            error_logs=len(error_lines),
            rss_baseline_mb=round(baseline, 1),
            rss_peak_mb=round(max(self.tally.rss_samples, default=end_rss), 1),
            rss_end_mb=round(end_rss, 1),
            exit_code=exit_code,
        )
        checks.update(
            no_unexpected=outcomes["unexpected"] == 0,
            no_5xx=http_5xx == 0,
            no_locks=not locks,
            no_active_streams=active == 0,
            queue_empty=not any(queues.values()),
            books_completed=statuses["completed"] == len(self.tally.submitted),
            no_error_logs=not error_lines,
            rss_back=end_rss <= baseline * (1 + RSS_SLACK_RATIO) + RSS_SLACK_MB,
            clean_exit=exit_code == 0,
            exercised=outcomes["chat_done"] > 0
            and outcomes["chat_disconnected"] > 0
            and len(self.tally.submitted) > 0,
        )
        for what in self.tally.unexpected:
            print(f"unexpected: {what}")
        for line in error_lines[:10]:
            print(f"error log: {line[:500]}")
        failed = [name for name, ok in checks.items() if not ok]
        figures["failed_checks"] = ",".join(failed) or "none"
        figures["result"] = "fail" if failed else "ok"
        print("soak: " + " ".join(f"{k}={v}" for k, v in figures.items()), flush=True)
        return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="how long to drive load")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=16, help="simulated clients")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="falsafa-soak-"))
    run: Callable[[], Any] = Soak(args, work).run
    try:
        return int(trio.run(run))
    finally:
        if args.keep:
            print(f"work directory: {work}")
        else:
            import shutil

            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
