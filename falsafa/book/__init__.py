"""The book's text laid out: body bounds, paragraphs, headings, chapters. Pure.

Usage::

    from falsafa.book import BookLayout, Layout, body_bounds, detect_chapters

    start, end = body_bounds(text)        # inside Project Gutenberg's markers
    layout = Layout.of(text)              # prose paragraphs and words (extraction)
    chapters = detect_chapters(text)      # chapters (the passage index, personas)
    stored = BookLayout.of(text)          # length + chapters, kept on the book for chat
    stored.offset_for(0.5)                # a reading position as an offset
    text = decode_text(uploaded_bytes)    # UTF-8, UTF-16 or Windows-1252, else UnreadableText

This is the one place that decides where a book starts and ends and what is
a heading: extraction, the passage index and chat all read it from here, so
their offsets agree (``tests/book/test_agreement.py`` checks it on every
shared book).
"""

from falsafa.book._chapters import (
    MIN_CHAPTER_WORDS,
    BookLayout,
    Chapter,
    chapter_at,
    detect_chapters,
    position_to_offset,
)
from falsafa.book._decode import UnreadableText, decode_text
from falsafa.book._headings import classify_line, is_heading, numbered_heading_words
from falsafa.book._layout import Layout, Paragraph, Word
from falsafa.book._text import WORD_RE, body_bounds

__all__ = [
    "MIN_CHAPTER_WORDS",
    "WORD_RE",
    "BookLayout",
    "Chapter",
    "Layout",
    "Paragraph",
    "UnreadableText",
    "Word",
    "body_bounds",
    "chapter_at",
    "classify_line",
    "decode_text",
    "detect_chapters",
    "is_heading",
    "numbered_heading_words",
    "position_to_offset",
]
