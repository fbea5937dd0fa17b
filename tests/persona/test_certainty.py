"""How sure a voice line is: the frame beside the quote, then the scorer."""

from __future__ import annotations

from falsafa.extract.model import Character, Quote
from falsafa.persona._certainty import FRAMED, SpeakerNames, certainty

CAST = (
    Character("eliz", "Elizabeth", aliases=("Eliza", "Miss Elizabeth Bennet")),
    Character("darcy", "Mr. Darcy", aliases=("Darcy",)),
    Character("georgiana", "Miss Darcy", aliases=("Georgiana",)),
    Character("daisy", "Daisy"),
)
NAMES = SpeakerNames.of(CAST)


def quote_in(text: str, line: str, speaker: str | None, confidence: float | None = None) -> Quote:
    start = text.index(f'"{line}')
    end = text.index('"', start + 1) + 1
    return Quote(start, end, text[start:end], speaker, None, confidence)


def sure(text: str, line: str, speaker: str | None, confidence: float | None = None) -> float:
    q = quote_in(text, line, speaker, confidence)
    return certainty(q, NAMES.frame_speakers(text, q))


def test_a_frame_naming_the_speaker_makes_the_line_certain() -> None:
    text = (
        '"I am perfectly serious," said Elizabeth.\n\n'
        '"You are mistaken," Mr. Darcy\nreplied, with some warmth.\n\n'
        'Elizabeth, after a pause, answered: "Not at all."\n\n'
    )
    assert sure(text, "I am perfectly", "eliz") == FRAMED
    assert sure(text, "You are mistaken", "darcy") == FRAMED  # across a line break
    assert sure(text, "Not at all", "eliz") == FRAMED  # the frame before the quote


def test_a_frame_naming_someone_else_voids_the_attribution() -> None:
    text = '"I am perfectly serious," said Elizabeth.\n\n'
    assert sure(text, "I am perfectly", "darcy", confidence=0.99) == 0.0
    assert sure(text, "I am perfectly", "eliz", confidence=0.2) == FRAMED


def test_a_surname_several_bear_fits_any_of_them() -> None:
    # "Darcy" is Mr. Darcy's and Miss Darcy's: the frame fits either, and
    # is no evidence against the attribution.
    text = '"Nothing could be more delightful," replied Darcy.\n\n'
    assert sure(text, "Nothing could", "darcy") == FRAMED
    assert sure(text, "Nothing could", "eliz") == 0.0


def test_without_a_frame_the_scorer_decides_and_none_means_unknown() -> None:
    text = 'She looked up.\n\n"It is a fine day."\n\n'
    assert sure(text, "It is a fine", "eliz", confidence=0.93) == 0.93
    assert sure(text, "It is a fine", "eliz", confidence=None) == 0.0
    assert sure(text, "It is a fine", None, confidence=0.9) == 0.0


def test_a_possessive_is_no_speaker() -> None:
    # "answered Daisy's mamma" names the mother, not Daisy (PDNC drops the
    # apostrophe: "Daisy s mamma").
    for text in ('"Oh, no," answered Daisy\'s mamma.\n\n', '"Oh, no," answered Daisy s mamma.\n\n'):
        assert sure(text, "Oh, no", "daisy", confidence=None) == 0.0
    assert sure('"Oh, no," answered Daisy.\n\n', "Oh, no", "daisy") == FRAMED


def test_a_frame_stops_at_the_paragraph_and_the_next_quote() -> None:
    text = '"Come here."\n\nElizabeth said nothing.\n\n"Well," said he, "said Elizabeth."'
    assert sure(text, "Come here", "eliz") == 0.0
    assert sure(text, "Well", "eliz") == 0.0


def test_a_group_or_reported_speech_is_no_frame_for_one_speaker() -> None:
    text = '"We will go as far as Meryton with you," said Eliza and Georgiana.\n\n'
    assert sure(text, "We will go", "eliz", confidence=0.99) == 0.0
    text = '"Is it true?" Elizabeth replied that it was.\n\n'
    # Reported speech: the quote is someone else's question; no frame
    # either way, so the scorer's figure stands.
    assert sure(text, "Is it true", "eliz", confidence=None) == 0.0
    assert sure(text, "Is it true", "darcy", confidence=0.96) == 0.96
