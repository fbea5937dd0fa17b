"""The annotated books, and the gold speaker of each quote we detect.

Usage::

    books = load_books(Path("../shared/data"))
    targets = speaker_targets(book, extraction.to_score_json())   # our ids, or NARRATOR_ID

A gold speaker is translated into one of *our* character ids exactly as the
official scorer (``shared/tools/score_extraction.py``) matches characters, so
what we train for is what the scorer counts.
"""

from __future__ import annotations

import bisect
import importlib.util
import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

__all__ = [
    "NARRATOR_ID",
    "GoldBook",
    "assignment",
    "gold_narrator",
    "gold_speakers",
    "load_books",
    "scorer",
    "speaker_targets",
]

Corpus = Literal["pdnc", "litbank"]

_FIRST_PERSON = re.compile(r"\b(?:I|me|my|myself)\b")
_QUOTED = re.compile(r"[“\"][^”\"]*[”\"]", re.S)
# Narration (quotes removed) with at least this many first-person words per
# thousand is a first-person narrator's book; the corpora's third-person books
# sit far below it (their "I" is in letters and stray quotes).
_FIRST_PERSON_PER_1000 = 8.0
NARRATOR_ID = "narrator"
"""The target of a first-person narrator's quotes: the narrator candidate,
whose name, if the book gives one, is put on them after decoding."""
_NARRATOR_WORDS = frozenset({"i", "me", "my", "myself", "mine"})
# The gold narrator says "I" in the narration this often, and far more often
# than anyone else (whose "I" is a letter or a misplaced quote).
_NARRATOR_MIN_MENTIONS = 5
_NARRATOR_LEAD = 3


@dataclass(frozen=True, slots=True)
class GoldBook:
    """One annotated book: its text and the gold document as the scorer reads it."""

    name: str
    corpus: Corpus
    text: str
    gold: dict[str, Any]
    first_person: bool

    @property
    def fold_key(self) -> str:
        return f"{self.corpus}/{self.name}"


@cache
def scorer() -> ModuleType:
    """The official scorer, imported from ``shared/tools``."""
    path = Path(__file__).resolve().parents[3].parent / "shared/tools/score_extraction.py"
    spec = importlib.util.spec_from_file_location("score_extraction", path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _first_person(text: str) -> bool:
    narration = _QUOTED.sub(" ", text)
    words = max(1, len(narration.split()))
    return 1000 * len(_FIRST_PERSON.findall(narration)) / words >= _FIRST_PERSON_PER_1000


def load_books(data: Path, limit: int | None = None) -> list[GoldBook]:
    """PDNC train and LitBank dev, sorted by corpus and name (``limit`` per corpus)."""
    books: list[GoldBook] = []
    for corpus, folder in (("pdnc", data / "pdnc/train"), ("litbank", data / "litbank/dev")):
        paths = sorted(folder.glob("*.json"))[:limit]
        for path in paths:
            gold = json.loads(path.read_text(encoding="utf-8"))
            text = gold["text"]
            books.append(GoldBook(path.stem, corpus, text, gold, _first_person(text)))  # type: ignore[arg-type]
    return books


def assignment(gold: dict[str, Any], pred: dict[str, Any]) -> dict[int, str]:
    """Gold character index -> predicted character id, as the scorer pairs them."""
    s = scorer()
    golds = gold["characters"]
    preds = [c for c in pred.get("characters", []) if s.pred_names(c)]
    sim: dict[tuple[int, int], int] = {}
    for i, p in enumerate(preds):
        names = s.pred_names(p)
        for j, g in enumerate(golds):
            n = sum(1 for pn in names for gn in g["names"] if s.names_match(pn, gn))
            if n:
                sim[(i, j)] = n
    out: dict[int, str] = {}
    taken: set[int] = set()
    order = sorted(sim.items(), key=lambda kv: (-kv[1], -golds[kv[0][1]].get("mention_count", 0)))
    for (i, j), _n in order:
        if i in taken or j in out:
            continue
        out[j] = preds[i]["id"]
        taken.add(i)
    return out


def gold_speakers(book: GoldBook, pred: dict[str, Any]) -> list[int | None]:
    """For each predicted quote (in ``pred``'s order), the gold character
    index of the gold quote it overlaps, when that speaker is a named character."""
    gold = book.gold
    index = {g["id"]: j for j, g in enumerate(gold["characters"])}
    spans = [(q["char_start"], q["char_end"]) for q in gold["quotes"]]
    order = sorted(range(len(spans)), key=lambda k: spans[k])
    gold_index = scorer().SpanIndex([spans[k] for k in order])
    out: list[int | None] = []
    for q in pred["quotes"]:
        k = gold_index.first_overlap((q["start"], q["end"]))
        j = None
        if k is not None:
            g = gold["quotes"][order[k]]
            if g.get("speaker_is_character") and g.get("speaker_names"):
                j = index.get(g.get("speaker_id"))
        out.append(j)
    return out


def speaker_targets(book: GoldBook, pred: dict[str, Any]) -> list[str | None]:
    """For each predicted quote (in ``pred``'s order), the predicted id that the
    scorer would count as right, ``NARRATOR_ID`` for the quotes of a
    first-person book's narrator (see :func:`gold_narrator`), or None when no
    answer can be right."""
    to_pred = assignment(book.gold, pred)
    narrator = gold_narrator(book)
    return [
        None if j is None else NARRATOR_ID if j == narrator else to_pred.get(j)
        for j in gold_speakers(book, pred)
    ]


def gold_narrator(book: GoldBook) -> int | None:
    """The gold character index of a first-person book's narrator: the one
    whose annotated mentions are the narration's "I", "me" and "my"."""
    if not book.first_person:
        return None
    text = book.text
    quoted = [(m.start(), m.end()) for m in _QUOTED.finditer(text)]
    starts = [a for a, _ in quoted]

    def in_quote(x: int) -> bool:
        k = bisect.bisect_right(starts, x) - 1
        return k >= 0 and x < quoted[k][1]

    counts = Counter(
        j
        for j, c in enumerate(book.gold["characters"])
        for m in c.get("mentions", [])
        if text[m[0] : m[1]].lower() in _NARRATOR_WORDS and not in_quote(m[0])
    )
    ranked = counts.most_common(2)
    if not ranked or ranked[0][1] < _NARRATOR_MIN_MENTIONS:
        return None
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    return ranked[0][0] if ranked[0][1] >= _NARRATOR_LEAD * runner_up else None
