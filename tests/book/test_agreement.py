"""Extraction and the passage index read one layout of every shared book.

Extraction reads ``Layout.of(text)`` paragraphs; the index cuts passages
along ``detect_chapters(text)``; personas and chat place offsets in chapters
with ``chapter_at``. For each shared novel and PDNC text: both stay inside
the same body, no paragraph of prose holds a chapter's heading line or
straddles a chapter start, and the chapter of every paragraph is the chapter
of the passage it is in.
"""

from __future__ import annotations

import bisect
import uuid

import pytest

from falsafa.book import Layout, body_bounds, chapter_at, detect_chapters
from falsafa.index import split_passages
from tests.book.books import BOOK_STEMS, PDNC_STEMS, read_book, read_pdnc


def check_agreement(text: str) -> int:
    layout = Layout.of(text)
    chapters = detect_chapters(text)
    start, end = body_bounds(text)
    assert all(start <= p.start and p.end <= end for p in layout.paragraphs)
    assert all(start <= c.start < end for c in chapters)

    para_starts = [p.start for p in layout.paragraphs]
    for chapter in chapters:
        line_end = text.find("\n", chapter.start) % (len(text) + 1)
        i = bisect.bisect_right(para_starts, chapter.start) - 1
        if i >= 0:
            before = layout.paragraphs[i]
            assert before.end <= chapter.start, f"prose straddles {chapter.title!r}"
        following = layout.paragraphs[i + 1] if i + 1 < len(para_starts) else None
        assert following is None or following.start >= line_end, chapter.title

    passages = split_passages(text, uuid.uuid4(), chapters=chapters)
    passage_starts = [p.start for p in passages]
    for para in layout.paragraphs:
        passage = passages[bisect.bisect_right(passage_starts, para.start) - 1]
        assert passage.start <= para.start < passage.end
        chapter = chapter_at(chapters, para.start)
        assert passage.chapter == (chapter.number if chapter else 0), text[para.start : para.end]
    return len(chapters)


@pytest.mark.parametrize("stem", BOOK_STEMS)
def test_shared_books_agree(stem: str) -> None:
    assert check_agreement(read_book(stem)) >= 5


@pytest.mark.parametrize("stem", PDNC_STEMS)
def test_pdnc_texts_agree(stem: str) -> None:
    assert check_agreement(read_pdnc(stem)) >= 1


def test_gutenberg_markers_bound_both() -> None:
    prose = " ".join(["The rain fell on the town and nobody in it minded very much."] * 6)
    body = "\n\n".join(f"CHAPTER {n}\n\n{prose}\n\n{prose}" for n in ("I", "II"))
    text = (
        "The Project Gutenberg eBook of X\n\nCHAPTER I\n\n"
        "***START OF THE PROJECT GUTENBERG EBOOK X ***\n"
        f"{body}\n\n*** END OF THE PROJECT GUTENBERG EBOOK X ***\n\n{prose}\n"
    )
    start, end = body_bounds(text)
    assert text[start:].startswith("CHAPTER I\n") and text[end:].startswith("*** END")
    assert check_agreement(text) == 2
    layout = Layout.of(text)
    assert layout.paragraphs[0].start > start and layout.paragraphs[-1].end < end
