"""``falsafa extract``: run an extractor over a text file.

Usage::

    python -m falsafa.extract.cli [--json] [--extractor builtin|booknlp]
                                  [--booknlp-models DIR] FILE

Plain output is a readable summary (top characters, aliases, mention and
quote counts). ``--json`` prints exactly the document
``shared/tools/score_extraction.py`` reads. A UTF-8 file is read without
stripping a byte-order mark, so every offset is a ``str`` index into the
text as the scorer reads it; any other file is decoded as the service
decodes an upload (UTF-16 with a BOM, Windows-1252), or refused with the
same reason.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from falsafa.book import UnreadableText, decode_text
from falsafa.extract import available_extractor
from falsafa.extract.model import Extraction, ExtractorUnavailable

__all__ = ["main", "read_book", "summary"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="falsafa extract", description="Find a book's characters and who says what."
    )
    p.add_argument("file", type=Path, help="a text file (UTF-8, UTF-16 or Windows-1252)")
    p.add_argument("--json", action="store_true", help="print the scorer's JSON format")
    p.add_argument("--extractor", choices=("builtin", "booknlp"), default="builtin")
    p.add_argument(
        "--booknlp-models", type=Path, default=None, metavar="DIR", help="BookNLP model directory"
    )
    p.add_argument("--top", type=int, default=15, help="characters shown in the summary")
    return p


def summary(result: Extraction, top: int = 15) -> str:
    """A few lines a person can read: who matters, under which names, who talks."""
    spoken = Counter(q.speaker for q in result.quotes if q.speaker)
    lines = [
        f"{len(result.characters)} characters, {len(result.mentions)} mentions, "
        f"{len(result.quotes)} quotes ({sum(spoken.values())} attributed) [{result.extractor}]",
        "",
    ]
    for c in result.characters[:top]:
        aliases = f"  aka {', '.join(c.aliases[:6])}" if c.aliases else ""
        pron = f" ({c.pronouns})" if c.pronouns else ""
        lines.append(
            f"{c.rank:>3}. {c.name}{pron}: {c.mention_count} mentions, {spoken[c.id]} quotes{aliases}"
        )
    return "\n".join(lines)


def read_book(path: Path) -> str:
    """The file's text as the scorer reads it (``open(path).read()``: a BOM
    kept, line ends made ``\n``); a file that is not UTF-8 is decoded as the
    service decodes an upload."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = decode_text(data)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        text = read_book(args.file)
    except (OSError, UnreadableText) as e:
        print(f"extract: cannot read {args.file}: {e}", file=sys.stderr)
        return 2
    try:
        extractor = available_extractor(args.extractor, args.booknlp_models)
        result = extractor.extract(text)
    except ExtractorUnavailable as e:
        print(f"extract: {e}", file=sys.stderr)
        return 3
    if args.json:
        json.dump(result.to_score_json(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(summary(result, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
