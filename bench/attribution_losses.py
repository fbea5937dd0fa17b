"""Where held-out attribution is lost: the speaker's choice or the cast.

Usage::

    .venv/bin/python scripts/train_extractor.py --dump DIR   # held-out extractions
    .venv/bin/python bench/attribution_losses.py DIR [--books]

Reads each held-out extraction (``DIR/<book>.json``, ``Extraction.to_json()``)
beside its gold and sorts every attributable gold quote as the official
scorer counts it (its earliest overlapping quote of ours, characters paired
by ``training.gold.assignment``):

- ``right``: our speaker is the character paired with the gold speaker;
- ``fragment``: our speaker's names match the gold speaker's, but another
  of our characters won the pairing (one person split in two: a quote given
  to the unpaired half is lost however right the choice was);
- ``unpaired``: no character of ours is paired with the gold speaker
  (missing from the cast, or its names taken by someone else);
- ``wrong``: our speaker is someone else;
- ``no_speaker`` and ``undetected``: no speaker given, or no quote found.

``right + fragment`` is what attribution would be with the cast's splits
joined and every choice unchanged. The last line is ``pdnc_right=
pdnc_fragment= pdnc_unpaired= pdnc_wrong= litbank_right= ...`` (shares of
attributable quotes).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from falsafa.extract.training.gold import GoldBook, assignment, load_books, scorer  # noqa: E402

KINDS = ("right", "fragment", "unpaired", "wrong", "no_speaker", "undetected")


def sort_quotes(book: GoldBook, pred: dict[str, Any]) -> Counter[str]:
    """How each attributable gold quote of ``book`` fares in ``pred``."""
    s = scorer()
    golds = book.gold["characters"]
    paired = assignment(book.gold, pred)
    names = {c["id"]: s.pred_names(c) for c in pred.get("characters", [])}
    quotes = sorted(pred.get("quotes", []), key=lambda q: (q["start"], q["end"]))
    index = s.SpanIndex([(q["start"], q["end"]) for q in quotes])
    by_id = {g["id"]: j for j, g in enumerate(golds)}
    tally: Counter[str] = Counter()
    for q in book.gold["quotes"]:
        j = by_id.get(q.get("speaker_id"))
        if not (q.get("speaker_is_character") and q.get("speaker_names")) or j is None:
            continue
        k = index.first_overlap((q["char_start"], q["char_end"]))
        said = quotes[k].get("speaker") if k is not None else None
        if k is None:
            tally["undetected"] += 1
        elif said is None:
            tally["no_speaker"] += 1
        elif said == paired.get(j):
            tally["right"] += 1
        elif any(s.names_match(n, g) for n in names.get(said, []) for g in golds[j]["names"]):
            tally["fragment"] += 1
        elif j not in paired:
            tally["unpaired"] += 1
        else:
            tally["wrong"] += 1
    return tally


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dumps", type=Path, help="train_extractor.py --dump DIR")
    ap.add_argument("--books", action="store_true", help="a line per PDNC novel too")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args(argv)
    totals: dict[str, Counter[str]] = {}
    for book in load_books(args.data):
        path = args.dumps / f"{book.name}.json"
        if not path.is_file():
            continue
        tally = sort_quotes(book, json.loads(path.read_text(encoding="utf-8")))
        totals.setdefault(book.corpus, Counter()).update(tally)
        if args.books and book.corpus == "pdnc":
            print(f"{book.name:24} " + " ".join(f"{k}={tally[k]}" for k in KINDS))
    figures = []
    for corpus, tally in sorted(totals.items(), reverse=True):
        n = sum(tally.values())
        print(f"{corpus:8} {n:6} quotes: " + ", ".join(f"{k} {tally[k] / n:.3f}" for k in KINDS))
        figures += [f"{corpus}_{k}={tally[k] / n:.3f}" for k in KINDS]
    print(" ".join(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
