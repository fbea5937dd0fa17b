"""Decoding a book's speakers: greedily, or keeping the likeliest histories."""

from __future__ import annotations

from falsafa.extract.builtin import read_cast, speaker_state
from falsafa.extract.scoring import LinearModel, load_model
from falsafa.extract.speakers import attribute, best, decode
from falsafa.extract.speakers.book import SpeakerBook

# An unframed question, then a framed answer. Who asked is only hinted at
# (Tom was named last); who answered is certain.
_SCENE = (
    "Mary Lennox and Tom Hardy sat by the fire. Tom Hardy looked up.\n\n"
    "“Is it late?”\n\n"
    "“Not yet,” said Tom Hardy.\n"
)

# A toy scorer: a speech frame is strong evidence, one person speaking two
# turns running is strongly unlikely, the last name in the narration a hint.
_TOY = LinearModel({"frame.name": 3.0, "turn.first.adjacent": -4.0, "prev_para.last": 0.2})


def _names(text: str, model: LinearModel, width: int) -> list[str | None]:
    reading = read_cast(text)
    found = attribute(speaker_state(reading), model, width)
    return [None if s is None else reading.clusters[s].display for s in found.speakers]


def test_greedy_decoding_keeps_its_first_guess() -> None:
    assert _names(_SCENE, _TOY, 1) == ["Tom Hardy", "Mary Lennox"]


def test_a_beam_lets_a_later_frame_take_back_an_earlier_turn() -> None:
    # Tom then Tom is unlikely, and Tom then Mary contradicts the frame;
    # the likeliest history is Mary asking and Tom answering.
    assert _names(_SCENE, _TOY, 2) == ["Mary Lennox", "Tom Hardy"]


def test_a_beam_of_one_is_the_greedy_decoder() -> None:
    model = load_model("speakers")
    text = _SCENE + "\n“Then stay,” she said.\n\n“I will,” said he.\n"
    reading = read_cast(text)
    greedy = decode(SpeakerBook.of(speaker_state(read_cast(text))), lambda _q, c: best(model, c))
    assert attribute(speaker_state(reading), model, 1) == greedy
    assert greedy.speakers[1] is not None


# Mary begins a speech over ten paragraphs (each reopened, the last closed).
# Tom, named often, would speak each paragraph after the first with more
# confidence than Mary does, if he had begun it.
_LONG_SPEECH = (
    "Tom Hardy came home. " * 12
    + "\n\nMary Lennox looked up from her book.\n\n"
    + "“It began long ago, in the old house,\n\n"
    + "“and it went on,\n\n" * 8
    + "“and it is not over yet.”\n"
)
_HINTS = LinearModel({"prev_para.last": 3.0, "mentions": 10.0, "turn.first.continued": 4.0})


def test_a_speech_over_many_paragraphs_is_one_turn_to_the_beam() -> None:
    # Weighed paragraph by paragraph, ten confident continuations of Tom's
    # would outweigh Mary's likelier start; counted as one turn, they do not.
    greedy = _names(_LONG_SPEECH, _HINTS, 1)
    assert greedy == ["Mary Lennox"] * 10
    assert _names(_LONG_SPEECH, _HINTS, 3) == greedy
