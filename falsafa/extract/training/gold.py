"""The annotated books, and the gold speaker of each quote we detect.

Usage::

    books = load_books(Path("../shared/data"))
    targets = speaker_targets(book, extraction.to_score_json())

A gold speaker is translated into one of *our* character ids exactly as the
official scorer (``shared/tools/score_extraction.py``) matches characters, so
what we train for is what the scorer counts.
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

__all__ = ["GoldBook", "assignment", "load_books", "scorer", "speaker_targets"]

Corpus = Literal["pdnc", "litbank"]

_FIRST_PERSON = re.compile(r"\b(?:I|me|my|myself)\b")
_QUOTED = re.compile(r"[“\"][^”\"]*[”\"]", re.S)
# Narration (quotes removed) with at least this many first-person words per
# thousand is a first-person narrator's book; the corpora's third-person books
# sit far below it (their "I" is in letters and stray quotes).
_FIRST_PERSON_PER_1000 = 8.0


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


def speaker_targets(book: GoldBook, pred: dict[str, Any]) -> list[str | None]:
    """For each predicted quote (in ``pred``'s order), the predicted id that the
    scorer would count as right, or None when no answer can be right."""
    s = scorer()
    gold = book.gold
    to_pred = assignment(gold, pred)
    index = {g["id"]: j for j, g in enumerate(gold["characters"])}
    spans = [(q["char_start"], q["char_end"]) for q in gold["quotes"]]
    order = sorted(range(len(spans)), key=lambda k: spans[k])
    gold_index = s.SpanIndex([spans[k] for k in order])
    out: list[str | None] = []
    for q in pred["quotes"]:
        k = gold_index.first_overlap((q["start"], q["end"]))
        target = None
        if k is not None:
            g = gold["quotes"][order[k]]
            j = index.get(g.get("speaker_id"))
            if g.get("speaker_is_character") and g.get("speaker_names") and j is not None:
                target = to_pred.get(j)
        out.append(target)
    return out
