"""Chapters and reading positions (``falsafa.book``), on the real books and small texts."""

from __future__ import annotations

import pytest

from falsafa.book import BookLayout, Chapter, detect_chapters, position_to_offset
from tests.book.books import read_book

# Chapters each book really has. Where the book prints a table of contents,
# the number comes from it; otherwise from the headings in the body.
EXPECTED_CHAPTERS = {
    # CONTENTS at the top: "Stave I: Marley's Ghost" ... "Stave V: The End of It".
    "a_christmas_carol": 5,
    # No contents; PART I and PART II hold CHAPTER I-VII each.
    "a_study_in_scarlet": 14,
    # CONTENTS: Book the First, Chapters I-VI; the Second, I-XXIV; the Third, I-XV.
    "a_tale_of_two_cities": 6 + 24 + 15,
    # No contents; PART I-VI hold 7, 7, 6, 6, 5, 8 chapters; the EPILOGUE holds I and II.
    "crime_and_punishment": 7 + 7 + 6 + 6 + 5 + 8 + 2,
    # "Contents:" lists Chapter 1 PETER BREAKS THROUGH ... Chapter 17 WHEN WENDY GREW UP.
    "peter_pan": 17,
    # No contents; CHAPTER 1 ... CHAPTER 50.
    "sense_and_sensibility": 50,
    # No contents; CHAPTER 1 ... CHAPTER 20 after THE PREFACE.
    "the_picture_of_dorian_gray": 20,
    # No contents; bare numerals I ... XII, then an EPILOGUE with no chapters inside.
    "the_time_machine": 13,
    # CONTENTS lists BOOK ONE ... BOOK FIFTEEN, FIRST and SECOND EPILOGUE, each with
    # its CHAPTER lines: 28, 21, 19, 16, 22, 26, 13, 22, 23, 39, 34, 16, 19, 19, 20, 16, 12.
    "war_and_peace": 365,
}


@pytest.mark.parametrize("stem", sorted(EXPECTED_CHAPTERS))
def test_chapter_count_matches_the_book(stem: str) -> None:
    text = read_book(stem)
    chapters = detect_chapters(text)
    assert len(chapters) == EXPECTED_CHAPTERS[stem]
    assert [c.number for c in chapters] == list(range(1, len(chapters) + 1))
    starts = [c.start for c in chapters]
    assert starts == sorted(set(starts))


@pytest.mark.parametrize(
    ("stem", "number", "title"),
    [
        ("war_and_peace", 1, "BOOK ONE, CHAPTER I"),
        ("war_and_peace", 29, "BOOK TWO, CHAPTER I"),
        ("war_and_peace", 365, "SECOND EPILOGUE, CHAPTER XII"),
        ("a_tale_of_two_cities", 7, "Book the Second--the Golden Thread, I. Five Years Later"),
        ("a_christmas_carol", 1, "STAVE I: MARLEY'S GHOST"),
        (
            "a_study_in_scarlet",
            8,
            "PART II. _The Country of the Saints._, CHAPTER I. ON THE GREAT ALKALI PLAIN.",
        ),
        ("crime_and_punishment", 40, "EPILOGUE, I"),
        ("the_time_machine", 13, "EPILOGUE"),
        ("peter_pan", 15, "Chapter 15 “HOOK OR ME THIS TIME”"),
    ],
)
def test_chapter_titles(stem: str, number: int, title: str) -> None:
    chapters = detect_chapters(read_book(stem))
    assert chapters[number - 1].title == title


def test_table_of_contents_is_skipped() -> None:
    text = read_book("war_and_peace")
    first = detect_chapters(text)[0]
    # The contents end where the body's "BOOK ONE: 1805" starts.
    assert text[first.start :].startswith("BOOK ONE: 1805\n\n\n\n\n\nCHAPTER I\n\n“Well, Prince")


PROSE = " ".join(["The rain fell on the town and nobody in it minded very much."] * 6)


def _book(*headings: str) -> str:
    return "\n\n".join(f"{h}\n\n{PROSE}\n\n{PROSE}" for h in headings) + "\n"


@pytest.mark.parametrize(
    ("headings", "titles"),
    [
        (["Chapter 4.", "Chapter 5."], ["Chapter 4.", "Chapter 5."]),
        (
            ["CHAPTER I. The Title", "CHAPTER II. Another"],
            ["CHAPTER I. The Title", "CHAPTER II. Another"],
        ),
        (["STAVE ONE", "STAVE TWO", "STAVE THREE"], ["STAVE ONE", "STAVE TWO", "STAVE THREE"]),
        (["IV", "V"], ["IV", "V"]),
        (["# The Beginning", "# The End"], ["The Beginning", "The End"]),
        (["# Volume", "## One", "## Two"], ["Volume, One", "Volume, Two"]),
    ],
)
def test_heading_styles(headings: list[str], titles: list[str]) -> None:
    assert [c.title for c in detect_chapters(_book(*headings))] == titles


def test_parts_restart_numbering_and_contents_is_dropped() -> None:
    contents = "CONTENTS\n\nPART I\n\nCHAPTER I\n\nCHAPTER II\n\nPART II\n\nCHAPTER I\n\n"
    body = "PART I\n\n" + _book("CHAPTER I", "CHAPTER II") + "\nPART II\n\n" + _book("CHAPTER I")
    chapters = detect_chapters("A NOVEL\n\n" + contents + body)
    assert [c.title for c in chapters] == [
        "PART I, CHAPTER I",
        "PART I, CHAPTER II",
        "PART II, CHAPTER I",
    ]


def test_gutenberg_front_matter_and_stray_numerals_are_ignored() -> None:
    header = "The Project Gutenberg eBook\n\nCHAPTER I\n\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\n\n"
    text = header + _book("CHAPTER I", "CHAPTER II") + "\n\nI. then he said it\nto me.\n"
    chapters = detect_chapters(text)
    assert [c.title for c in chapters] == ["CHAPTER I", "CHAPTER II"]
    assert chapters[0].start > len(header) - 5


def test_position_to_offset() -> None:
    chapters = [Chapter(1, "One", 100), Chapter(2, "Two", 500), Chapter(3, "Three", 900)]
    assert position_to_offset(0.5, 1000, chapters) == 500
    assert position_to_offset(0.0, 1000, chapters) == 0
    assert position_to_offset(1.0, 1000, chapters) == 1000
    assert position_to_offset(0, 1000, chapters) == 100  # the front matter only
    assert position_to_offset(1, 1000, chapters) == 500  # through the end of chapter 1
    assert position_to_offset(3, 1000, chapters) == 1000
    assert position_to_offset(99, 1000, chapters) == 1000
    for bad in (-1, 1.5, -0.1, True):
        with pytest.raises(ValueError):
            position_to_offset(bad, 1000, chapters)


def test_book_layout_round_trips_and_maps_positions() -> None:
    layout = BookLayout(1000, (Chapter(1, "One", 100), Chapter(2, "Two", 500)))
    assert BookLayout.from_json(layout.to_json()) == layout
    assert layout.to_json() == {"length": 1000, "chapters": [[1, "One", 100], [2, "Two", 500]]}
    assert layout.offset_for(1) == 500 and layout.offset_for(0.25) == 250
    assert BookLayout.from_json({}) == BookLayout(0)
    carol = read_book("a_christmas_carol")
    assert BookLayout.of(carol) == BookLayout(len(carol), tuple(detect_chapters(carol)))
