"""The passage index: the book cut into passages for retrieval. Pure, no I/O.

Usage::

    from falsafa.book import BookLayout, detect_chapters
    from falsafa.index import split_passages

    chapters = detect_chapters(text)
    passages = split_passages(text, book_id, chapters=chapters)  # ~250 words, along paragraphs
    assert text[passages[0].start : passages[0].end] == passages[0].text
    limit = BookLayout.of(text).offset_for(4)       # through the end of chapter 4
    hits = await store.search_passages(book_id, "the letter", before_offset=limit)

Chapters come from :mod:`falsafa.book` (the one layout extraction and chat
use too); passages never cross a chapter start.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Sequence

from falsafa.book import Chapter, chapter_at, detect_chapters
from falsafa.store.base import Passage

__all__ = ["STOPWORDS", "sentence_spans", "split_passages"]

# Function words: dropped when building queries or comparing vocabularies.
_STOPWORDS = """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours yourself
    yourselves said say says shall may might must upon one two also yet ever never even much
    many well let us oh o mr mrs miss sir don't i'm it's that's can't won't didn't
    i'll you'll we'll he'll she'll they'll i've you've we've they've i'd you'd he'd she'd we'd
    we're you're they're isn't wasn't aren't weren't doesn't hasn't haven't hadn't wouldn't
    couldn't shouldn't"""
STOPWORDS = frozenset(_STOPWORDS.split())


_ABBREVIATION_WORDS = (
    "mr mrs ms dr st mme mlle messrs prof rev gen col capt lt sgt hon jr sr vs etc no"
)
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]_]*(?=\s+[\"'“‘(\[_]*[A-Z0-9])")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text[start:end]``, whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cur = start
    for m in _SENTENCE_END.finditer(text, start, end):
        word = re.search(r"(\w+)\W*$", text[max(cur, m.start() - 12) : m.start() + 1])
        if m.group().startswith(".") and word and word.group(1).lower() in _ABBREVIATIONS:
            continue
        if word and len(word.group(1)) == 1 and word.group(1).isupper():
            continue  # an initial: "J. M. Barrie"
        spans.append((cur, m.end()))
        cur = m.end()
    spans.append((cur, end))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            out.append((s, e))
    return out


def _paragraph_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    for m in re.finditer(r"\S(?:.*\S)?(?:\n[ \t]*\S.*)*", text[start:end]):
        s, e = start + m.start(), start + m.end()
        while text[e - 1].isspace():
            e -= 1
        spans.append((s, e))
    return spans


def _pieces(text: str, start: int, end: int, target: int) -> list[tuple[int, int, int]]:
    """(start, end, words) of paragraphs, over-long ones cut at sentences."""
    out = []
    for ps, pe in _paragraph_spans(text, start, end):
        words = len(text[ps:pe].split())
        if words <= target * 3 // 2:
            out.append((ps, pe, words))
            continue
        for ss, se in sentence_spans(text, ps, pe):
            out.append((ss, se, len(text[ss:se].split())))
    return out


def split_passages(
    text: str,
    book_id: uuid.UUID,
    target_words: int = 250,
    chapters: Sequence[Chapter] | None = None,
) -> list[Passage]:
    """Cut the book into passages of about ``target_words`` words.

    Passages never cross a chapter start, break only between paragraphs (or
    sentences of a very long paragraph), and satisfy
    ``text[p.start:p.end] == p.text``. Only whitespace falls between them.
    """
    if chapters is None:
        chapters = detect_chapters(text)
    bounds = [0, *(c.start for c in chapters if c.start > 0), len(text)]
    passages: list[Passage] = []
    for sec_start, sec_end in itertools.pairwise(bounds):
        groups: list[list[tuple[int, int, int]]] = []
        current: list[tuple[int, int, int]] = []
        words = 0
        for piece in _pieces(text, sec_start, sec_end, target_words):
            if current and words >= target_words // 2 and words + piece[2] > target_words * 3 // 2:
                groups.append(current)
                current, words = [], 0
            current.append(piece)
            words += piece[2]
            if words >= target_words:
                groups.append(current)
                current, words = [], 0
        if current:
            # A short tail joins the passage before it rather than stand alone.
            if groups and words < target_words // 3:
                groups[-1].extend(current)
            else:
                groups.append(current)
        chapter = chapter_at(chapters, sec_start)
        for group in groups:
            s, e = group[0][0], group[-1][1]
            passages.append(
                Passage(
                    book_id=book_id,
                    ordinal=len(passages),
                    chapter=chapter.number if chapter else 0,
                    chapter_title=chapter.title if chapter else "",
                    start=s,
                    end=e,
                    text=text[s:e],
                )
            )
    return passages
