"""Decoding a book's speakers left to right: greedily, or with a beam.

Usage::

    from falsafa.extract.speakers.decoding import beam_decode, decode
    result = beam_decode(SpeakerBook.of(state), model, width=3)
    result = decode(book, lambda qi, cands: best(model, cands))   # one choice per quote

Each quote's candidates and features depend on the speakers chosen before it
(turn-taking: who spoke the turn before, the one before that, who was
addressed). :func:`decode` takes each quote's best candidate and feeds it
back; one wrong turn then misleads the turns after it. :func:`beam_decode`
keeps the ``width`` most probable histories instead (the product of each
choice's share), so that a later frame ("said Mr. Bennet") can take back
an earlier mistake in the same exchange. A speech over several paragraphs
is one turn: its speaker going on costs nothing, or a long speech would
weigh a history by its length. The histories share everything before the
first quote they disagree on; only that tail is kept apart.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from falsafa.extract.scoring import LinearModel
from falsafa.extract.speakers.book import SpeakerBook
from falsafa.extract.speakers.features import (
    CrossedModel,
    candidates,
    read_frame,
    turns_before,
)
from falsafa.extract.turns import name_narrator

__all__ = ["Attribution", "Candidates", "Choice", "beam_decode", "best", "decode"]

Candidates = list[tuple[int, dict[str, float]]]
Choice = Callable[[int, Candidates], tuple[int | None, float | None]]

_MAX_LAG = 40  # quotes two histories may disagree on before the likelier one is kept


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


def best(model: LinearModel, cands: Candidates) -> tuple[int | None, float | None]:
    """The candidate with the largest share of the model's softmax, and that share."""
    if not cands:
        return None, None
    shares = model.softmax([f for _, f in cands])
    k = max(range(len(cands)), key=shares.__getitem__)
    return cands[k][0], shares[k]


def decode(book: SpeakerBook, choose: Choice) -> Attribution:
    """Run ``choose`` on each quote's candidates, in text order, feeding its answers back."""
    _reset(book)
    for qi in range(len(book.state.quotes)):
        turns = turns_before(book, qi)
        who, confidence = choose(qi, candidates(book, qi, read_frame(book, qi), turns))
        _commit(book, qi, _Step(who, confidence, _addressed(book, qi, turns.first, who)))
    return _result(book)


@dataclass(frozen=True, slots=True)
class _Step:
    """One quote's choice in a history: who speaks, their share, and whom
    the quote is then taken to answer (None when its own vocative stands)."""

    who: int | None
    share: float | None
    addressee: int | None


@dataclass(frozen=True, slots=True)
class _History:
    log_p: float
    steps: tuple[_Step, ...]  # the choices since the last quote all histories agree on


def beam_decode(book: SpeakerBook, model: LinearModel, width: int) -> Attribution:
    """Keep the ``width`` likeliest histories while decoding, left to right."""
    _reset(book)
    scorer = CrossedModel.of(model)
    beam = [_History(0.0, ())]
    settled = 0  # quotes before this one are committed to the book's state
    for qi in range(len(book.state.quotes)):
        scorer.forget()
        grown: list[_History] = []
        for h in beam:
            grown += _extend(book, scorer, qi, settled, h, width)
        beam = heapq.nlargest(width, grown, key=lambda h: h.log_p)
        settled, beam = _settle(book, settled, beam)
    for step in beam[0].steps:
        _commit(book, settled, step)
        settled += 1
    return _result(book)


def _extend(
    book: SpeakerBook, scorer: CrossedModel, qi: int, settled: int, h: _History, width: int
) -> list[_History]:
    """The history ``h`` followed by each of quote ``qi``'s ``width`` likeliest speakers."""
    _enter(book, settled, h.steps)
    turns = turns_before(book, qi)
    cands = candidates(book, qi, read_frame(book, qi), turns, cross=False)
    _leave(book, h.steps)
    if not cands:
        return [_History(h.log_p, (*h.steps, _Step(None, None, None)))]
    shares = scorer.softmax([f for _, f in cands])
    top = heapq.nlargest(width, range(len(cands)), key=shares.__getitem__)
    goes_on = turns.continued and book.by_para[book.state.quotes[qi].para][0] == qi
    out = []
    for k in top:
        who = cands[k][0]
        step = _Step(who, shares[k], _addressed(book, qi, turns.first, who))
        # A speech over several paragraphs is one turn: its speaker goes on at
        # no cost, or a long speech would weigh its speaker by its length.
        cost = 0.0 if goes_on and who == turns.first else math.log(max(shares[k], 1e-300))
        out.append(_History(h.log_p + cost, (*h.steps, step)))
    return out


def _settle(book: SpeakerBook, settled: int, beam: list[_History]) -> tuple[int, list[_History]]:
    """Commit the oldest choices every history agrees on (or, past ``_MAX_LAG``,
    the likeliest history's, dropping those that disagree)."""
    while beam[0].steps:
        first = beam[0].steps[0]
        if len(beam[0].steps) > _MAX_LAG:
            beam = [h for h in beam if h.steps[0] == first]
        elif any(h.steps[0] != first for h in beam):
            break
        _commit(book, settled, first)
        settled += 1
        beam = [_History(h.log_p, h.steps[1:]) for h in beam]
    return settled, beam


def _counts(book: SpeakerBook) -> Counter[int]:
    counts = book.state.counts
    assert counts is not None, "decoding starts with _reset"
    return counts


def _enter(book: SpeakerBook, settled: int, steps: Sequence[_Step]) -> None:
    """Write a history's unsettled choices into the book's state, as if committed."""
    for k, step in enumerate(steps, start=settled):
        _commit(book, k, step)


def _leave(book: SpeakerBook, steps: Sequence[_Step]) -> None:
    """Take a history's unsettled choices back out of the speaker counts."""
    counts = _counts(book)
    for step in steps:
        if step.who is not None:
            counts[step.who] -= 1
            if not counts[step.who]:
                del counts[step.who]


def _commit(book: SpeakerBook, qi: int, step: _Step) -> None:
    """Write quote ``qi``'s choice into the book's state: its speaker, share
    (the quote's confidence once settled), addressee and the speaker counts."""
    ctx = book.state
    ctx.speakers[qi] = step.who
    book.shares[qi] = step.share
    ctx.addressees[qi] = book.vocatives[qi] if step.addressee is None else step.addressee
    if step.who is not None:
        _counts(book)[step.who] += 1


def _addressed(book: SpeakerBook, qi: int, previous: int | None, who: int | None) -> int | None:
    """Whom a quote with no vocative answers: the previous turn's speaker."""
    if book.vocatives[qi] is None and previous is not None and previous != who:
        return previous
    return None


def _reset(book: SpeakerBook) -> None:
    ctx = book.state
    n = len(ctx.quotes)
    ctx.speakers = [None] * n
    ctx.addressees = list(book.vocatives)
    ctx.counts = Counter()
    book.shares = [None] * n


def _result(book: SpeakerBook) -> Attribution:
    ctx = book.state
    speakers = list(ctx.speakers)
    addressees = list(ctx.addressees)
    name_narrator(ctx, speakers, addressees, book.by_para)
    return Attribution(
        [s if s is not None and s >= 0 else None for s in speakers],
        _addressees(speakers, addressees),
        [
            c if s is not None and s >= 0 else None
            for s, c in zip(speakers, book.shares, strict=True)
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
