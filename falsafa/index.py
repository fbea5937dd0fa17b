"""The passage index: chapters, passages and reading positions. Pure, no I/O.

Usage::

    from falsafa.index import detect_chapters, split_passages, position_to_offset

    chapters = detect_chapters(text)     # [Chapter(1, "STAVE I: MARLEY'S GHOST", 626), ...]
    passages = split_passages(text, book_id)  # ~250 words each, along paragraphs
    assert text[passages[0].start : passages[0].end] == passages[0].text
    limit = position_to_offset(0.25, len(text), chapters)   # a quarter of the way in
    limit = position_to_offset(4, len(text), chapters)      # through the end of chapter 4
    hits = await store.search_passages(book_id, "the letter", before_offset=limit)

Chapter detection looks for headings that open a block of lines: ``CHAPTER IV``,
``Chapter 4.``, ``CHAPTER I. The Title``, ``STAVE ONE``, bare roman numerals
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
import itertools
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from falsafa.store.base import Passage

__all__ = [
    "STOPWORDS",
    "Chapter",
    "chapter_at",
    "chapters_from_passages",
    "detect_chapters",
    "position_to_offset",
    "sentence_spans",
    "split_passages",
]

# A heading is kept only if at least this many words of prose follow it before
# the next heading. Contents entries have none; the shortest real chapter in
# the sample books has hundreds.
MIN_CHAPTER_WORDS = 40

_ROMAN = r"[IVXLCivxlc]+"
_WORDNUM = (
    r"ONE|TWO|THREE|FOUR|FIVE|SIX|SEVEN|EIGHT|NINE|TEN|ELEVEN|TWELVE|THIRTEEN|"
    r"FOURTEEN|FIFTEEN|SIXTEEN|SEVENTEEN|EIGHTEEN|NINETEEN|TWENTY|"
    r"FIRST|SECOND|THIRD|FOURTH|FIFTH|SIXTH|SEVENTH|EIGHTH|NINTH|TENTH|LAST"
)
_NUM = rf"(?:\d+|{_ROMAN}|(?i:{_WORDNUM})|(?i:the\s+(?:{_WORDNUM})))"
_TAIL = r"(?:(?:[.:,]|\s*--|\s*—)\s*|\s+)?(?P<title>.*?)"

_CHAPTER_RE = re.compile(rf"^(?:CHAPTER|Chapter|STAVE|Stave)\s+(?P<num>{_NUM})\b{_TAIL}\s*$")
_CONTAINER_RE = re.compile(
    rf"^(?:(?:BOOK|Book|PART|Part|VOLUME|Volume)\s+(?P<num>{_NUM})\b{_TAIL}"
    rf"|(?:(?:FIRST|SECOND|THIRD|First|Second|Third)\s+)?"
    rf"(?:EPILOGUE|Epilogue|PROLOGUE|Prologue)\b(?:[.:]\s*(?P<title2>.*?))?)\s*$"
)
_ROMAN_RE = re.compile(rf"^(?P<num>{_ROMAN})(?:\.|\.\s+(?P<title>[A-Z“\"'‘].{{0,60}}))?$")
_MARKDOWN_RE = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>\S.*?)\s*#*\s*$")
_GUTENBERG_START = re.compile(r"^\*\*\*\s*START OF (?:THE|THIS) PROJECT GUTENBERG", re.M | re.I)
_GUTENBERG_END = re.compile(r"^\*\*\*\s*END OF (?:THE|THIS) PROJECT GUTENBERG", re.M | re.I)

_MAX_TITLE_CHARS = 80

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


def _roman_value(s: str) -> int | None:
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
    s = s.lower()
    total = 0
    for i, ch in enumerate(s):
        v = values[ch]
        total += -v if i + 1 < len(s) and values[s[i + 1]] > v else v
    # Round-trip check rejects words made of roman letters ("CIVIL", "LI").
    return total if 0 < total < 400 and _to_roman(total) == s else None


def _to_roman(n: int) -> str:
    out = []
    for v, sym in ((100, "c"), (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix")):
        while n >= v:
            out.append(sym)
            n -= v
    for v, sym in ((5, "v"), (4, "iv"), (1, "i")):
        while n >= v:
            out.append(sym)
            n -= v
    return "".join(out)


def _classify(line: str) -> tuple[str, str | None] | None:
    """(kind, title-or-None) if ``line`` (stripped) reads as a heading."""
    if not line or len(line) > _MAX_TITLE_CHARS + 20:
        return None
    m = _CHAPTER_RE.match(line)
    if m and _num_ok(m.group("num")):
        return "chapter", m.group("title")
    m = _CONTAINER_RE.match(line)
    if m and (m.group("num") is None or _num_ok(m.group("num"))):
        title = m.group("title") if m.group("num") is not None else m.group("title2")
        if title is None or len(title) <= _MAX_TITLE_CHARS:
            return "container", title
    m = _ROMAN_RE.match(line)
    if m and m.group("num").isupper() and _roman_value(m.group("num")):
        return "chapter", m.group("title")
    m = _MARKDOWN_RE.match(line)
    if m:
        return f"md{len(m.group('hashes'))}", m.group("title")
    return None


def _num_ok(num: str) -> bool:
    return not re.fullmatch(_ROMAN, num) or _roman_value(num) is not None


def _body_bounds(text: str) -> tuple[int, int]:
    start, end = 0, len(text)
    if m := _GUTENBERG_START.search(text):
        start = text.find("\n", m.end()) + 1 or len(text)
    if m := _GUTENBERG_END.search(text, start):
        end = m.start()
    return start, end


def _scan_headings(text: str) -> list[_Heading]:
    """Every line that opens a block and reads as a heading, with the number of
    prose words up to the next one (lines that look like headings, e.g. the
    rest of a contents block, are not prose)."""
    body_start, body_end = _body_bounds(text)
    headings: list[_Heading] = []
    prev_blank = True
    pos = body_start
    lines = text[body_start:body_end].split("\n")
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
        kind = _classify(line)
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
                    len(lines[i + k].strip()) <= _MAX_TITLE_CHARS for k in range(block)
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


def chapters_from_passages(passages: Iterable[Passage]) -> tuple[list[Chapter], int]:
    """Rebuild (chapters, text length) from stored passages, for chat, which
    has the passages but not the book's text."""
    first: dict[int, Passage] = {}
    length = 0
    for p in sorted(passages, key=lambda p: p.start):
        length = max(length, p.end)
        if p.chapter > 0 and p.chapter not in first:
            first[p.chapter] = p
    chapters = [Chapter(n, p.chapter_title, p.start) for n, p in sorted(first.items())]
    return chapters, length


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
