"""Voice-line precision: are a persona's lines really that character's?

Usage::

    python bench/voice_lines.py                        # extract each PDNC train book here
    python bench/voice_lines.py --extractions DIR      # DIR/<book>.json: Extraction.to_json()
    python bench/voice_lines.py --books Emma,DaisyMiller

For every book of ``shared/data/pdnc/train`` the personas are built as the
service builds them (``build_character_records`` over ``detect_chapters``),
and each stored voice line (``facts["quotes"]``: what any reading position
may show) is checked against the gold: the line is right when the earliest
gold quote it overlaps (the scorer's rule: at least half of the shorter
span) has a gold speaker matched, as the official scorer matches
characters (``training.gold.assignment``), to the persona's character. A
line over no gold quote, or in a persona whose character the scorer
matches to no gold character, counts as wrong. Characters are paired twice:
over the whole extraction (``precision``: every cluster competes for the
gold names) and over the personas alone, with the names and aliases that
``falsafa persona --json`` prints (``precision_personas``: how the same
figure is measured on books we do not have). ``matched_precision`` leaves
out the personas of characters the first pairing leaves unmatched, to tell
attribution from cast.

``--extractions`` reads extractions made elsewhere (e.g. cross-validated,
so that the speaker scorer never saw the book it attributes); without it
the built-in extractor runs here. Writes ``bench/results/voice_lines.json``;
the last line is ``precision= precision_personas= lines= matched_precision=
books=``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._common import SHARED  # noqa: E402

RESULTS = REPO / "bench" / "results" / "voice_lines.json"


def load_extraction(doc: dict[str, Any]) -> Any:
    """An Extraction from ``Extraction.to_json()``."""
    from falsafa.extract.model import Character, Extraction, Mention, Quote, Relation

    def pairs(items: Sequence[Sequence[Any]]) -> tuple[tuple[str, int], ...]:
        return tuple((str(w), int(o)) for w, o in items)

    characters = tuple(
        Character(
            **{
                **c,
                "aliases": tuple(c.get("aliases", ())),
                "descriptors": pairs(c.get("descriptors", ())),
                "actions": pairs(c.get("actions", ())),
            }
        )
        for c in doc.get("characters", ())
    )
    return Extraction(
        characters=characters,
        quotes=tuple(Quote(**q) for q in doc.get("quotes", ())),
        mentions=tuple(Mention(**m) for m in doc.get("mentions", ())),
        relations=tuple(Relation(**r) for r in doc.get("relations", ())),
        extractor=str(doc.get("extractor", "builtin")),
        warnings=tuple(doc.get("warnings", ())),
    )


def score_book(gold: dict[str, Any], extraction: Any) -> dict[str, Any]:
    """Lines and right lines per persona of one book."""
    from falsafa.book import detect_chapters
    from falsafa.extract.training.gold import assignment, scorer
    from falsafa.persona import build_character_records

    s = scorer()
    text = gold["text"]
    records = build_character_records(
        uuid.uuid5(uuid.NAMESPACE_URL, gold["book_id"]), extraction, text, detect_chapters(text)
    )
    by_extraction = assignment(gold, extraction.to_score_json())
    as_printed = {
        "characters": [
            {"id": r.facts["extractor_id"], "name": r.name, "aliases": list(r.aliases)}
            for r in records
        ]
    }
    by_personas = assignment(gold, as_printed)
    gold_index = {g["id"]: j for j, g in enumerate(gold["characters"])}
    spans = sorted((q["char_start"], q["char_end"], k) for k, q in enumerate(gold["quotes"]))
    index = s.SpanIndex([(a, b) for a, b, _ in spans])
    matched = set(by_extraction.values())
    personas = []
    for r in records:
        cid = r.facts["extractor_id"]
        row: dict[str, Any] = {"name": r.name, "matched": cid in matched, "lines": 0}
        for key, to_pred in (("right", by_extraction), ("right_personas", by_personas)):
            row[key] = 0
            wrong: list[str] = []
            for q in r.facts["quotes"]:
                k = index.first_overlap((q["start"], q["end"]))
                j = (
                    gold_index.get(gold["quotes"][spans[k][2]].get("speaker_id"))
                    if k is not None
                    else None
                )
                if j is not None and to_pred.get(j) == cid:
                    row[key] += 1
                elif len(wrong) < 3:
                    wrong.append(q["text"][:70])
            row.setdefault("wrong_examples", wrong)
        row["lines"] = len(r.facts["quotes"])
        personas.append(row)
    return {"book": gold["book_id"], "personas": personas}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=SHARED / "data" / "pdnc" / "train")
    ap.add_argument("--extractions", type=Path, help="DIR of <book>.json (Extraction.to_json())")
    ap.add_argument("--books", default="", help="comma-separated book names (default: all)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)

    from falsafa.extract.builtin import BuiltinExtractor

    wanted = {b for b in args.books.split(",") if b}
    paths = [p for p in sorted(args.data.glob("*.json")) if not wanted or p.stem in wanted]
    if not paths:
        print(f"voice_lines: no gold books in {args.data}", file=sys.stderr)
        return 2
    rows = []
    t0 = time.perf_counter()
    for path in paths:
        gold = json.loads(path.read_text(encoding="utf-8"))
        if args.extractions:
            source = args.extractions / f"{path.stem}.json"
            if not source.is_file():
                print(f"voice_lines: no extraction {source}", file=sys.stderr)
                return 2
            extraction = load_extraction(json.loads(source.read_text(encoding="utf-8")))
        else:
            extraction = BuiltinExtractor().extract(gold["text"])
        row = score_book(gold, extraction)
        row["book"] = path.stem
        rows.append(row)
        ps = row["personas"]
        lines, right = sum(p["lines"] for p in ps), sum(p["right"] for p in ps)
        right_p = sum(p["right_personas"] for p in ps)
        row["lines"], row["right"], row["right_personas"] = lines, right, right_p
        row["precision"] = round(right / lines, 3) if lines else None
        row["precision_personas"] = round(right_p / lines, 3) if lines else None
        print(
            f"{path.stem:<24} personas={len(ps):>2} lines={lines:>4} "
            f"precision={row['precision']} precision_personas={row['precision_personas']}"
        )
        for p in ps:
            bad = "" if p["matched"] else "  (no gold character matched)"
            print(
                f"    {p['name']:<24} {p['right']:>3} {p['right_personas']:>3} /{p['lines']:<3}{bad}"
            )
    lines = sum(r["lines"] for r in rows)
    right = sum(r["right"] for r in rows)
    right_p = sum(r["right_personas"] for r in rows)
    m_lines = sum(p["lines"] for r in rows for p in r["personas"] if p["matched"])
    m_right = sum(p["right"] for r in rows for p in r["personas"] if p["matched"])
    summary = {
        "precision": round(right / lines, 3) if lines else None,
        "precision_personas": round(right_p / lines, 3) if lines else None,
        "lines": lines,
        "matched_precision": round(m_right / m_lines, 3) if m_lines else None,
        "books": len(rows),
        "extractions": str(args.extractions) if args.extractions else "builtin, here",
        "seconds": round(time.perf_counter() - t0, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"summary": summary, "books": rows}, indent=1) + "\n")
    keys = ("precision", "precision_personas", "lines", "matched_precision", "books")
    print(" ".join(f"{k}={summary[k]}" for k in keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
