"""Characters' word profiles from their named quotes (falsafa.extract.speakers.voices)."""

from __future__ import annotations

import pytest

from falsafa.extract.speakers.voices import Voices

# Two invented speakers, each named by a frame in many quotes: one a child
# who says "papa", one an old sea captain who says "aye" and "lad".
_CHILD = "oh papa may i have the little dog papa please".split()
_CAPTAIN = "aye lad the sea is rough tonight aye hold fast lad".split()


def _book(extra: list[list[str]], named_extra: list[int | None]) -> Voices:
    words = [_CHILD] * 12 + [_CAPTAIN] * 12 + extra
    named: list[int | None] = [*([0] * 12), *([1] * 12), *named_extra]
    return Voices.of(words, named)


def test_an_unframed_quote_leans_to_the_speaker_who_talks_like_it() -> None:
    voices = _book(["papa look at the dog".split()], [None])
    gaps = voices.gaps(24, [0, 1])
    assert gaps[0] > 0 > gaps[1]
    assert gaps[0] == -gaps[1]


def test_a_named_quote_is_left_out_of_its_own_speakers_profile() -> None:
    # The captain's one "papa" line is his own; left in, it would make
    # "papa" his word too. Left out, the child's profile still wins it.
    voices = _book(["papa".split()], [1])
    assert voices.gaps(24, [0, 1])[0] > 0


def test_a_character_with_few_named_words_has_no_profile() -> None:
    voices = Voices.of([_CHILD] * 12 + [_CAPTAIN] * 2, [0] * 12 + [1] * 2)
    assert voices.score(0, 0) is not None
    assert voices.score(0, 1) is None
    assert voices.gaps(0, [0, 1]) == {}


def test_a_long_quote_weighs_no_more_than_sixty_words() -> None:
    # A speech of many paragraphs is narration-like and unlike anyone's
    # dialogue: past sixty words, more of the same words add no evidence.
    sixty = ("aye lad " * 30).split()
    voices = _book([sixty, sixty * 4, "aye lad".split()], [None, None, None])
    assert voices.score(24, 1) == pytest.approx(voices.score(25, 1))
    assert voices.gaps(24, [0, 1])[1] == pytest.approx(voices.gaps(25, [0, 1])[1])
    assert 0 < voices.gaps(26, [0, 1])[1] < voices.gaps(24, [0, 1])[1] <= 1.0


def test_the_narrator_and_descriptions_get_no_gap() -> None:
    voices = _book(["papa".split()], [None])
    assert set(voices.gaps(24, [0, 1, -1, -2])) == {0, 1}


def test_an_empty_quote_favours_no_one() -> None:
    voices = _book([[]], [None])
    assert voices.gaps(24, [0, 1]) == {0: 0.0, 1: 0.0}
