"""Who says each quote: candidates, features and one trained scorer.

Usage::

    from falsafa.extract.speakers import attribute, load_speaker_model
    result = attribute(state, load_speaker_model())
    result.speakers[qi], result.confidences[qi], result.addressees[qi]

For each quote, in text order, :func:`~falsafa.extract.speakers.features.candidates`
lists the plausible speakers (the frame's subject, the speakers and the person
addressed in the turns before, characters named in the narration around it, a
first-person narrator) with their evidence; the scorer trained by
``scripts/train_extractor.py`` on PDNC and LitBank gives each a share (a
conditional logit: a softmax over the quote's candidates) and the best one
speaks, with its share as the quote's confidence. The choice feeds the turn
features of the quotes after it. See ``docs/extraction.md``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

from falsafa.extract.scoring import LinearModel, load_model
from falsafa.extract.sieve import SieveState
from falsafa.extract.speakers.book import SpeakerBook
from falsafa.extract.speakers.features import candidates, read_frame, turns_before
from falsafa.extract.turns import name_narrator

__all__ = [
    "Attribution",
    "Candidates",
    "Choice",
    "attribute",
    "best",
    "decode",
    "load_speaker_model",
]

Candidates = list[tuple[int, dict[str, float]]]
Choice = Callable[[int, Candidates], tuple[int | None, float | None]]


@dataclass(frozen=True, slots=True)
class Attribution:
    """A speaker, an addressee and a confidence for every quote (None when unknown)."""

    speakers: list[int | None]
    addressees: list[int | None]
    confidences: list[float | None]
    vocatives: list[int | None] = field(default_factory=list)
    """The character each quote calls by name ("Come, Maggie")."""
    named_frames: list[int | None] = field(default_factory=list)
    """The character each quote's frame names outright ("said Mr. Hilbery")."""


@cache
def load_speaker_model() -> LinearModel:
    return load_model("speakers")


def best(model: LinearModel, cands: Candidates) -> tuple[int | None, float | None]:
    """The candidate with the largest share of the model's softmax, and that share."""
    if not cands:
        return None, None
    shares = model.softmax([f for _, f in cands])
    k = max(range(len(cands)), key=shares.__getitem__)
    return cands[k][0], shares[k]


def attribute(state: SieveState, model: LinearModel) -> Attribution:
    """Decode the book left to right, each quote's best candidate speaking."""
    return decode(SpeakerBook.of(state), lambda _qi, cands: best(model, cands))


def decode(book: SpeakerBook, choose: Choice) -> Attribution:
    """Run ``choose`` on each quote's candidates, in text order, feeding its answers back."""
    ctx = book.state
    n = len(ctx.quotes)
    ctx.speakers = [None] * n
    ctx.addressees = list(book.vocatives)
    ctx.counts = Counter()
    confidences: list[float | None] = [None] * n
    for qi in range(n):
        turns = turns_before(book, qi)
        who, confidence = choose(qi, candidates(book, qi, read_frame(book, qi), turns))
        ctx.speakers[qi] = who
        confidences[qi] = confidence
        if who is not None:
            ctx.counts[who] += 1
        if ctx.addressees[qi] is None and turns.first is not None and turns.first != who:
            ctx.addressees[qi] = turns.first
    speakers = list(ctx.speakers)
    addressees = list(ctx.addressees)
    name_narrator(ctx, speakers, addressees, book.by_para)
    return Attribution(
        [s if s is not None and s >= 0 else None for s in speakers],
        _addressees(speakers, addressees),
        [
            c if s is not None and s >= 0 else None
            for s, c in zip(speakers, confidences, strict=True)
        ],
        list(book.vocatives),
        list(book.named_frames),
    )


def _addressees(
    speakers: Sequence[int | None], addressees: Sequence[int | None]
) -> list[int | None]:
    return [
        a if a is not None and a >= 0 and a != s else None
        for s, a in zip(speakers, addressees, strict=True)
    ]
