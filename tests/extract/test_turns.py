"""Turn-taking helpers that need no text: grouping continued paragraphs."""

from __future__ import annotations

from falsafa.extract.turns import chains


def test_continued_paragraphs_join_the_speech_they_continue() -> None:
    assert chains([1, 2, 3, 5, 6, 8], {2, 3, 6}) == [[1, 2, 3], [5, 6]]


def test_a_continuation_with_nothing_before_it_starts_nothing() -> None:
    assert chains([4], {4}) == []
    assert chains([], set()) == []
