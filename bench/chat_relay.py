"""Chat relay: the service's POST /character/chat against the LLM peer read directly.

Usage::

    python bench/chat_relay.py                 # all three regimes (~4-5 min)
    python bench/chat_relay.py --quick         # fewer rounds, smaller sweep (~1.5 min)
    python bench/chat_relay.py --only relay    # relay | capacity | streams1000
    python bench/chat_relay.py --profile out   # py-spy the service during the 25-session run

Processes: the OpenAI-compatible peer (``tests.peers.openai``: 200 tokens at
50 tokens/s after a 50 ms first-token delay), a private ``redis-server``, the
service (``falsafa serve``, role ``api``, embedded SQLite store, a processed
A Christmas Carol with one chat session per simulated user), and this script
as the load generator (trio, one ``httpx.AsyncClient`` per simulated user).

Each regime runs the same users twice in one run: **direct** (each user
POSTs ``/v1/chat/completions`` to the peer itself) and **through** (each user
POSTs ``/character/chat`` to the service, which relays the same peer). Users
start evenly spread over one stream's length and run their streams back to
back.

- TTFT: from sending the request to the first token event; ``added`` is
  through minus direct, percentile by percentile.
- throughput: tokens per second of each stream, request sent to last token,
  averaged; the ratio is through / direct.
- CPU per relayed token: the service's user+system CPU time (``/proc``) over
  the through phases, divided by the tokens it relayed.
- capacity: sessions 25, 30, 35, 40, 50, 60, 75, 100, ... until the throughput
  ratio falls below 0.95 (or a stream fails); the largest level held.
- 1,000 streams at 1 token/s (a second peer, 60 tokens; opened over 20 s): a fresh service
  warmed with 20 streams; RSS growth per stream = (peak RSS with 1,000 open -
  RSS with none open after the warm-up) / 1,000; RSS after the storm: 15 s
  after the last stream closed (the service's second heap trim comes 12 s
  after it), against the same idle RSS (``falsafa.memory``; the target is
  within 10 %, 105-106 % measured: bench/README.md). Errors count non-200
  answers, error events, transport errors and streams without ``done``.

The last line is ``added_ttft_p50_ms= added_ttft_p99_ms= throughput_ratio=
cpu_ms_per_token= capacity_streams= streams_1000_errors= rss_per_stream_kb=
rss_after_storm_pct=`` (RSS after the storm as a percentage of before).
"""

from __future__ import annotations

import argparse
import gc
import ssl
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import trio

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    SHARED,
    Bench,
    Proc,
    cpu_seconds,
    machine,
    percentile,
    rss_bytes,
)

TOKENS = 200
RATE = 50.0
FIRST_DELAY = 0.05
STREAM_SECONDS = FIRST_DELAY + (TOKENS - 1) / RATE
SLOW_TOKENS = 60
AFTER_STORM_WAIT = 15.0  # seconds from the storm's end to the RSS sample (after the late trim)
_SSL = ssl.create_default_context()  # one context for every client (no TLS is used)


@dataclass
class Stream:
    started: float
    headers: float | None = None
    first: float | None = None
    ended: float | None = None
    tokens: int = 0
    status: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.ended is not None

    @property
    def ttft(self) -> float:
        assert self.first is not None
        return self.first - self.started

    @property
    def rate(self) -> float:
        assert self.ended is not None
        return self.tokens / (self.ended - self.started)


@dataclass
class Phase:
    kind: str
    users: int
    streams: list[Stream] = field(default_factory=list)
    cpu_s: float = 0.0
    wall_s: float = 0.0

    @property
    def good(self) -> list[Stream]:
        return [s for s in self.streams if s.ok and s.first is not None]

    @property
    def errors(self) -> int:
        return len(self.streams) - len(self.good)

    def ttft_ms(self, q: float) -> float:
        return percentile([s.ttft for s in self.good], q) * 1000

    def headers_ms(self, q: float) -> float:
        return percentile([s.headers - s.started for s in self.good if s.headers], q) * 1000

    @property
    def rate(self) -> float:
        good = self.good
        return statistics.fmean(s.rate for s in good) if good else 0.0

    @property
    def tokens(self) -> int:
        return sum(s.tokens for s in self.streams)


# -- setup ---------------------------------------------------------------------


def prepare(db: Path, sessions: int) -> list[dict[str, str]]:
    """A processed A Christmas Carol and ``sessions`` chat sessions; chat bodies."""
    import dataclasses

    from falsafa.jobs.pipeline import analyse_book
    from falsafa.store import Book, ChatSession, SqliteStore, character_uuid

    text = (SHARED / "data" / "books" / "a_christmas_carol.txt").read_text(encoding="utf-8")
    book = Book(id=uuid.uuid4(), user_id=uuid.uuid4(), title="A Christmas Carol")
    analysis = analyse_book(str(book.id), text, title=book.title)
    characters = [
        dataclasses.replace(c, id=character_uuid(book.id, c.name), book_id=book.id)
        for c in analysis.characters
    ]
    bodies: list[dict[str, str]] = []

    async def save() -> None:
        store = SqliteStore(db)
        try:
            await store.create_book(book)
            await store.save_book_results(book.id, characters, analysis.passages)
            for i in range(sessions):
                character = characters[i % len(characters)]
                session = ChatSession(
                    id=uuid.uuid4(), user_id=book.user_id, book_id=book.id,
                    character_id=character.id,
                )  # fmt: skip
                await store.create_session(session)
                bodies.append(
                    {
                        "user_id": str(book.user_id),
                        "book_id": str(book.id),
                        "character_id": str(character.id),
                        "session_id": str(session.id),
                    }
                )
        finally:
            await store.aclose()

    trio.run(save)
    return bodies


# -- load generator ------------------------------------------------------------

_DIRECT_SYSTEM = "You are a character from a novel. " * 60
_MESSAGES = (
    "What do you think of Christmas?",
    "Tell me about your partner Marley.",
    "Why are you so careful with money?",
    "What did the ghost show you?",
)


def _client(connections: int = 2) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(60.0, connect=10.0),
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        verify=_SSL,
        trust_env=False,
    )


async def _read(response: httpx.Response, stream: Stream, direct: bool, cut: int | None) -> None:
    buf = b""
    async for chunk in response.aiter_raw():
        now = time.perf_counter()
        buf += chunk
        if b"\n\n" not in buf:
            continue
        *events, buf = buf.split(b"\n\n")
        for event in events:
            if direct:
                if event.startswith(b"data: [DONE]"):
                    stream.ended = now
                elif b'"finish_reason":null' in event and b'"role":"assistant"' not in event:
                    stream.tokens += 1
                    if stream.first is None:
                        stream.first = now
            elif event.startswith(b'data: {"token"'):
                stream.tokens += 1
                if stream.first is None:
                    stream.first = now
            elif event.startswith(b'data: {"done"'):
                stream.ended = now
            elif event.startswith(b'data: {"error"'):
                stream.error = event.decode(errors="replace")[:200]
        if cut is not None and stream.tokens >= cut:
            stream.ended = now
            return


async def one_stream(
    client: httpx.AsyncClient,
    url: str,
    body: dict[str, Any],
    *,
    direct: bool,
    cut: int | None = None,
) -> Stream:
    headers = {"Authorization": "Bearer bench"} if direct else {}
    stream = Stream(started=time.perf_counter())
    try:
        async with client.stream("POST", url, json=body, headers=headers) as response:
            stream.headers = time.perf_counter()
            stream.status = response.status_code
            if response.status_code != 200:
                stream.error = f"HTTP {response.status_code}: {(await response.aread())[:200]!r}"
                return stream
            await _read(response, stream, direct, cut)
    except httpx.HTTPError as exc:
        stream.error = f"{type(exc).__name__}: {exc}"
    if stream.error is None and stream.ended is None:
        stream.error = "stream ended without done"
    return stream


def _bodies(kind: str, chat: dict[str, str], n: int) -> dict[str, Any]:
    message = f"{_MESSAGES[n % len(_MESSAGES)]} ({n})"
    if kind == "direct":
        return {
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": _DIRECT_SYSTEM},
                {"role": "user", "content": message},
            ],
            "stream": True,
            "max_tokens": 400,
            "temperature": 0.8,
        }
    return {**chat, "user_message": message}


async def run_phase(
    kind: str,
    url: str,
    chats: list[dict[str, str]],
    *,
    users: int,
    rounds: int,
    spread: float,
    service: Proc | None,
) -> Phase:
    phase = Phase(kind, users)
    direct = kind == "direct"
    clients = [_client() for _ in range(users)]

    async def user(i: int) -> None:
        await trio.sleep(spread * i / users)
        for n in range(rounds):
            body = _bodies(kind, chats[i], n)
            phase.streams.append(await one_stream(clients[i], url, body, direct=direct))

    cpu0 = cpu_seconds(service.pid) if service else 0.0
    t0 = time.perf_counter()
    try:
        with trio.fail_after(spread + rounds * (STREAM_SECONDS + 30) + 30):
            async with trio.open_nursery() as nursery:
                for i in range(users):
                    nursery.start_soon(user, i)
    finally:
        phase.wall_s = time.perf_counter() - t0
        phase.cpu_s = (cpu_seconds(service.pid) if service else 0.0) - cpu0
        for client in clients:
            await client.aclose()
    return phase


async def warm_up(service: Proc, chats: list[dict[str, str]], n: int, cut: int | None) -> None:
    async with _client() as client, trio.open_nursery() as nursery:
        for i in range(n):
            body = _bodies("through", chats[i], 99)
            nursery.start_soon(
                lambda b=body: one_stream(
                    client, f"{service.url}/character/chat", b, direct=False, cut=cut
                )
            )


# -- regimes -------------------------------------------------------------------


@dataclass
class Pair:
    direct: Phase
    through: Phase

    @property
    def ratio(self) -> float:
        return self.through.rate / self.direct.rate if self.direct.rate else 0.0

    @property
    def cpu_ms_per_token(self) -> float:
        tokens = self.through.tokens
        return self.through.cpu_s * 1000 / tokens if tokens else float("nan")

    @property
    def held(self) -> bool:
        return self.ratio >= 0.95 and self.through.errors == 0 and self.direct.errors == 0


async def pair(
    llm_url: str, service: Proc, chats: list[dict[str, str]], users: int, rounds: int
) -> Pair:
    spread = STREAM_SECONDS
    direct = await run_phase(
        "direct", f"{llm_url}/chat/completions", chats,
        users=users, rounds=rounds, spread=spread, service=None,
    )  # fmt: skip
    through = await run_phase(
        "through", f"{service.url}/character/chat", chats,
        users=users, rounds=rounds, spread=spread, service=service,
    )  # fmt: skip
    return Pair(direct, through)


def _row(label: str, p: Phase, cpu: str = "") -> str:
    return (
        f"{label:<22} {p.kind:<8} {p.users:>5} {len(p.streams):>6} {p.errors:>4} "
        f"{p.ttft_ms(50):>8.1f} {p.ttft_ms(95):>8.1f} {p.ttft_ms(99):>8.1f} "
        f"{p.rate:>8.2f} {cpu:>10} {p.headers_ms(50):>7.1f} {p.headers_ms(99):>7.1f}"
    )


HEADER = (
    f"{'regime':<22} {'path':<8} {'users':>5} {'streams':>6} {'err':>4} "
    f"{'ttft_p50':>8} {'ttft_p95':>8} {'ttft_p99':>8} {'tok/s':>8} {'cpu_ms/tok':>10} "
    f"{'hdr_p50':>7} {'hdr_p99':>7}"
)


async def streams_1000(
    llm_url: str, service: Proc, chats: list[dict[str, str]], n: int, ramp: float
) -> dict[str, float]:
    """Open ``n`` streams at 1 token/s; RSS per stream and errors."""
    await warm_up(service, chats[n:], 20, cut=2)
    await trio.sleep(1.0)
    gc_rss0 = rss_bytes(service.pid)
    streams: list[Stream] = []
    opened = trio.Event()
    peak = [gc_rss0]
    half = [0]
    clients = [_client(1) for _ in range(n)]
    started = [0]

    async def user(i: int) -> None:
        await trio.sleep(ramp * i / n)
        started[0] += 1
        if started[0] == n:
            opened.set()
        streams.append(
            await one_stream(
                clients[i], f"{service.url}/character/chat", _bodies("through", chats[i], 7),
                direct=False,
            )
        )  # fmt: skip

    async def sample() -> None:
        while True:
            rss = rss_bytes(service.pid)
            if started[0] >= n // 2 and not half[0]:
                half[0] = rss
            if opened.is_set():
                peak[0] = max(peak[0], rss)
            await trio.sleep(0.25)

    try:
        # Streams still open past this bound count as errors.
        with trio.move_on_after(ramp + SLOW_TOKENS + 180):
            async with trio.open_nursery() as nursery:
                sampler = trio.CancelScope()

                async def sampling() -> None:
                    with sampler:
                        await sample()

                nursery.start_soon(sampling)
                async with trio.open_nursery() as users:
                    for i in range(n):
                        users.start_soon(user, i)
                sampler.cancel()
    finally:
        for client in clients:
            await client.aclose()
    # The last streams closed just now: the trim runs in a worker thread.
    await trio.sleep(AFTER_STORM_WAIT)
    after = rss_bytes(service.pid)
    errors = sum(1 for s in streams if not s.ok or s.tokens != SLOW_TOKENS) + (n - len(streams))
    first_errors = sorted({s.error or f"tokens={s.tokens}" for s in streams if not s.ok})[:3]
    return {
        "errors": errors,
        "rss0_mb": gc_rss0 / 2**20,
        "peak_mb": peak[0] / 2**20,
        "per_stream_kb": (peak[0] - gc_rss0) / n / 1024,
        "after_mb": after / 2**20,
        "after_pct": 100 * after / gc_rss0,
        "marginal_kb": (peak[0] - half[0]) / (n - n // 2) / 1024 if half[0] else float("nan"),
        "first_errors": first_errors,  # type: ignore[dict-item]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller sweep")
    parser.add_argument("--only", choices=["relay", "capacity", "streams1000"], action="append")
    parser.add_argument("--rounds", type=int, help="streams per user at 25 sessions (default 6)")
    parser.add_argument("--levels", help="capacity levels, e.g. 25,50,100 (default up to 600)")
    parser.add_argument("--streams", type=int, default=1000, help="open streams at 1 token/s")
    parser.add_argument("--profile", type=Path, help="py-spy the service; write OUT.svg/.txt")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs)")
    args = parser.parse_args()
    only = set(args.only or ["relay", "capacity", "streams1000"])
    rounds = args.rounds or (3 if args.quick else 6)
    if args.levels:
        levels = [int(x) for x in args.levels.split(",")]
    else:
        levels = [25, 35, 50, 75] if args.quick else [25, 30, 35, 40, 50, 60, 75, 100, 150, 200]
    n_slow = args.streams

    print(f"# machine: {machine()}", flush=True)
    keys: dict[str, str] = {}
    with Bench(keep=args.keep) as bench:
        db = bench.dir / "falsafa.sqlite3"
        chats = prepare(db, max(max(levels), n_slow) + 40)
        gc.collect()
        gc.freeze()
        redis = bench.redis()
        llm = bench.openai_peer(tokens=TOKENS, rate=RATE, first_token_delay=FIRST_DELAY)
        env = {"FALSAFA_MAX_STREAMS": str(n_slow + 200)}
        print(HEADER, flush=True)
        if only & {"relay", "capacity"}:
            service = bench.service(
                redis_url=redis, sqlite_path=db, roles="api", openai_url=llm, extra_env=env
            )
            trio.run(warm_up, service, chats, 10, None)
            if "relay" in only:
                spy = _start_profile(bench, service, args.profile) if args.profile else None
                relay = trio.run(pair, llm, service, chats, 25, rounds)
                if spy is not None:
                    _stop_profile(bench, spy, args.profile)
                print(_row("relay 25 @50tok/s", relay.direct), flush=True)
                print(_row("relay 25 @50tok/s", relay.through, f"{relay.cpu_ms_per_token:.3f}"))
                for q in (50, 95, 99):
                    added = relay.through.ttft_ms(q) - relay.direct.ttft_ms(q)
                    keys.setdefault(f"added_ttft_p{q}_ms", f"{added:.1f}")
                print(f"# throughput ratio {relay.ratio:.4f}", flush=True)
                keys["throughput_ratio"] = f"{relay.ratio:.3f}"
                keys["cpu_ms_per_token"] = f"{relay.cpu_ms_per_token:.3f}"
            if "capacity" in only:
                capacity, cpu, tokens = 0, 0.0, 0
                for level in levels:
                    result = trio.run(pair, llm, service, chats, level, 2)
                    label = f"capacity {level}"
                    print(_row(label, result.direct), flush=True)
                    print(_row(label, result.through, f"{result.cpu_ms_per_token:.3f}"))
                    print(f"# {level} sessions: throughput ratio {result.ratio:.4f}", flush=True)
                    if not result.held:
                        break
                    capacity = level
                    cpu += result.through.cpu_s
                    tokens += result.through.tokens
                keys["capacity_streams"] = str(capacity)
                if tokens:
                    print(
                        f"# cpu per relayed token over the held levels: {cpu * 1000 / tokens:.3f} ms"
                    )
                    keys.setdefault("cpu_ms_per_token", f"{cpu * 1000 / tokens:.3f}")
            bench.stop(service)
        if "streams1000" in only:
            slow = bench.openai_peer(
                tokens=SLOW_TOKENS, rate=1.0, first_token_delay=FIRST_DELAY, name="llm-slow"
            )
            service = bench.service(
                redis_url=redis, sqlite_path=db, roles="api", openai_url=slow, extra_env=env,
                name="service-slow",
            )  # fmt: skip
            result = trio.run(streams_1000, slow, service, chats, n_slow, 20.0)
            print(
                f"# {n_slow} streams at 1 tok/s: errors={result['errors']} "
                f"rss idle={result['rss0_mb']:.1f}MB peak={result['peak_mb']:.1f}MB "
                f"per stream={result['per_stream_kb']:.1f}KB "
                f"(marginal {n_slow // 2}->{n_slow}: {result['marginal_kb']:.1f}KB) "
                f"after={result['after_mb']:.1f}MB ({result['after_pct']:.1f}% of idle)",
                flush=True,
            )
            if result["first_errors"]:
                print(f"# first errors: {result['first_errors']}")
            keys["streams_1000_errors"] = str(int(result["errors"]))
            keys["rss_per_stream_kb"] = f"{result['per_stream_kb']:.1f}"
            keys["rss_after_storm_pct"] = f"{result['after_pct']:.1f}"
            bench.stop(service)
    order = [
        "added_ttft_p50_ms", "added_ttft_p99_ms", "throughput_ratio", "cpu_ms_per_token",
        "capacity_streams", "streams_1000_errors", "rss_per_stream_kb", "rss_after_storm_pct",
    ]  # fmt: skip
    print(" ".join(f"{k}={keys[k]}" for k in order if k in keys))


def _start_profile(bench: Bench, service: Proc, out: Path) -> Proc:
    import shutil

    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return bench.start(
        "py-spy",
        [spy, "record", "--pid", str(service.pid), "--rate", "250", "--format", "raw",
         "--output", str(out.with_suffix(".txt")), "--nonblocking"],
    )  # fmt: skip


def _stop_profile(bench: Bench, spy: Proc, out: Path) -> None:
    import signal

    spy.popen.send_signal(signal.SIGINT)
    spy.popen.wait(30)
    bench.procs.remove(spy)
    print(f"# profile written to {out.with_suffix('.txt')}", flush=True)


if __name__ == "__main__":
    main()
