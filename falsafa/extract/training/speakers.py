"""Training and cross-validating the speaker scorer, book by book.

Usage::

    prepared = [prepare(b) for b in load_books(data)]
    model = fit([p for p in prepared])                 # falsafa/extract/weights/speakers.json
    figures = cross_validate(prepared, folds=9)        # held-out books only

A book is read up to its cast once (:func:`prepare`); its training groups
come from decoding it with the gold speakers fed back (each quote's
candidates and which of them is the gold speaker, when one is). A held-out
book is decoded with the fold's model and scored by the official scorer's
rules, overall and by quote type.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from falsafa.extract.builtin import CastReading, finish, read_cast, speaker_state
from falsafa.extract.model import Extraction
from falsafa.extract.scoring import LinearModel
from falsafa.extract.sieve import NARRATOR
from falsafa.extract.speakers import (
    BEAM_WIDTH,
    Attribution,
    Candidates,
    attribute,
    beam_decode,
    decode,
)
from falsafa.extract.speakers.book import SpeakerBook
from falsafa.extract.training.gold import (
    NARRATOR_ID,
    GoldBook,
    assignment,
    scorer,
    speaker_targets,
)
from falsafa.extract.training.logit import Group, fit_choices

__all__ = ["Prepared", "cross_validate", "fit", "prepare", "score_quotes"]

C = 2.0  # inverse L2 strength of the conditional logit (chosen by CV)
ROUNDS = 3  # fits: one on gold history, then twice on the model's own


@dataclass(slots=True)
class Prepared:
    """One gold book read up to its cast, with its training groups."""

    book: GoldBook
    reading: CastReading
    targets: list[int | None]
    groups: list[Group] = field(default_factory=list)
    reachable: int = 0  # quotes whose gold speaker is among the candidates


def _provisional(reading: CastReading) -> dict[str, Any]:
    return {
        "characters": [
            {"id": f"k{i}", "name": c.display, "aliases": list(c.aliases)}
            for i, c in enumerate(reading.clusters)
        ],
        "quotes": [{"start": q.start, "end": q.end, "speaker": None} for q in reading.quotes],
    }


def _cluster(target: str | None) -> int | None:
    if target is None:
        return None
    return NARRATOR if target == NARRATOR_ID else int(target[1:])


def prepare(book: GoldBook) -> Prepared:
    reading = read_cast(book.text)
    ids = speaker_targets(book, _provisional(reading))
    targets = [_cluster(t) for t in ids]
    p = Prepared(book, reading, targets)
    p.groups, p.reachable = _groups(p, None)
    return p


def own_groups(p: Prepared, model: LinearModel) -> list[Group]:
    """Training groups of a book decoded by ``model`` as the extractor decodes
    (a beam of ``BEAM_WIDTH``), so that turn features see the kind of history
    they will see in use."""
    return _groups(p, model)[0]


def _groups(p: Prepared, model: LinearModel | None) -> tuple[list[Group], int]:
    """Decode the book feeding back the gold speakers, each as if certain
    (``model`` None), or the history ``model`` decodes, each speaker with the
    share it was chosen with (the turns' doubt features read it); each quote
    whose gold speaker is among several candidates is a group. Also: how
    many quotes had their gold speaker among them."""
    history = None if model is None else _decoded_history(p, model)
    groups: list[Group] = []
    reachable = 0

    def record(qi: int, cands: Candidates) -> tuple[int | None, float | None]:
        nonlocal reachable
        want = p.targets[qi]
        who = [c for c, _ in cands]
        if want is not None and want in who:
            reachable += 1
            if len(cands) > 1:
                groups.append(([f for _, f in cands], who.index(want)))
        return (want, 1.0) if history is None else history[qi]

    decode(SpeakerBook.of(speaker_state(copy.deepcopy(p.reading))), record)
    return groups, reachable


def _decoded_history(p: Prepared, model: LinearModel) -> list[tuple[int | None, float | None]]:
    """Each quote's speaker as the extractor's beam decodes the book (the
    narrator candidate still unnamed, as the turn features see it), and
    the share it was chosen with."""
    book = SpeakerBook.of(speaker_state(copy.deepcopy(p.reading)))
    beam_decode(book, model, BEAM_WIDTH)
    return list(zip(book.state.speakers, book.shares, strict=True))


def fit(prepared: Sequence[Prepared], c: float = C, rounds: int = ROUNDS) -> LinearModel:
    """Fit on gold history, then refit on the model's own history ``rounds - 1`` times."""
    model = fit_choices([g for p in prepared for g in p.groups], c)
    for _ in range(rounds - 1):
        model = fit_choices([g for p in prepared for g in own_groups(p, model)], c)
    return model


def extract_with(p: Prepared, model: LinearModel) -> Extraction:
    reading = copy.deepcopy(p.reading)
    found: Attribution = attribute(speaker_state(reading), model)
    return finish(reading, found)


def score_quotes(book: GoldBook, pred: dict[str, Any]) -> Counter[str]:
    """Attributable and attributed gold quotes, overall and by quote type."""
    s = scorer()
    gold = book.gold
    result = s.score_book(gold, pred)
    out: Counter[str] = Counter(
        attributable=result["attributable"],
        attributed=result["attributed"],
        quotes_found=result["quotes_found"],
        gold_quotes=result["gold_quotes"],
        pred_quotes=result["pred_quotes"],
        pred_quotes_ok=result["pred_quotes_ok"],
        gold_main=result["gold_main"],
        main_found=result["main_found"],
        pred=result["pred"],
        pred_matched=result["pred_matched"],
    )
    to_pred = assignment(gold, pred)
    index_of = {g["id"]: j for j, g in enumerate(gold["characters"])}
    said = {(q["start"], q["end"]): q["speaker"] for q in pred["quotes"]}
    spans = sorted(said)
    found = s.SpanIndex(spans)
    for q in gold["quotes"]:
        j = index_of.get(q.get("speaker_id"))
        if j is None or not (q.get("speaker_is_character") and q.get("speaker_names")):
            continue
        kind = q.get("quote_type") or "unknown"
        out[f"{kind}.attributable"] += 1
        k = found.first_overlap((q["char_start"], q["char_end"]))
        if k is not None and j in to_pred and said[spans[k]] == to_pred[j]:
            out[f"{kind}.attributed"] += 1
    return out


def cross_validate(
    prepared: Sequence[Prepared],
    folds: int = 9,
    c: float = C,
    rounds: int = ROUNDS,
    dump: Path | None = None,
) -> dict[str, Counter[str]]:
    """Per book, the counts of :func:`score_quotes` with the book held out;
    with ``dump``, each held-out extraction is written there as
    ``<book>.json`` (``Extraction.to_json``), for benches that score what the
    extractor does on books it was not trained on."""
    out: dict[str, Counter[str]] = {}
    keys = fold_keys(prepared, folds)
    for k in range(folds):
        train = [p for p, f in zip(prepared, keys, strict=True) if f != k]
        model = fit(train, c, rounds)
        for p, f in zip(prepared, keys, strict=True):
            if f == k:
                extraction = extract_with(p, model)
                out[p.book.fold_key] = score_quotes(p.book, extraction.to_score_json())
                if dump is not None:
                    dump.mkdir(parents=True, exist_ok=True)
                    doc = json.dumps(extraction.to_json(), ensure_ascii=False)
                    (dump / f"{p.book.name}.json").write_text(doc, encoding="utf-8")
    return out


def fold_keys(prepared: Sequence[Prepared], folds: int) -> list[int]:
    """PDNC novel i in fold i; LitBank excerpts dealt round the folds after them."""
    novels = sum(p.book.corpus == "pdnc" for p in prepared)
    seen: Counter[str] = Counter()
    out: list[int] = []
    for p in prepared:
        offset = 0 if p.book.corpus == "pdnc" else novels
        out.append((offset + seen[p.book.corpus]) % folds)
        seen[p.book.corpus] += 1
    return out
