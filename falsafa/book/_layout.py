"""The prose of a book: paragraphs and words, headings and front matter left out.

Usage::

    layout = Layout.of(text)
    for para in layout.paragraphs:          # body prose only
        print(text[para.start:para.end])
    layout.words                             # every word token, with offsets

Nothing here copies or normalises the text: every span is an index into the
string exactly as given, so a leading U+FEFF or CRLF line ends stay in place
and later offsets remain valid for the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from falsafa.book._headings import is_heading, numbered_heading_words
from falsafa.book._text import WORD_RE, body_bounds

__all__ = ["Layout", "Paragraph", "Word"]

_PARA_SPLIT = re.compile(r"(?:\r?\n[ \t\u00a0]*){2,}")


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A block of prose between blank lines."""

    index: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Word:
    """A word token: ``text`` is ``source[start:end]``."""

    start: int
    end: int
    text: str
    para: int


def _front_matter_end(text: str, paras: list[tuple[int, int]], numbered: frozenset[str]) -> int:
    """Index of the first paragraph of prose.

    Title pages, "By ..." lines and tables of contents come before it; they are
    short blocks without sentences, which is what we skip.
    """
    for i, (a, b) in enumerate(paras[:400]):
        if _is_prose(text[a:b], numbered):
            return i
    return 0


def _is_prose(block: str, numbered: frozenset[str]) -> bool:
    words = WORD_RE.findall(block)
    return (
        len(words) >= 12
        and bool(re.search(r"[a-z][.!?;,]", block))
        and not is_heading(block, numbered)
    )


@dataclass(frozen=True, slots=True)
class Layout:
    """Body paragraphs (headings and front matter removed) and their words."""

    text: str
    paragraphs: tuple[Paragraph, ...]
    words: tuple[Word, ...]

    @classmethod
    def of(cls, text: str) -> Layout:
        body_start, body_end = body_bounds(text)
        spans: list[tuple[int, int]] = []
        pos = body_start
        for m in _PARA_SPLIT.finditer(text, body_start, body_end):
            spans.append((pos, m.start()))
            pos = m.end()
        spans.append((pos, body_end))
        spans = [_strip(text, a, b) for a, b in spans]
        spans = [(a, b) for a, b in spans if b > a]
        # The book's own heading word ("STAVE I"), the same as the chapters'.
        numbered = numbered_heading_words(text[body_start:body_end].split("\n"))
        first = _front_matter_end(text, spans, numbered) if len(spans) > 20 else 0
        paragraphs: list[Paragraph] = []
        words: list[Word] = []
        for a, b in spans[first:]:
            block = text[a:b]
            if is_heading(block, numbered):
                continue
            para = Paragraph(len(paragraphs), a, b)
            paragraphs.append(para)
            words.extend(
                Word(m.start(), m.end(), m.group(), para.index)
                for m in WORD_RE.finditer(text, a, b)
            )
        return cls(text, tuple(paragraphs), tuple(words))


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and (text[a].isspace() or text[a] == "\ufeff"):
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b
