"""The gold side of training: which gold character is a first-person narrator."""

from __future__ import annotations

import re
from typing import Any

from falsafa.extract.training.gold import GoldBook, gold_narrator

_TEXT = (
    "I walked to the mill that morning, and I found Tom at the gate. My coat "
    "was wet. I told myself to wait. “You are late,” said Tom. I said nothing, "
    "for I was tired, and Tom laughed at me. I sat down. I looked at my boots. "
    "“Come,” he said. I went in after him, and I sat by the fire, and I slept."
)


def _mentions(text: str, pattern: str) -> list[list[Any]]:
    return [[m.start(), m.end(), "PRON", "coref"] for m in re.finditer(pattern, text)]


def _book(text: str, first_person: bool = True) -> GoldBook:
    narrator = {
        "id": "n-0",
        "names": ["Pip"],
        "mentions": _mentions(text, r"\b(?:I|me|my|myself)\b"),
    }
    tom = {"id": "t-1", "names": ["Tom"], "mentions": _mentions(text, r"\bTom\b|\bhe\b|\bhim\b")}
    gold = {"characters": [tom, narrator], "quotes": []}
    return GoldBook("invented", "litbank", text, gold, first_person)


def test_the_narrator_is_the_character_whose_mentions_are_the_narrations_i() -> None:
    assert gold_narrator(_book(_TEXT)) == 1


def test_a_third_person_book_has_no_narrator() -> None:
    assert gold_narrator(_book(_TEXT, first_person=False)) is None
    assert gold_narrator(_book(_TEXT)) is not None


def test_an_i_inside_quotes_is_not_the_narrators() -> None:
    text = "Tom came in. “I am here, I am back, my friend, I am home,” said Tom, “I and me.”"
    book = _book(text)
    assert book.gold["characters"][1]["mentions"]  # the quoted "I" is annotated ...
    assert gold_narrator(book) is None  # ... but it is Tom speaking, not a narrator
