"""Ingestion: every sample book through the real service, stage by stage.

Usage::

    python bench/ingest.py                    # the nine books of $FALSAFA_SHARED_DIR/data/books
    python bench/ingest.py --quick            # the three smallest and War and Peace
    python bench/ingest.py peter_pan war_and_peace

Processes: the storage peer (``tests.peers.storage`` serving the books
directory as the ``books`` bucket), a private ``redis-server`` and the
service (``falsafa serve``, roles ``api,worker``, one consumer, embedded
SQLite store, offline responder: no LLM refinement). This script creates
the book rows, POSTs ``/character/processing`` for each book in turn
(smallest first, after one unmeasured warm-up book that starts the
extraction worker process) and polls the book's status in the SQLite file.

Stages:

- ``download``: the ``POST /character/processing`` round trip (checks,
  download from the storage peer, decoding, queueing the text); the 202
  comes back when it is done;
- ``load``, ``extraction``, ``index``, ``personas``, ``save``: the deltas of
  ``falsafa_job_stage_duration_seconds_sum`` read from the service's
  ``/metrics`` before and after the book;
- ``other``: total minus the stages (queue pickup, status writes, moving the
  text to the extraction process and the results back);
- ``total``: from sending the POST to seeing ``completed`` in the store.

Memory: the RSS of the service process and all its descendants (the
trio-parallel extraction workers) is sampled every 20 ms; ``peak_sum`` is
the largest sum over the book, ``peak_proc`` the largest single process.
The sum is what the worker costs the machine, so it is the reported figure.

The exponent is the least-squares slope of log(total seconds) against
log(words) over all books measured. Last line: ``war_and_peace_s=
peak_rss_mb= length_exponent=``.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sqlite3
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED, Bench, Proc, machine, tree_rss_bytes

BOOKS = SHARED / "data" / "books"
STAGES = ("load", "extraction", "index", "personas", "save")
_STAGE = re.compile(
    r'^falsafa_job_stage_duration_seconds_(sum|count)\{stage="(\w+)"\} (\S+)$', re.M
)


def stage_sums(service: Proc) -> dict[str, float]:
    """``{stage: seconds}`` and ``{stage + "#": observations}`` from /metrics."""
    with urllib.request.urlopen(f"{service.url}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {
        stage + ("#" if kind == "count" else ""): float(value)
        for kind, stage, value in _STAGE.findall(text)
    }


class Sampler:
    """Peak RSS of a process tree, sampled on a thread."""

    def __init__(self, pid: int, period: float = 0.02) -> None:
        self.pid, self.period = pid, period
        self.peak_sum = self.peak_proc = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            total, largest = tree_rss_bytes(self.pid)
            self.peak_sum = max(self.peak_sum, total)
            self.peak_proc = max(self.peak_proc, largest)
            self._stop.wait(self.period)


def create_books(db: Path, names: list[str]) -> dict[str, tuple[str, str]]:
    import trio

    from falsafa.store import Book, SqliteStore

    ids: dict[str, tuple[str, str]] = {}

    async def save() -> None:
        store = SqliteStore(db)
        try:
            for name in names:
                book = Book(id=uuid.uuid4(), user_id=uuid.uuid4(), title=name)
                await store.create_book(book)
                ids[name] = (str(book.id), str(book.user_id))
        finally:
            await store.aclose()

    trio.run(save)
    return ids


def status(db: Path, book_id: str) -> tuple[str, str | None]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        row = conn.execute(
            "SELECT processing_status, processing_error FROM books WHERE id = ?", (book_id,)
        ).fetchone()
    finally:
        conn.close()
    return (row[0], row[1]) if row else ("missing", None)


def submit(service: Proc, storage: str, name: str, ids: tuple[str, str]) -> float:
    body = json.dumps(
        {
            "book_id": ids[0],
            "user_id": ids[1],
            "file_url": f"{storage}/storage/v1/object/public/books/{name}.txt",
        }
    ).encode()
    request = urllib.request.Request(
        f"{service.url}/character/processing",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=180) as response:
        if response.status != 202:
            raise RuntimeError(f"{name}: HTTP {response.status}")
    return time.perf_counter() - started


def process(
    service: Proc, storage: str, db: Path, name: str, ids: tuple[str, str], timeout: float
) -> dict[str, float | str]:
    before = stage_sums(service)
    with Sampler(service.pid) as sampler:
        started = time.perf_counter()
        download = submit(service, storage, name, ids)
        deadline = started + timeout
        while True:
            state, error = status(db, ids[0])
            if state in ("completed", "failed"):
                break
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{name}: not processed within {timeout}s (status {state})")
            time.sleep(0.02)
        total = time.perf_counter() - started
    if state != "completed":
        raise RuntimeError(f"{name}: processing failed: {error}")
    # The save stage is observed just after its commit: wait for it.
    deadline = time.perf_counter() + 5
    after = stage_sums(service)
    while after.get("save#", 0) <= before.get("save#", 0) and time.perf_counter() < deadline:
        time.sleep(0.02)
        after = stage_sums(service)
    row: dict[str, float | str] = {"book": name, "download": download, "total": total}
    for stage in STAGES:
        row[stage] = after.get(stage, 0.0) - before.get(stage, 0.0)
    row["other"] = total - download - sum(float(row[s]) for s in STAGES)
    row["peak_sum_mb"] = sampler.peak_sum / 2**20
    row["peak_proc_mb"] = sampler.peak_proc / 2**20
    return row


def fit_exponent(points: list[tuple[float, float]]) -> float:
    xs = [math.log(w) for w, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("books", nargs="*", help="book names (file stems); default: all")
    parser.add_argument("--quick", action="store_true", help="three small books + War and Peace")
    parser.add_argument("--timeout", type=float, default=240, help="seconds allowed per book")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    files = sorted(BOOKS.glob("*.txt"), key=lambda p: p.stat().st_size)
    if args.books:
        files = [p for p in files if p.stem in args.books]
    elif args.quick:
        files = [*files[:3], *[p for p in files[3:] if p.stem == "war_and_peace"]]
    words = {p.stem: len(p.read_text(encoding="utf-8").split()) for p in files}
    print(f"# machine: {machine()}", flush=True)
    rows = []
    with Bench(keep=args.keep) as bench:
        db = bench.dir / "falsafa.sqlite3"
        names = [p.stem for p in files]
        ids = create_books(db, ["warm-up", *names])
        redis = bench.redis()
        storage = bench.storage_peer(BOOKS)
        service = bench.service(redis_url=redis, sqlite_path=db, storage_origin=storage)
        smallest = sorted(BOOKS.glob("*.txt"), key=lambda p: p.stat().st_size)[0].stem
        process(service, storage, db, smallest, ids["warm-up"], args.timeout)
        header = (
            f"{'book':<28} {'words':>7} {'download':>8} {'load':>6} {'extract':>7} "
            f"{'index':>6} {'persona':>7} {'save':>6} {'other':>6} {'total':>7} "
            f"{'words/s':>8} {'peak_sum':>8} {'peak_proc':>9}"
        )
        print(header, flush=True)
        for name in names:
            row = process(service, storage, db, name, ids[name], args.timeout)
            row["words"] = words[name]
            rows.append(row)
            print(
                f"{name:<28} {words[name]:>7} {row['download']:>7.2f}s {row['load']:>5.2f}s "
                f"{row['extraction']:>6.2f}s {row['index']:>5.2f}s {row['personas']:>6.2f}s "
                f"{row['save']:>5.2f}s {row['other']:>5.2f}s {row['total']:>6.2f}s "
                f"{words[name] / float(row['total']):>8.0f} {row['peak_sum_mb']:>6.0f}MB "
                f"{row['peak_proc_mb']:>7.0f}MB",
                flush=True,
            )
    keys = {}
    for row in rows:
        if row["book"] == "war_and_peace":
            keys["war_and_peace_s"] = f"{float(row['total']):.1f}"
    keys["peak_rss_mb"] = f"{max(float(r['peak_sum_mb']) for r in rows):.0f}"
    if len(rows) >= 2:
        exponent = fit_exponent([(float(r["words"]), float(r["total"])) for r in rows])
        keys["length_exponent"] = f"{exponent:.2f}"
    print(" ".join(f"{k}={v}" for k, v in keys.items()))


if __name__ == "__main__":
    main()
