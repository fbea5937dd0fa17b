"""``falsafa persona``: the personas of a local text, as the service builds them.

Usage::

    falsafa persona FILE              # a readable summary per persona
    falsafa persona --json FILE       # every persona's name, aliases, voice lines
    falsafa persona --json --top 20 FILE

``--json`` prints one object::

    {"personas": [{"character_id": "c1", "name": "Elizabeth", "aliases": [...],
                   "descriptors": [...], "addressed_as": [...],
                   "voice_lines": [{"text": "...", "start": 1041, "end": 1090,
                                    "confidence": 1.0, "chapter": 3}, ...]}]}

``start``/``end`` are ``str`` offsets into the file's text as
``falsafa extract`` reads it (quotation marks included), so anyone can score
the voice lines against gold quote spans. ``confidence`` is how sure the
speaker is (1.0: a frame beside the line names them). Exit status: 0, or 2
for a file that cannot be read or is no text (binary, empty, an unknown
encoding: the service's reasons), 3 when the extractor cannot run.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path
from typing import Any

from falsafa.book import UnreadableText, decode_text, detect_chapters
from falsafa.extract import available_extractor
from falsafa.extract.cli import read_book
from falsafa.extract.model import Extraction, ExtractorUnavailable
from falsafa.persona._facts import PersonaConfig, build_character_records
from falsafa.store.base import CharacterRecord

__all__ = ["main", "persona_json"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="falsafa persona", description="Build the personas of a book, as the service does."
    )
    p.add_argument("file", type=Path, help="a text file (UTF-8, UTF-16 or Windows-1252)")
    p.add_argument("--json", action="store_true", help="print personas and voice lines as JSON")
    p.add_argument("--top", type=int, default=PersonaConfig().top_n, help="how many personas")
    return p


def persona_json(records: list[CharacterRecord]) -> dict[str, Any]:
    """The ``--json`` document for built records."""
    return {
        "personas": [
            {
                "character_id": r.facts["extractor_id"],
                "name": r.name,
                "aliases": list(r.aliases),
                "descriptors": [d["text"] for d in r.facts.get("descriptors", [])],
                "addressed_as": [a["text"] for a in r.facts.get("addressed_as", [])],
                "voice_lines": [
                    {
                        "text": q["text"],
                        "start": q["start"],
                        "end": q["end"],
                        "confidence": q.get("confidence"),
                        "chapter": q["chapter"],
                    }
                    for q in r.facts.get("quotes", [])
                ],
            }
            for r in records
        ]
    }


def _summary(records: list[CharacterRecord]) -> str:
    lines = []
    for r in records:
        aka = f" (aka {', '.join(r.aliases[:5])})" if r.aliases else ""
        lines.append(f"{r.rank:>2}. {r.name}{aka}")
        words = [d["text"] for d in r.facts.get("descriptors", [])][:6]
        if words:
            lines.append(f"    described as: {', '.join(words)}")
        for q in r.facts.get("quotes", [])[:3]:
            lines.append(f'    "{q["text"][:100]}"')
    return "\n".join(lines)


def _extract(path: Path) -> tuple[str, Extraction] | str:
    """The book's text and extraction, or why there is none."""
    try:
        # Refused as the service refuses an upload (binary, empty, unknown
        # encoding); read as the scorer reads it, so offsets match its spans.
        decode_text(path.read_bytes())
        text = read_book(path)
        return text, available_extractor("builtin", None).extract(text)
    except (OSError, UnreadableText) as e:
        return f"cannot read {path}: {e}"
    except ExtractorUnavailable as e:
        return str(e)


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.top < 1:
        print("persona: --top must be at least 1", file=sys.stderr)
        return 2
    got = _extract(args.file)
    if isinstance(got, str):
        print(f"persona: {got}", file=sys.stderr)
        return 2 if got.startswith("cannot read") else 3
    text, extraction = got
    book_id = uuid.uuid5(uuid.NAMESPACE_URL, f"file:{args.file.name}")
    records = build_character_records(
        book_id, extraction, text, detect_chapters(text), args.top, book_title=args.file.stem
    )
    if args.json:
        json.dump(persona_json(records), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(_summary(records))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
