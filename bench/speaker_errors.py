"""Where speaker attribution goes wrong, by kind, on the annotated books.

Usage::

    .venv/bin/python bench/speaker_errors.py [DATA_DIR]

Decodes every book of PDNC train and LitBank dev with the packaged weights
(so in sample: the weights were fitted on these books) and sorts each of our
quotes: right; the gold speaker is none of our characters (or the quote is
no gold quote); the gold speaker is not among the quote's candidates; wrong
with a speech-verb frame; wrong without one. Prints the shares per corpus.
"""

from __future__ import annotations

import copy
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from falsafa.extract.builtin import speaker_state  # noqa: E402
from falsafa.extract.speakers import Candidates, best, decode, load_speaker_model  # noqa: E402
from falsafa.extract.speakers.book import SpeakerBook  # noqa: E402
from falsafa.extract.training.gold import load_books  # noqa: E402
from falsafa.extract.training.speakers import Prepared, prepare  # noqa: E402


def sort_quotes(p: Prepared, tally: Counter[str]) -> None:
    model = load_speaker_model()

    def choose(qi: int, cands: Candidates) -> tuple[int | None, float | None]:
        who, share = best(model, cands)
        want = p.targets[qi]
        framed = any(k.startswith("frame.") and k != "frame.other" for _, f in cands for k in f)
        if want is None:
            tally["no gold speaker among our characters"] += 1
        elif want not in [c for c, _ in cands]:
            tally["gold speaker not a candidate"] += 1
        elif who == want:
            tally["right"] += 1
        else:
            tally["wrong, framed" if framed else "wrong, no frame"] += 1
        return who, share

    decode(SpeakerBook.of(speaker_state(copy.deepcopy(p.reading))), choose)


def main(argv: list[str]) -> int:
    data = Path(argv[0]) if argv else ROOT.parent / "shared" / "data"
    tallies: dict[str, Counter[str]] = {}
    for book in load_books(data):
        sort_quotes(prepare(book), tallies.setdefault(book.corpus, Counter()))
    for corpus, tally in tallies.items():
        n = sum(tally.values())
        shares = ", ".join(f"{k} {v / n:.3f}" for k, v in tally.most_common())
        print(f"{corpus} ({n} quotes): {shares}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
