"""The layout of a book's text: paragraphs, headings, front matter, words.

Usage::

    from falsafa.extract.text import Layout
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

__all__ = ["WORD_RE", "Layout", "Paragraph", "Word", "is_heading"]

# Letters (any script, so "Bolkónski" is one word) with inner apostrophes.
WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_PARA_SPLIT = re.compile(r"(?:\r?\n[ \t\u00a0]*){2,}")
_GUTENBERG_START = re.compile(
    r"^\*{3} ?START OF (?:THE|THIS) PROJECT GUTENBERG[^\n]*$", re.M | re.I
)
_GUTENBERG_END = re.compile(r"^\*{3} ?END OF (?:THE|THIS) PROJECT GUTENBERG", re.M | re.I)
_HEADING_WORDS = (
    r"chapter|book|part|volume|vol|letter|section|canto|act|scene|epilogue|prologue|"
    r"preface|introduction|contents|appendix|footnotes?|the end|finis|table of contents"
)
_HEADING = re.compile(
    rf"^\s*(?:#+\s.*|(?:{_HEADING_WORDS})\b[^\n]{{0,80}}|[\[(]?[ivxlcdm\d]+[.\])]?\s*(?:[.:—-].*)?|[\W_]+)\s*$",
    re.I,
)
_TOC_LINE = re.compile(
    r"^\s*(?:(?:chapter|book|part|stave|letter)\s+[\divxlcdm]+\b|.*\s\d+\s*$)", re.I
)


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


def is_heading(block: str) -> bool:
    """True for chapter headings, ALL-CAPS titles, Markdown headings, rules.

    Such blocks are never prose, so names in them ("CHAPTER I. MR. BENNET")
    must not count as mentions.
    """
    lines = [ln for ln in block.splitlines() if ln.strip()]
    if not lines:
        return True
    if all(_HEADING.match(ln) for ln in lines):
        return True
    letters = [c for c in block if c.isalpha()]
    # A block without lower case letters is a title, a dedication or a letter head.
    if letters and not any(c.islower() for c in letters) and len(lines) <= 6:
        return True
    return bool(
        len(lines) >= 3 and sum(1 for ln in lines if _TOC_LINE.match(ln)) >= 0.6 * len(lines)
    )


def _body_bounds(text: str) -> tuple[int, int]:
    """The span between Project Gutenberg's start and end markers, if present."""
    start, end = 0, len(text)
    m = _GUTENBERG_START.search(text)
    if m:
        start = m.end()
    m2 = _GUTENBERG_END.search(text, start)
    if m2:
        end = m2.start()
    return start, end


def _front_matter_end(text: str, paras: list[tuple[int, int]]) -> int:
    """Index of the first paragraph of prose.

    Title pages, "By ..." lines and tables of contents come before it; they are
    short blocks without sentences, which is what we skip.
    """
    for i, (a, b) in enumerate(paras[:400]):
        if _is_prose(text[a:b]):
            return i
    return 0


def _is_prose(block: str) -> bool:
    words = WORD_RE.findall(block)
    return len(words) >= 12 and bool(re.search(r"[a-z][.!?;,]", block)) and not is_heading(block)


@dataclass(frozen=True, slots=True)
class Layout:
    """Body paragraphs (headings and front matter removed) and their words."""

    text: str
    paragraphs: tuple[Paragraph, ...]
    words: tuple[Word, ...]

    @classmethod
    def of(cls, text: str) -> Layout:
        body_start, body_end = _body_bounds(text)
        spans: list[tuple[int, int]] = []
        pos = body_start
        for m in _PARA_SPLIT.finditer(text, body_start, body_end):
            spans.append((pos, m.start()))
            pos = m.end()
        spans.append((pos, body_end))
        spans = [_strip(text, a, b) for a, b in spans]
        spans = [(a, b) for a, b in spans if b > a]
        first = _front_matter_end(text, spans) if len(spans) > 20 else 0
        paragraphs: list[Paragraph] = []
        words: list[Word] = []
        for a, b in spans[first:]:
            block = text[a:b]
            if is_heading(block):
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
