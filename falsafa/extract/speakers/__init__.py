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
conditional logit: a softmax over the quote's candidates), and the choice
feeds the turn features of the quotes after it. The book is decoded with a
small beam (:mod:`~falsafa.extract.speakers.decoding`): the likeliest few
histories are kept, so that a later frame can take back an earlier wrong
turn; each quote's confidence is its speaker's share. See
``docs/extraction.md``.
"""

from __future__ import annotations

from functools import cache

from falsafa.extract.scoring import LinearModel, load_model
from falsafa.extract.sieve import SieveState
from falsafa.extract.speakers.book import SpeakerBook
from falsafa.extract.speakers.decoding import (
    Attribution,
    Candidates,
    Choice,
    beam_decode,
    best,
    decode,
)

__all__ = [
    "BEAM_WIDTH",
    "Attribution",
    "Candidates",
    "Choice",
    "attribute",
    "beam_decode",
    "best",
    "decode",
    "load_speaker_model",
]

BEAM_WIDTH = 5  # histories kept while decoding (chosen by CV; 1 is greedy)


@cache
def load_speaker_model() -> LinearModel:
    return load_model("speakers")


def attribute(state: SieveState, model: LinearModel, width: int = BEAM_WIDTH) -> Attribution:
    """Decode the book left to right, keeping the ``width`` likeliest histories."""
    return beam_decode(SpeakerBook.of(state), model, width)
