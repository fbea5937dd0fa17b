"""The layout of a book's text, as extraction reads it (``falsafa.book``).

Usage::

    from falsafa.extract.text import Layout
    layout = Layout.of(text)
    for para in layout.paragraphs:          # body prose only
        print(text[para.start:para.end])
    layout.words                             # every word token, with offsets

The layout itself lives in :mod:`falsafa.book`, shared with the passage
index; this module keeps extraction's import path.
"""

from __future__ import annotations

from falsafa.book import WORD_RE, Layout, Paragraph, Word, is_heading

__all__ = ["WORD_RE", "Layout", "Paragraph", "Word", "is_heading"]
