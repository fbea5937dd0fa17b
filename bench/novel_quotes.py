"""Speaker attribution on full novels, against quotes labelled blind.

Usage::

    .venv/bin/python bench/novel_quotes.py [BOOKS_DIR] [-v]

The nine novels in shared/data/books have no gold, so quotes were drawn at
random from the extractor's own quote spans and labelled by a reader who saw
only the book text and the span, never our output (``bench/novel_quotes/``:
per sample and book, each span's ``start``/``end``, the reader's speaker and
the other names the book gives that person). Spans labelled ``NOT_SPEECH``
(letters, thoughts, footnotes) or ``UNKNOWN`` (unnamed speakers) are left
out. A label counts as matched when our quote overlapping the span names a
character one of whose names matches one of the label's names, with
``names_match`` of ``shared/tools/score_extraction.py`` (the dev scorer's
rule).

Four samples: A (50 quotes from each of four books) and B (40 from each of
four others) were looked at while fixing the extractor, so their figures are
optimistic; C (30 from each of five books) and D (25 from each of six books,
drawn later among quotes not in A-C and labelled by three other readers)
were never looked at item by item, and are the ones to quote. Prints one
line per sample and book, then ``sample_A=...`` to ``sample_D=...``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

__all__ = ["main"]

_HERE = Path(__file__).resolve().parent


def _shared() -> Path:
    env = os.environ.get("FALSAFA_SHARED_DIR")
    return Path(env) if env else _HERE.parents[0] / ".." / "shared"


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    args = [a for a in argv if a != "-v"]
    shared = _shared()
    books = Path(args[0]) if args else shared / "data" / "books"
    sys.path.insert(0, str(shared / "tools"))
    from score_extraction import names_match, overlap  # the dev scorer's own rules

    from falsafa.extract.builtin import BuiltinExtractor

    extractions = {}
    totals: dict[str, list[int]] = {}
    for path in sorted((_HERE / "novel_quotes").glob("*.json")):
        sample = json.loads(path.read_text(encoding="utf-8"))
        book = sample["book"]
        if book not in extractions:
            text = (books / f"{book}.txt").read_text(encoding="utf-8-sig")
            extractions[book] = BuiltinExtractor().extract(text)
        result = extractions[book]
        chars = {c.id: c for c in result.characters}
        quotes = sorted(result.quotes, key=lambda q: q.start)
        n = good = 0
        for lab in sample["quotes"]:
            if lab["speaker"] in ("UNKNOWN", "NOT_SPEECH"):
                continue
            span = (lab["start"], lab["end"])
            q = next((q for q in quotes if overlap((q.start, q.end), span)), None)
            c = chars.get(q.speaker) if q is not None and q.speaker else None
            ours = [c.name, *c.aliases] if c is not None else []
            gold = [lab["speaker"], *lab["aliases"]]
            hit = any(names_match(a, g) for a in ours for g in gold)
            n += 1
            good += hit
            if verbose and not hit:
                got = c.name if c is not None else None
                print(f"  {book} {span}: reader {lab['speaker']!r}, ours {got!r}")
        t = totals.setdefault(sample["sample"], [0, 0])
        t[0] += good
        t[1] += n
        print(f"{sample['sample']} {book:<28} {good:>3}/{n:<3} {good / max(n, 1):.2f}")
    for name, (good, n) in sorted(totals.items()):
        print(f"sample_{name}={good / max(n, 1):.3f} ({good}/{n})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
