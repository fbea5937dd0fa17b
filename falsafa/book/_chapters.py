"""Chapters and reading positions. Pure.

Usage::

    chapters = detect_chapters(text)     # [Chapter(1, "STAVE I: MARLEY'S GHOST", 626), ...]
    chapter_at(chapters, 9_000)          # the chapter holding that offset, None before the first
    position_to_offset(0.25, len(text), chapters)   # a quarter of the way in
    position_to_offset(4, len(text), chapters)      # through the end of chapter 4

    layout = BookLayout.of(text)         # what is stored on the book for chat
    layout.offset_for(4)                 # the same as position_to_offset(4, ...)
    BookLayout.from_json(layout.to_json()) == layout

Chapter detection looks for headings that open a block of lines: ``CHAPTER IV``,
``Chapter 4.``, ``CHAPTER I. The Title``, the book's own numbered heading word
(``STAVE ONE`` ... ``STAVE FIVE``: ``numbered_heading_words``), bare roman numerals
(``XII`` or ``I. The Period``) and Markdown ``#`` headings. ``BOOK``/``PART``/
``EPILOGUE`` headings group the chapters that follow them ("BOOK ONE: 1805,
CHAPTER I"); one with no chapters inside is a chapter itself. A heading counts
only when real prose follows it: that is what drops the table of contents (a run
of headings with nothing between them) and title-page noise.

Chapters get a running number from 1; text before the first one (title page,
preface) is chapter 0.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from falsafa.book._headings import MAX_TITLE_CHARS, classify_line, numbered_heading_words
from falsafa.book._text import body_bounds

__all__ = [
    "MIN_CHAPTER_WORDS",
    "BookLayout",
    "Chapter",
    "chapter_at",
    "detect_chapters",
    "position_to_offset",
]

# A heading is kept only if at least this many words of prose follow it before
# the next heading. Contents entries have none; the shortest real chapter in
# the sample books has hundreds.
MIN_CHAPTER_WORDS = 40


@dataclass(frozen=True, slots=True)
class Chapter:
    """A chapter: running ``number`` from 1, its heading as ``title``, and the
    offset where it starts (its container's heading, for the first chapter of a
    BOOK or PART, so that no text falls between chapters)."""

    number: int
    title: str
    start: int


@dataclass(slots=True)
class _Heading:
    start: int  # offset of the heading line
    end: int  # offset after the heading (and its title lines)
    title: str
    kind: str  # "chapter" or "container"
    prose_words: int = 0


def _scan_headings(text: str) -> list[_Heading]:
    """Every line that opens a block and reads as a heading, with the number of
    prose words up to the next one (lines that look like headings, e.g. the
    rest of a contents block, are not prose)."""
    body_start, body_end = body_bounds(text)
    headings: list[_Heading] = []
    prev_blank = True
    pos = body_start
    lines = text[body_start:body_end].split("\n")
    numbered = numbered_heading_words(lines)
    i = 0
    while i < len(lines):
        raw = lines[i]
        line = raw.strip()
        line_start = pos
        pos += len(raw) + 1
        i += 1
        if not line:
            prev_blank = True
            continue
        kind = classify_line(line, numbered)
        if kind is None:
            if headings:
                headings[-1].prose_words += len(line.split())
        elif prev_blank:
            heading_end = line_start + len(raw)
            title = " ".join(((kind[1] or line) if kind[0].startswith("md") else line).split())
            # Short lines right under a CHAPTER/BOOK heading carry its title
            # ("CHAPTER I" / "The Period"); prose never stays this short for long.
            if kind[0] in ("chapter", "container"):
                block = 0
                while i + block < len(lines) and lines[i + block].strip():
                    block += 1
                if 0 < block <= 2 and all(
                    len(lines[i + k].strip()) <= MAX_TITLE_CHARS for k in range(block)
                ):
                    for k in range(block):
                        title += " " + " ".join(lines[i + k].split())
                        heading_end = pos + len(lines[i + k])
                        pos += len(lines[i + k]) + 1
                    i += block
            headings.append(_Heading(line_start, heading_end, title, kind[0]))
        prev_blank = False
    return headings


def detect_chapters(text: str) -> list[Chapter]:
    """The book's chapters in order, contents and front matter skipped."""
    headings = _scan_headings(text)
    md_levels = sorted({int(h.kind[2:]) for h in headings if h.kind.startswith("md")})
    for h in headings:
        if h.kind.startswith("md"):
            # The shallowest Markdown level groups the deeper ones, if any.
            level = int(h.kind[2:])
            h.kind = "container" if len(md_levels) > 1 and level == md_levels[0] else "chapter"

    # Walk backwards so each heading knows whether the next kept one is a chapter.
    kept: list[_Heading] = []
    next_is_chapter = False
    for h in reversed(headings):
        real = h.prose_words >= MIN_CHAPTER_WORDS
        if h.kind == "chapter":
            if real:
                kept.append(h)
                next_is_chapter = True
            else:
                next_is_chapter = False
        elif real or next_is_chapter:
            if not next_is_chapter:
                h.kind = "chapter"  # a BOOK/EPILOGUE with no chapters inside
            kept.append(h)
            next_is_chapter = h.kind == "chapter"
        else:
            next_is_chapter = False
    kept.reverse()

    chapters: list[Chapter] = []
    prefix = ""
    container_start: int | None = None
    for h in kept:
        if h.kind == "container":
            prefix = h.title.split(":")[0].rstrip(" .")
            container_start = h.start
            continue
        start = container_start if container_start is not None else h.start
        container_start = None
        title = f"{prefix}, {h.title}" if prefix else h.title
        chapters.append(Chapter(len(chapters) + 1, title, start))
    return chapters


def chapter_at(chapters: Sequence[Chapter], offset: int) -> Chapter | None:
    """The chapter containing ``offset``; None in the front matter."""
    i = bisect.bisect_right([c.start for c in chapters], offset) - 1
    return chapters[i] if i >= 0 else None


def position_to_offset(
    reading_position: float | int, text_length: int, chapters: Sequence[Chapter]
) -> int:
    """The offset up to which the reader has read.

    A ``float`` is a fraction of the book (0.0 to 1.0). An ``int`` is a chapter
    number the reader has finished: the offset is where the next chapter
    starts (0 means only the front matter). Raises ValueError when out of range.
    """
    if isinstance(reading_position, bool):
        raise ValueError("reading position must be a number")
    if isinstance(reading_position, int):
        if reading_position < 0:
            raise ValueError("chapter number must be >= 0")
        later = [c.start for c in chapters if c.number > reading_position]
        if not chapters:
            return text_length if reading_position > 0 else 0
        return min(later) if later else text_length
    if not 0.0 <= reading_position <= 1.0:
        raise ValueError("reading position fraction must be within 0..1")
    return round(reading_position * text_length)


@dataclass(frozen=True, slots=True)
class BookLayout:
    """What chat needs of a book's text to turn a reading position into an
    offset: its length and its chapters. Stored on the book (``books.layout``)."""

    length: int
    chapters: tuple[Chapter, ...] = ()

    @classmethod
    def of(cls, text: str) -> BookLayout:
        return cls(len(text), tuple(detect_chapters(text)))

    def offset_for(self, reading_position: float | int) -> int:
        """See :func:`position_to_offset`."""
        return position_to_offset(reading_position, self.length, self.chapters)

    def to_json(self) -> dict[str, Any]:
        return {
            "length": self.length,
            "chapters": [[c.number, c.title, c.start] for c in self.chapters],
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> BookLayout:
        chapters = tuple(Chapter(int(n), str(t), int(s)) for n, t, s in doc.get("chapters") or ())
        return cls(int(doc.get("length") or 0), chapters)
