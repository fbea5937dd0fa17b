"""Event-loop health: /health latency while War and Peace is processed and 25
chat streams run, in one service process.

Usage::

    python bench/loop_health.py             # ~1.5 min
    python bench/loop_health.py --streams 50

Processes: the OpenAI peer (200 tokens at 50 tokens/s, 50 ms to the first
token), the storage peer (the books directory), a private ``redis-server``
and the service (``falsafa serve``, roles ``api,worker``, one consumer,
embedded SQLite). This script is the load generator: 25 users chatting back
to back (one ``httpx.AsyncClient`` each, streams spread over one stream's
length) and a prober that GETs ``/health`` every 10 ms on its own client.

After a warm-up book (it starts the extraction worker process) and once the
streams run, War and Peace is submitted; /health latencies are recorded from
its 202 until the store shows it ``completed`` (extraction in the worker
process, then indexing results and the save on the service's loop and
threads). The streams' TTFT and rate over the same window are shown too.

Last line: ``health_p99_ms=``.
"""

from __future__ import annotations

import argparse
import ssl
import sys
import time
from pathlib import Path

import httpx
import trio

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chat_relay
from _common import SHARED, Bench, machine, percentile
from ingest import create_books, status, submit

_SSL = ssl.create_default_context()
BOOKS = SHARED / "data" / "books"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=25)
    parser.add_argument("--period", type=float, default=0.01, help="seconds between probes")
    parser.add_argument("--book", default="war_and_peace")
    args = parser.parse_args()
    print(f"# machine: {machine()} load={Path('/proc/loadavg').read_text().split()[:3]}")
    with Bench() as bench:
        db = bench.dir / "falsafa.sqlite3"
        chats = chat_relay.prepare(db, args.streams + 5)
        ids = create_books(db, ["warm-up", args.book])
        redis = bench.redis()
        storage = bench.storage_peer(BOOKS)
        llm = bench.openai_peer(
            tokens=chat_relay.TOKENS, rate=chat_relay.RATE,
            first_token_delay=chat_relay.FIRST_DELAY,
        )  # fmt: skip
        service = bench.service(
            redis_url=redis, sqlite_path=db, openai_url=llm, storage_origin=storage,
        )  # fmt: skip
        # The warm-up book starts the extraction process; the LLM refines its
        # personas too (the service has a key), as it will War and Peace's.
        submit(service, storage, "a_christmas_carol", ids["warm-up"])
        deadline = time.monotonic() + 120
        while status(db, ids["warm-up"][0])[0] not in ("completed", "failed"):
            if time.monotonic() > deadline:
                raise RuntimeError("warm-up book not processed in 120 s")
            time.sleep(0.05)

        probes: list[tuple[float, float]] = []
        streams: list[chat_relay.Stream] = []
        window: list[float] = []

        async def prober(stop: trio.Event) -> None:
            async with httpx.AsyncClient(
                base_url=service.url, timeout=10, verify=_SSL, trust_env=False
            ) as http:
                while not stop.is_set():
                    started = time.perf_counter()
                    response = await http.get("/health")
                    elapsed = time.perf_counter() - started
                    if response.status_code != 200:
                        elapsed = float("inf")
                    probes.append((started, elapsed))
                    await trio.sleep(args.period)

        async def user(i: int, stop: trio.Event) -> None:
            await trio.sleep(chat_relay.STREAM_SECONDS * i / args.streams)
            async with chat_relay._client() as client:
                n = 0
                while not stop.is_set():
                    body = chat_relay._bodies("through", chats[i], n)
                    streams.append(
                        await chat_relay.one_stream(
                            client, f"{service.url}/character/chat", body, direct=False
                        )
                    )
                    n += 1

        async def job(stop: trio.Event) -> None:
            await trio.sleep(chat_relay.STREAM_SECONDS + 1)  # every stream running
            book_id = ids[args.book][0]
            await trio.to_thread.run_sync(submit, service, storage, args.book, ids[args.book])
            window.append(time.perf_counter())
            done = ("completed", "failed")
            # polling another process's SQLite file: there is nothing to wait on
            while (await trio.to_thread.run_sync(status, db, book_id))[0] not in done:  # noqa: ASYNC110
                await trio.sleep(0.05)
            window.append(time.perf_counter())
            stop.set()

        async def run() -> None:
            stop = trio.Event()
            with trio.fail_after(300):
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(prober, stop)
                    for i in range(args.streams):
                        nursery.start_soon(user, i, stop)
                    nursery.start_soon(job, stop)

        trio.run(run)
        final = status(db, ids[args.book][0])[0]
    begin, end = window
    inside = [e * 1000 for s, e in probes if begin <= s <= end]
    outside = [e * 1000 for s, e in probes if s < begin]
    during = [s for s in streams if s.started >= begin and (s.ended or 0) <= end]
    good = [s for s in during if s.ok and s.first is not None]
    print(f"{'window':<22} {'probes':>6} {'p50_ms':>7} {'p90_ms':>7} {'p99_ms':>7} {'max_ms':>7}")
    for label, values in (("streams only", outside), (f"{args.book} + streams", inside)):
        print(
            f"{label:<22} {len(values):>6} {percentile(values, 50):>7.1f} "
            f"{percentile(values, 90):>7.1f} {percentile(values, 99):>7.1f} "
            f"{max(values, default=float('nan')):>7.1f}"
        )
    ttft = [(s.first - s.started) * 1000 for s in good if s.first is not None]
    rate = sum(s.rate for s in good) / len(good) if good else 0.0
    print(
        f"# {args.book}: {final} in {end - begin:.1f} s after the 202; streams inside the "
        f"window: {len(during)} ({len(during) - len(good)} errors), TTFT p50 "
        f"{percentile(ttft, 50):.1f} ms p99 {percentile(ttft, 99):.1f} ms, {rate:.2f} tok/s each"
    )
    print(f"health_p99_ms={percentile(inside, 99):.1f}")


if __name__ == "__main__":
    main()
