"""The cast stage: every candidate cluster, and the people among them."""

from __future__ import annotations

import json

import pytest

from falsafa.extract.builtin import BuiltinExtractor, quote_spans_in_words
from falsafa.extract.cast import candidates, find_cast
from falsafa.extract.quotes import find_quotes
from falsafa.extract.text import Layout
from tests.extract.conftest import holder, shared_dir

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


_EMMA = shared_dir() / "data" / "pdnc" / "train" / "Emma.json"


@pytest.mark.skipif(not _EMMA.is_file(), reason=f"no {_EMMA}")
def test_emma_keeps_the_knightley_brothers_apart() -> None:
    # The cast issue's acceptance: Mr. Knightley and his brother John are two
    # people, and the plain "Knightley" is the elder's.
    text = json.loads(_EMMA.read_text(encoding="utf-8"))["text"]
    result = BuiltinExtractor().extract(text)
    elder, younger = holder(result, "Mr. Knightley"), holder(result, "Mr. John Knightley")
    assert elder.id != younger.id
    assert "Knightley" in elder.aliases
    assert elder.mention_count > younger.mention_count > 50
