"""Processing endpoint: time to the 202 for a 1 MB book, and accepted requests/s.

Usage::

    python bench/processing.py               # 60 sequential + 300 from 50 clients (~1 min)
    python bench/processing.py --quick       # 30 sequential + 100 from 50 clients

Processes: the storage peer (serving a 1,000,000-byte cut of War and Peace
as ``books/one_mb.txt``), a private ``redis-server`` and the service
(``falsafa serve``, role ``api`` only, so no worker competes for the CPU or
drains the queue: the figures are the endpoint's alone), embedded SQLite.
This script (trio, one ``httpx.AsyncClient`` per simulated client) is the
load generator. Each request has its own book row, so every one downloads,
decodes and queues the book (no "already queued" short cut).

- latency: one client, requests one after another: p50/p99 of the time from
  sending the POST to reading the 202;
- throughput: 50 clients, each POSTing its books back to back; accepted
  requests per second = 202s / wall time (latency under load is shown too).

Redis is flushed between the two phases (each job keeps 1 MB of text).
Last line: ``accept_p50_ms= accept_p99_ms= accepted_per_s=``.
"""

from __future__ import annotations

import argparse
import ssl
import sys
import time
import uuid
from pathlib import Path

import httpx
import trio

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED, Bench, Proc, cpu_seconds, machine, percentile

_SSL = ssl.create_default_context()
SIZE = 1_000_000


def make_book(directory: Path) -> Path:
    text = (SHARED / "data" / "books" / "war_and_peace.txt").read_bytes()[:SIZE]
    text = text[: text.rfind(b"\n") + 1]
    path = directory / "one_mb.txt"
    path.write_bytes(text)
    return path


def create_books(db: Path, n: int) -> list[tuple[str, str]]:
    from falsafa.store import Book, SqliteStore

    ids: list[tuple[str, str]] = []

    async def save() -> None:
        store = SqliteStore(db)
        try:
            for _ in range(n):
                book = Book(id=uuid.uuid4(), user_id=uuid.uuid4(), title="one megabyte")
                await store.create_book(book)
                ids.append((str(book.id), str(book.user_id)))
        finally:
            await store.aclose()

    trio.run(save)
    return ids


async def run(
    service: Proc, file_url: str, books: list[tuple[str, str]], clients: int
) -> tuple[list[float], int, float]:
    """POST every book, ``clients`` at a time; (latencies of 202s, failures, wall)."""
    latencies: list[float] = []
    failures = [0]
    queue = list(reversed(books))

    async def client() -> None:
        async with httpx.AsyncClient(
            base_url=service.url, timeout=120, verify=_SSL, trust_env=False
        ) as http:
            while queue:
                book_id, user_id = queue.pop()
                body = {"book_id": book_id, "user_id": user_id, "file_url": file_url}
                started = time.perf_counter()
                response = await http.post("/character/processing", json=body)
                if response.status_code == 202:
                    latencies.append(time.perf_counter() - started)
                else:
                    failures[0] += 1
                    if failures[0] <= 3:
                        print(f"# {response.status_code}: {response.text[:200]}", flush=True)

    started = time.perf_counter()
    with trio.fail_after(60 + len(books) * 2):
        async with trio.open_nursery() as nursery:
            for _ in range(clients):
                nursery.start_soon(client)
    return latencies, failures[0], time.perf_counter() - started


def flush(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushall()
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sequential", type=int, help="requests in the latency phase (60)")
    parser.add_argument("--concurrent", type=int, help="requests in the 50-client phase (300)")
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    n_seq = args.sequential or (30 if args.quick else 60)
    n_con = args.concurrent or (100 if args.quick else 300)
    print(f"# machine: {machine()} load={Path('/proc/loadavg').read_text().split()[:3]}")
    with Bench() as bench:
        books_dir = bench.dir / "books"
        books_dir.mkdir()
        book = make_book(books_dir)
        db = bench.dir / "falsafa.sqlite3"
        ids = create_books(db, n_seq + n_con + 5)
        redis = bench.redis()
        storage = bench.storage_peer(books_dir)
        service = bench.service(
            redis_url=redis, sqlite_path=db, roles="api", storage_origin=storage
        )
        file_url = f"{storage}/storage/v1/object/public/books/{book.name}"
        trio.run(run, service, file_url, ids[:5], 1)  # warm-up
        flush(redis)
        print(
            f"{'phase':<14} {'clients':>7} {'sent':>5} {'202':>5} {'fail':>4} {'p50_ms':>7} "
            f"{'p90_ms':>7} {'p99_ms':>7} {'max_ms':>7} {'req/s':>7} {'cpu_ms/req':>10}"
        )
        results = {}
        for label, clients, books in (
            ("sequential", 1, ids[5 : 5 + n_seq]),
            ("concurrent", args.clients, ids[5 + n_seq :]),
        ):
            cpu0 = cpu_seconds(service.pid)
            latencies, failures, wall = trio.run(run, service, file_url, books, clients)
            cpu = cpu_seconds(service.pid) - cpu0
            flush(redis)
            ms = [x * 1000 for x in latencies]
            results[label] = (ms, len(latencies) / wall)
            print(
                f"{label:<14} {clients:>7} {len(books):>5} {len(latencies):>5} {failures:>4} "
                f"{percentile(ms, 50):>7.1f} {percentile(ms, 90):>7.1f} "
                f"{percentile(ms, 99):>7.1f} {max(ms, default=0):>7.1f} "
                f"{len(latencies) / wall:>7.1f} {cpu * 1000 / max(1, len(books)):>10.2f}",
                flush=True,
            )
    sequential, _ = results["sequential"]
    _, per_s = results["concurrent"]
    print(f"# size={book.stat().st_size if book.exists() else SIZE} bytes; role api only")
    print(
        f"accept_p50_ms={percentile(sequential, 50):.1f} "
        f"accept_p99_ms={percentile(sequential, 99):.1f} accepted_per_s={per_s:.1f}"
    )


if __name__ == "__main__":
    main()
