"""Characters' word profiles from their named quotes (falsafa.extract.speakers.voices)."""

from __future__ import annotations

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


def test_gaps_are_scaled_into_minus_one_to_one() -> None:
    # A long run of the captain's words: the raw gap grows with the quote's
    # length (per square-root word) and is clipped; the narrator (-2) has none.
    voices = _book([("aye lad " * 20).split(), "aye lad".split()], [None, None])
    gaps = voices.gaps(24, [0, 1, -2])
    assert set(gaps) == {0, 1}
    assert gaps[1] == 1.0 and gaps[0] == -1.0
    assert 0 < voices.gaps(25, [0, 1])[1] < 1.0


def test_an_empty_quote_favours_no_one() -> None:
    voices = _book([[]], [None])
    assert voices.gaps(24, [0, 1]) == {0: 0.0, 1: 0.0}
