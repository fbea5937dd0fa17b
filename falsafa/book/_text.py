"""Where a book's own text is, and the words of its headings. Pure.

Usage::

    start, end = body_bounds(text)      # inside Project Gutenberg's markers, if any
    WORD_RE.findall("Bolkónski's hat")  # ["Bolkónski's", "hat"]

Every heading test in this package (``is_heading`` for blocks, the chapter
scanner for lines) is built from the word lists here, so "CHAPTER" or "BOOK"
is a heading for extraction exactly when it is one for the index. A book's
own heading word ("STAVE I" ... "STAVE V") is found by a rule on the book
(``numbered_heading_words``), not listed here.
"""

from __future__ import annotations

import re

__all__ = [
    "CHAPTER_WORDS",
    "CONTAINER_WORDS",
    "FRAME_WORDS",
    "OTHER_HEADING_WORDS",
    "WORD_RE",
    "body_bounds",
]

# Letters (any script, so "Bolkónski" is one word) with inner apostrophes.
WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")

# Words that open a chapter's heading ("CHAPTER IV", "Chapter 4.").
CHAPTER_WORDS = ("chapter",)
# Words that open a heading grouping chapters ("BOOK ONE: 1805", "PART II").
CONTAINER_WORDS = ("book", "part", "volume")
# A frame around the story: a container, or a chapter when nothing is inside.
FRAME_WORDS = ("epilogue", "prologue")
# Blocks that are never prose but never open a chapter either.
OTHER_HEADING_WORDS = (
    "vol",
    "letter",
    "section",
    "canto",
    "act",
    "scene",
    "preface",
    "introduction",
    "contents",
    "appendix",
    "footnotes?",
    "the end",
    "finis",
    "table of contents",
)

_GUTENBERG_START = re.compile(r"^\*{3}\s*START OF (?:THE|THIS) PROJECT GUTENBERG", re.M | re.I)
_GUTENBERG_END = re.compile(r"^\*{3}\s*END OF (?:THE|THIS) PROJECT GUTENBERG", re.M | re.I)


def body_bounds(text: str) -> tuple[int, int]:
    """``(start, end)`` of the book itself: from the line after Project
    Gutenberg's START marker to its END marker; the whole text without them."""
    start, end = 0, len(text)
    if m := _GUTENBERG_START.search(text):
        start = text.find("\n", m.end()) + 1 or len(text)
    if m := _GUTENBERG_END.search(text, start):
        end = m.start()
    return start, end
