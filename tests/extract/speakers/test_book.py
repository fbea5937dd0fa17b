"""One book as the speaker scorer reads it."""

from __future__ import annotations

from falsafa.extract.builtin import read_cast, speaker_state
from falsafa.extract.speakers.book import SpeakerBook


def _book(text: str) -> SpeakerBook:
    return SpeakerBook.of(speaker_state(read_cast(text)))


def test_a_paragraphs_pronouns_are_its_subjects_not_its_possessives() -> None:
    # "his wife" is said by her: his names the husband, not the speaker.
    book = _book("Mr. Bennet read.\n\n“Who has taken it?” cried his wife, and she sat down.\n")
    he, she, me = book.narration_pronouns(1)
    assert (he, she, me) == (0, 1, 0)


def test_first_person_words_of_the_narration_are_counted() -> None:
    book = _book("I saw Tom Hardy at the gate, and he waved to me.\n")
    assert book.narration_pronouns(0) == (1, 0, 2)
