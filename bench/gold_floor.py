"""What the dev scorer's merged/split figures are for the gold itself.

Usage::

    .venv/bin/python bench/gold_floor.py [GOLD_DIR]

Feeds each LitBank dev gold file back to ``score_extraction.score_book`` as
if it were an extractor's output (every gold character, its first name as
``name`` and the rest as ``aliases``; every gold quote with its gold
speaker), then the same with only the main characters, then runs the
built-in extractor on the same texts. The scorer counts a predicted
character as *merged* when its names match two main gold characters, and a
main gold character as *split* when two predicted characters match it; its
``names_match`` lets a bare surname match any longer name holding it
("Morel" ~ "Mrs. Morel"), and some gold chains overlap, so even a perfect
copy of the gold scores above zero. This script measures that floor, so the
issue's merged <= 10 / split <= 12 targets can be read against it. Last
line: ``gold_merged= gold_split= main_merged= main_split= ours_merged=
ours_split=``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["main"]


def _shared() -> Path:
    env = os.environ.get("FALSAFA_SHARED_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / ".." / "shared"


def _gold_as_prediction(gold: dict[str, Any], main_only: bool) -> dict[str, Any]:
    chars = gold["characters"]
    if main_only:
        chars = [c for c in chars if c.get("main", c.get("mention_count", 0) >= 3)]
    return {
        "characters": [
            {
                "id": c["id"],
                "name": c["names"][0],
                "aliases": c["names"][1:],
                "mention_count": c.get("mention_count", 0),
            }
            for c in chars
        ],
        "quotes": [
            {"start": q["char_start"], "end": q["char_end"], "speaker": q.get("speaker_id")}
            for q in gold["quotes"]
        ],
    }


def _ours(text: str) -> dict[str, Any]:
    from falsafa.extract.builtin import BuiltinExtractor

    return BuiltinExtractor().extract(text).to_score_json()


def main(argv: list[str]) -> int:
    shared = _shared()
    gold_dir = Path(argv[0]) if argv else shared / "data" / "litbank" / "dev"
    sys.path.insert(0, str(shared / "tools"))
    from score_extraction import score_book  # the dev scorer itself

    totals = {k: [0, 0] for k in ("gold", "main", "ours")}
    print(f"{'book':<34} {'gold m/s':>9} {'main m/s':>9} {'ours m/s':>9}")
    for path in sorted(gold_dir.glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        rows = {
            "gold": score_book(gold, _gold_as_prediction(gold, main_only=False)),
            "main": score_book(gold, _gold_as_prediction(gold, main_only=True)),
            "ours": score_book(gold, _ours(gold["text"])),
        }
        cells = []
        for key, row in rows.items():
            totals[key][0] += row["merged"]
            totals[key][1] += row["split"]
            cells.append(f"{row['merged']}/{row['split']}")
        if any(c != "0/0" for c in cells):
            print(f"{gold['book_id'][:34]:<34} {cells[0]:>9} {cells[1]:>9} {cells[2]:>9}")
    print(" ".join(f"{key}_merged={m} {key}_split={s}" for key, (m, s) in totals.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
