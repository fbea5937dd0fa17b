"""Time and peak memory of persona building and passage indexing, per book.

Usage::

    python bench/personas.py                  # every book in $FALSAFA_SHARED_DIR/data/books
    python bench/personas.py war_and_peace

Each book runs in a fresh child process so that peak RSS belongs to that book
alone. Stages, timed separately: the built-in extraction (the personas' input,
not part of this benchmark's subject but shown for scale), persona records
(``build_character_records``), the index (``detect_chapters`` +
``split_passages``) and writing characters and passages into a SqliteStore.
``rss0`` is the child's RSS after imports and reading the book; ``peak`` its
maximum RSS over the whole run.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

SHARED = Path(os.environ.get("FALSAFA_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))


def _rss_mib() -> float:
    # ru_maxrss is KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(path: Path) -> dict[str, float | int | str]:
    import trio

    from falsafa.book import detect_chapters
    from falsafa.extract.builtin import BuiltinExtractor  # lazily: another issue's module
    from falsafa.index import split_passages
    from falsafa.persona import build_character_records
    from falsafa.store.base import Book
    from falsafa.store.sqlite import SqliteStore

    text = path.read_text(encoding="utf-8")
    book_id = uuid.uuid5(uuid.NAMESPACE_URL, f"bench:{path.name}")
    rss0 = _rss_mib()

    t0 = time.perf_counter()
    extraction = BuiltinExtractor().extract(text)
    t1 = time.perf_counter()
    chapters = detect_chapters(text)
    passages = split_passages(text, book_id, chapters=chapters)
    t2 = time.perf_counter()
    records = build_character_records(book_id, extraction, text, chapters, book_title=path.stem)
    t3 = time.perf_counter()

    async def save() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            store = SqliteStore(Path(tmp) / "bench.sqlite3")
            try:
                await store.create_book(Book(id=book_id, user_id=uuid.uuid4(), title=path.stem))
                await store.save_book_results(book_id, records, passages)
            finally:
                await store.aclose()

    trio.run(save)
    t4 = time.perf_counter()
    return {
        "book": path.stem,
        "words": len(text.split()),
        "chapters": len(chapters),
        "passages": len(passages),
        "personas": len(records),
        "extract_s": t1 - t0,
        "index_s": t2 - t1,
        "persona_s": t3 - t2,
        "store_s": t4 - t3,
        "rss0_mib": rss0,
        "peak_mib": _rss_mib(),
    }


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        print(json.dumps(child(Path(argv[1]))))
        return
    paths = sorted((SHARED / "data" / "books").glob("*.txt"))
    if argv:
        paths = [p for p in paths if p.stem in argv]
    header = (
        f"{'book':28} {'words':>7} {'chap':>4} {'pass':>5} {'pers':>4} {'extract':>7} "
        f"{'index':>6} {'persona':>7} {'store':>6} {'rss0':>6} {'peak':>6}"
    )
    print(header + "\n" + "-" * len(header))
    for path in paths:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{r['book']:28} {r['words']:7} {r['chapters']:4} {r['passages']:5} "
            f"{r['personas']:4} {r['extract_s']:6.2f}s {r['index_s']:5.2f}s "
            f"{r['persona_s']:6.2f}s {r['store_s']:5.2f}s {r['rss0_mib']:5.0f}M "
            f"{r['peak_mib']:5.0f}M"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
