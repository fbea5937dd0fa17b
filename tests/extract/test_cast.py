"""The cast stage: every candidate cluster, and the people among them."""

from __future__ import annotations

from falsafa.extract.builtin import quote_spans_in_words
from falsafa.extract.cast import candidates, find_cast
from falsafa.extract.quotes import find_quotes
from falsafa.extract.text import Layout

_TEXT = (
    "Mr. Hale walked by Temple Bar with Margaret. “We are late,” said Mr. Hale. "
    "The Temple Bar stood on the hill, and Margaret passed the Temple Bar.\n\n"
    "“Come in,” Margaret said. Mr. Hale smiled at Margaret, and he went in. "
    "Near Temple Bar the road turned; by Temple Bar a river ran.\n"
)


def _displays(text: str) -> tuple[list[str], list[str]]:
    layout = Layout.of(text)
    in_quote, _ = quote_spans_in_words(layout, find_quotes(layout))
    every = candidates(layout, in_quote)
    people = find_cast(layout, in_quote)
    assert len(people.clusters) == len(people.genders) == len(people.votes)
    return [c.display for c in every.clusters], [c.display for c in people.clusters]


def test_the_cast_keeps_the_people_among_the_candidates() -> None:
    every, people = _displays(_TEXT)
    assert {"Mr. Hale", "Margaret", "Temple Bar"} <= set(every)
    assert {"Mr. Hale", "Margaret"} <= set(people)
    assert "Temple Bar" not in people
