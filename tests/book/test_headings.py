"""A book's own heading word: one capitalised word and a number, counting up.

A Christmas Carol calls its chapters "Stave One" ... "Stave Five"; no list of
heading words names "stave". The rule finds such a word in any book, and
``tests/book/test_chapters.py`` checks Carol's five staves on the real text.
"""

from __future__ import annotations

from falsafa.book import Layout, classify_line, detect_chapters, numbered_heading_words

PROSE = " ".join(["The kettle sang on the hob while the snow came down outside."] * 6)


def _book(*headings: str) -> str:
    return "\n\n".join(f"{h}\n\n{PROSE}\n\n{PROSE}" for h in headings) + "\n"


def test_an_invented_heading_word_that_counts_up_opens_chapters() -> None:
    contents = (
        "CONTENTS\n\nCanticle I: The Kettle\nCanticle II: The Snow\nCanticle III: The Door\n\n"
    )
    text = contents + _book(
        "CANTICLE I: THE KETTLE", "CANTICLE II: THE SNOW", "CANTICLE III: THE DOOR"
    )
    assert numbered_heading_words(text.splitlines()) == {"canticle"}
    chapters = detect_chapters(text)
    assert [c.title for c in chapters] == [
        "CANTICLE I: THE KETTLE",
        "CANTICLE II: THE SNOW",
        "CANTICLE III: THE DOOR",
    ]
    assert text[chapters[0].start :].startswith("CANTICLE I: THE KETTLE\n\nThe kettle")
    # Extraction reads the same headings as headings, never as prose.
    layout = Layout.of(text)
    assert all(not text[p.start : p.end].startswith("CANTICLE") for p in layout.paragraphs)
    assert len(layout.paragraphs) == 6


def test_words_in_number_and_digits_count_too() -> None:
    lines = ["Lesson One", "Lesson Two", "Lesson Three", "Round 1", "Round 2", "Round 3"]
    assert numbered_heading_words(lines) == {"lesson", "round"}
    assert classify_line("Lesson Two", frozenset({"lesson"})) == ("chapter", "")
    assert classify_line("Lesson Two") is None


def test_a_word_whose_numbers_do_not_count_up_is_no_heading() -> None:
    # Kings and popes recur with numbers, but not 1, 2, 3 in the book's order.
    kings = ["Henry VIII", "Louis XIV", "Henry IV", "Henry V", "Louis XVI"]
    assert numbered_heading_words(kings) == frozenset()
    # Two are not enough to be sure; a word with a role keeps it.
    assert numbered_heading_words(["Stave I", "Stave II"]) == frozenset()
    assert numbered_heading_words(["Letter 1", "Letter 2", "Letter 3"]) == frozenset()
    text = _book("Henry VIII", "Henry IX", "Henry X")  # starts at eight
    assert detect_chapters(text) == []
