"""Retrieval recall@5 of the passage index on the sample books.

Usage::

    python bench/retrieval.py                 # every book in $FALSAFA_SHARED_DIR/data/books
    python bench/retrieval.py --samples 50 peter_pan

For each book: split it into passages (falsafa.index), save them into a
SqliteStore in a temporary file, then sample sentences (seeded). The query is 6
of the sentence's content words (stopwords removed, deduplicated) in shuffled
order; a hit is the passage that contains the sentence among the top 5 of
``store.search_passages``. Sentences with fewer than 6 distinct content words
cannot make a query and are not sampled. Last line: ``recall_at_5=...``.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

import trio

from falsafa.book import detect_chapters
from falsafa.index import STOPWORDS, sentence_spans, split_passages
from falsafa.store.base import Book, Passage
from falsafa.store.sqlite import SqliteStore

SHARED = Path(os.environ.get("FALSAFA_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def content_words(sentence: str) -> list[str]:
    seen: dict[str, None] = {}
    for w in _WORD.findall(sentence.lower()):
        if len(w) > 1 and w not in STOPWORDS and w.replace("’", "'") not in STOPWORDS:
            seen.setdefault(w, None)
    return list(seen)


def sample_queries(
    text: str, passages: list[Passage], n: int, rng: random.Random
) -> list[tuple[str, int]]:
    """(query, ordinal of the passage holding the sentence) for n sentences."""
    pool: list[tuple[list[str], int]] = []
    for p in passages:
        for s, e in sentence_spans(text, p.start, p.end):
            words = content_words(text[s:e])
            if len(words) >= 6:
                pool.append((words, p.ordinal))
    picked = rng.sample(pool, min(n, len(pool)))
    queries = []
    for words, ordinal in picked:
        chosen = rng.sample(words, 6)
        rng.shuffle(chosen)
        queries.append((" ".join(chosen), ordinal))
    return queries


async def bench_book(
    path: Path, store: SqliteStore, samples: int, seed: int
) -> tuple[int, int, int]:
    """(passages, hits, queries) for one book."""
    text = await trio.Path(path).read_text(encoding="utf-8")
    book_id = uuid.uuid5(uuid.NAMESPACE_URL, f"bench:{path.name}")
    await store.create_book(Book(id=book_id, user_id=uuid.uuid4(), title=path.stem))
    passages = split_passages(text, book_id, chapters=detect_chapters(text))
    await store.save_book_results(book_id, [], passages)
    rng = random.Random(f"{seed}:{path.name}")
    hits = 0
    queries = sample_queries(text, passages, samples, rng)
    for query, ordinal in queries:
        top = await store.search_passages(book_id, query, limit=5)
        hits += any(p.ordinal == ordinal for p in top)
    return len(passages), hits, len(queries)


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("books", nargs="*", help="book file stems (default: all)")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args(argv)
    paths = sorted((SHARED / "data" / "books").glob("*.txt"))
    if args.books:
        paths = [p for p in paths if p.stem in args.books]
    total_hits = total = 0
    print(f"{'book':32} {'passages':>8} {'queries':>7} {'hits':>5} {'recall@5':>8} {'secs':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "bench.sqlite3")
        try:
            for path in paths:
                t0 = time.perf_counter()
                count, hits, n = await bench_book(path, store, args.samples, args.seed)
                total_hits += hits
                total += n
                secs = time.perf_counter() - t0
                print(f"{path.stem:32} {count:8} {n:7} {hits:5} {hits / n:8.3f} {secs:6.1f}")
        finally:
            await store.aclose()
    print(f"recall_at_5={total_hits / max(total, 1):.3f}")


if __name__ == "__main__":
    trio.run(main, sys.argv[1:])
