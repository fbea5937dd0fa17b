"""Benchmark the built-in extractor on every book in shared/data/books.

Usage::

    .venv/bin/python bench/extract.py [BOOKS_DIR]

Each book runs in its own child process so that peak RSS (from
``resource.getrusage(RUSAGE_SELF)`` in the child) belongs to that book alone.
Prints a table, then a last line ``war_and_peace_s=... peak_rss_mb=...``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

__all__ = ["main"]

_CHILD = r"""
import json, resource, sys, time
from falsafa.extract.builtin import BuiltinExtractor
text = open(sys.argv[1], encoding="utf-8").read()
t0 = time.process_time(); w0 = time.perf_counter()
r = BuiltinExtractor().extract(text)
cpu = time.process_time() - t0; wall = time.perf_counter() - w0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"words": len(text.split()), "cpu": cpu, "wall": wall, "rss_mb": rss,
                  "characters": len(r.characters), "quotes": len(r.quotes)}))
"""


def _shared() -> Path:
    env = os.environ.get("FALSAFA_SHARED_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / ".." / "shared"


def main(argv: list[str]) -> int:
    books = Path(argv[0]) if argv else _shared() / "data" / "books"
    repo = Path(__file__).resolve().parents[1]
    rows = []
    for path in sorted(books.glob("*.txt")):
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path)],
            capture_output=True,
            text=True,
            cwd=repo,
            check=True,
        )
        row = json.loads(proc.stdout)
        row["book"] = path.stem
        rows.append(row)
    print(
        f"{'book':<28} {'words':>8} {'wall_s':>7} {'cpu_s':>7} {'words/s':>9} {'rss_mb':>7} {'chars':>6} {'quotes':>7}"
    )
    for r in rows:
        print(
            f"{r['book']:<28} {r['words']:>8} {r['wall']:>7.2f} {r['cpu']:>7.2f} "
            f"{r['words'] / max(r['wall'], 1e-9):>9.0f} {r['rss_mb']:>7.0f} {r['characters']:>6} {r['quotes']:>7}"
        )
    wp = next((r for r in rows if r["book"] == "war_and_peace"), None)
    if wp:
        print(f"war_and_peace_s={wp['wall']:.2f} peak_rss_mb={wp['rss_mb']:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
