#!/usr/bin/env python3
"""Train the extractor's scorers and print their cross-validated figures.

Usage::

    .venv/bin/python scripts/train_extractor.py            # CV figures, then the weights
    .venv/bin/python scripts/train_extractor.py --no-cv    # the weights only
    .venv/bin/python scripts/train_extractor.py --limit 2 --weights /tmp/w   # a smoke run

Reads ``../shared/data`` (PDNC train: nine novels; LitBank dev: 60
excerpts). Cross-validation is by book: fold k holds out PDNC novel k and
every ninth LitBank excerpt, trains on the rest and scores the held-out
books with the official scorer's rules. The figures (overall, by quote type,
PDNC and LitBank apart, LitBank's first-person books apart) go to
``bench/results/extraction_cv.json``; the weights fitted on every book go to
``falsafa/extract/weights/``. Deterministic: the same data gives the same files.
Needs the ``train`` extra (``pip install -e '.[train]'``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from falsafa.extract.training.gold import load_books  # noqa: E402
from falsafa.extract.training.speakers import Prepared, cross_validate, fit, prepare  # noqa: E402

TYPES = ("Explicit", "Anaphoric", "Implicit")


def _ratio(c: Counter[str], a: str, b: str) -> float | None:
    return round(c[a] / c[b], 3) if c[b] else None


def summarise(per_book: dict[str, Counter[str]], prepared: list[Prepared]) -> dict[str, object]:
    groups: dict[str, Counter[str]] = {}
    books: Counter[str] = Counter()
    for p in prepared:
        keys = [p.book.corpus]
        if p.book.corpus == "litbank":
            keys.append("litbank.first_person" if p.book.first_person else "litbank.third_person")
        for k in keys:
            groups.setdefault(k, Counter()).update(per_book[p.book.fold_key])
            books[k] += 1
    out: dict[str, object] = {}
    for name, c in groups.items():
        out[name] = {
            "books": books[name],
            "attribution": _ratio(c, "attributed", "attributable"),
            **{t: _ratio(c, f"{t}.attributed", f"{t}.attributable") for t in TYPES},
            "quote_recall": _ratio(c, "quotes_found", "gold_quotes"),
            "quote_precision": _ratio(c, "pred_quotes_ok", "pred_quotes"),
            "char_recall": _ratio(c, "main_found", "gold_main"),
            "char_precision": _ratio(c, "pred_matched", "pred"),
            "attributable": c["attributable"],
        }
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--no-cv", action="store_true", help="fit the weights only")
    ap.add_argument("--dump", type=Path, default=None, help="write held-out extractions here")
    ap.add_argument("--limit", type=int, default=None, help="books per corpus (smoke runs)")
    ap.add_argument("--weights", type=Path, default=ROOT / "falsafa/extract/weights")
    ap.add_argument("--results", type=Path, default=ROOT / "bench/results/extraction_cv.json")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    books = load_books(args.data, args.limit)
    prepared = [prepare(b) for b in books]
    reach = sum(p.reachable for p in prepared) / max(
        1, sum(t is not None for p in prepared for t in p.targets)
    )
    print(
        f"{len(books)} books read in {time.perf_counter() - t0:.0f} s; gold speaker among candidates: {reach:.3f}"
    )
    figures: dict[str, object] | None = None
    if not args.no_cv:
        folds = min(9, max(2, len(books) // 2))
        figures = summarise(cross_validate(prepared, folds, dump=args.dump), prepared)
        for name, row in sorted(figures.items()):
            print(f"{name:24} {json.dumps(row)}")
    model = fit(prepared)
    args.weights.mkdir(parents=True, exist_ok=True)
    path = args.weights / "speakers.json"
    doc = {
        **model.to_json(),
        "trained_on": "PDNC train (9 novels) + LitBank dev (60 excerpts); see docs/extraction.md",
    }
    path.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if figures is not None:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        result = {
            "command": "scripts/train_extractor.py",
            "weights_sha256": {"speakers.json": digest},
            "cv": figures,
        }
        args.results.write_text(
            json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
    print(f"wrote {path} in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
