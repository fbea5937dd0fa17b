"""Is this block or line a heading? Pure; one vocabulary for both questions.

Usage::

    is_heading("CHAPTER I.\nMR. BENNET")     # True: a block that is not prose
    classify_line("CHAPTER I. The Period")    # ("chapter", "The Period")
    classify_line("BOOK ONE: 1805")           # ("container", "1805")
    classify_line("It was the best of times")  # None

    words = numbered_heading_words(lines)     # {"stave"} in A Christmas Carol
    classify_line("STAVE I: MARLEY'S GHOST", words)  # ("chapter", "MARLEY'S GHOST")

``is_heading`` decides which paragraphs extraction reads; ``classify_line``
which lines the index may open a chapter on. Both take their words from
``falsafa.book._text``, and a book's own heading word from
``numbered_heading_words``: one capitalised word and a number, alone on a
line, recurring through the book with the number counting up from one
("Stave I" ... "Stave V", "Lesson 1" ... "Lesson 12") names its chapters,
whatever the word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from falsafa.book._text import CHAPTER_WORDS, CONTAINER_WORDS, FRAME_WORDS, OTHER_HEADING_WORDS

__all__ = [
    "MAX_TITLE_CHARS",
    "classify_line",
    "is_heading",
    "numbered_heading_words",
    "roman_value",
]

MAX_TITLE_CHARS = 80

_HEADING_WORDS = "|".join((*CHAPTER_WORDS, *CONTAINER_WORDS, *FRAME_WORDS, *OTHER_HEADING_WORDS))
_HEADING = re.compile(
    rf"^\s*(?:#+\s.*|(?:{_HEADING_WORDS})\b[^\n]{{0,80}}|[\[(]?[ivxlcdm\d]+[.\])]?\s*(?:[.:—-].*)?|[\W_]+)\s*$",
    re.I,
)
_TOC_WORDS = "|".join((*CHAPTER_WORDS, "book", "part", "letter"))
_TOC_LINE = re.compile(rf"^\s*(?:(?:{_TOC_WORDS})\s+[\divxlcdm]+\b|.*\s\d+\s*$)", re.I)


def _cased(words: tuple[str, ...]) -> str:
    # Chapter headings are written in capitals or title case, never lower case.
    return "|".join(f"{w.upper()}|{w.capitalize()}" for w in words)


_ROMAN = r"[IVXLCivxlc]+"
_WORDNUM = (
    r"ONE|TWO|THREE|FOUR|FIVE|SIX|SEVEN|EIGHT|NINE|TEN|ELEVEN|TWELVE|THIRTEEN|"
    r"FOURTEEN|FIFTEEN|SIXTEEN|SEVENTEEN|EIGHTEEN|NINETEEN|TWENTY|"
    r"FIRST|SECOND|THIRD|FOURTH|FIFTH|SIXTH|SEVENTH|EIGHTH|NINTH|TENTH|LAST"
)
_NUM = rf"(?:\d+|{_ROMAN}|(?i:{_WORDNUM})|(?i:the\s+(?:{_WORDNUM})))"
_TAIL = r"(?:(?:[.:,]|\s*--|\s*—)\s*|\s+)?(?P<title>.*?)"

_CHAPTER_RE = re.compile(rf"^(?:{_cased(CHAPTER_WORDS)})\s+(?P<num>{_NUM})\b{_TAIL}\s*$")
# "VOL. II." is a volume too (Pride and Prejudice's chapters restart in each).
_CONTAINER_RE = re.compile(
    rf"^(?:(?:{_cased(CONTAINER_WORDS)}|VOL\.|Vol\.)\s+(?P<num>{_NUM})\b{_TAIL}"
    rf"|(?:(?:FIRST|SECOND|THIRD|First|Second|Third)\s+)?"
    rf"(?:{_cased(FRAME_WORDS)})\b(?:[.:]\s*(?P<title2>.*?))?)\s*$"
)
# One capitalised word and a number, the line's start (a title may follow).
_NUMBERED_RE = re.compile(
    rf"^(?P<word>[A-Z][a-z]+|[A-Z]{{2,}})\s+(?P<num>\d+|{_ROMAN}|(?i:{_WORDNUM}))\b{_TAIL}\s*$"
)
# A book's own heading word needs this many numbered lines counting up.
MIN_NUMBERED_HEADINGS = 3
_KNOWN_WORDS = frozenset(
    w for w in (*CHAPTER_WORDS, *CONTAINER_WORDS, *FRAME_WORDS, *OTHER_HEADING_WORDS) if w.isalpha()
)
_NUMBER_WORDS = {
    w: i
    for words in (
        "ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE TEN ELEVEN TWELVE THIRTEEN FOURTEEN "
        "FIFTEEN SIXTEEN SEVENTEEN EIGHTEEN NINETEEN TWENTY",
        "FIRST SECOND THIRD FOURTH FIFTH SIXTH SEVENTH EIGHTH NINTH TENTH",
    )
    for i, w in enumerate(words.split(), start=1)
}
_ROMAN_RE = re.compile(rf"^(?P<num>{_ROMAN})(?:\.|\.\s+(?P<title>[A-Z“\"'‘].{{0,60}}))?$")
_MARKDOWN_RE = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>\S.*?)\s*#*\s*$")


def numbered_heading_words(lines: Iterable[str]) -> frozenset[str]:
    """The words (case-folded) that open a book's own chapter headings.

    A word qualifies when at least ``MIN_NUMBERED_HEADINGS`` lines are that
    one capitalised word and a number, and the numbers, in the book's order,
    count up by one from one (a count may start again at one: a table of
    contents before the chapters, or volumes). Words that already have a
    role ("Chapter", "Book", "Letter") keep it.
    """
    numbers: dict[str, list[int]] = {}
    for raw in lines:
        line = raw.strip()
        if not line or len(line) > MAX_TITLE_CHARS + 20:
            continue
        m = _NUMBERED_RE.match(line)
        if m is None or (word := m.group("word").casefold()) in _KNOWN_WORDS:
            continue
        if (value := _number_value(m.group("num"))) is not None:
            numbers.setdefault(word, []).append(value)
    return frozenset(word for word, values in numbers.items() if _counts_up(values))


def _number_value(num: str) -> int | None:
    if num.isdigit():
        return int(num)
    if re.fullmatch(_ROMAN, num):
        return roman_value(num) if num.isupper() else None
    return _NUMBER_WORDS.get(num.upper())  # "LAST" has none


def _counts_up(values: list[int]) -> bool:
    steps = zip([0, *values], values, strict=False)
    return len(set(values)) >= MIN_NUMBERED_HEADINGS and all(
        v == 1 or v == last + 1 for last, v in steps
    )


def _numbered(line: str, words: frozenset[str]) -> re.Match[str] | None:
    m = _NUMBERED_RE.match(line) if words else None
    return m if m is not None and m.group("word").casefold() in words else None


def is_heading(block: str, numbered_words: frozenset[str] = frozenset()) -> bool:
    """True for chapter headings, ALL-CAPS titles, Markdown headings, rules.

    Such blocks are never prose, so names in them ("CHAPTER I. MR. BENNET")
    must not count as mentions. ``numbered_words`` are the book's own heading
    words (:func:`numbered_heading_words`).
    """
    lines = [ln for ln in block.splitlines() if ln.strip()]
    if not lines:
        return True
    if all(_HEADING.match(ln) or _numbered(ln.strip(), numbered_words) for ln in lines):
        return True
    letters = [c for c in block if c.isalpha()]
    # A block without lower case letters is a title, a dedication or a letter head.
    if letters and not any(c.islower() for c in letters) and len(lines) <= 6:
        return True
    return bool(
        len(lines) >= 3 and sum(1 for ln in lines if _TOC_LINE.match(ln)) >= 0.6 * len(lines)
    )


def classify_line(
    line: str, numbered_words: frozenset[str] = frozenset()
) -> tuple[str, str | None] | None:
    """``(kind, title or None)`` when the stripped ``line`` reads as a
    heading: kind ``chapter``, ``container`` or ``md1``..``md6`` (Markdown).
    ``numbered_words`` are the book's own heading words."""
    if not line or len(line) > MAX_TITLE_CHARS + 20:
        return None
    m = _CHAPTER_RE.match(line) or _numbered(line, numbered_words)
    if m and _num_ok(m.group("num")):
        return "chapter", m.group("title")
    m = _CONTAINER_RE.match(line)
    if m and (m.group("num") is None or _num_ok(m.group("num"))):
        title = m.group("title") if m.group("num") is not None else m.group("title2")
        if title is None or len(title) <= MAX_TITLE_CHARS:
            return "container", title
    m = _ROMAN_RE.match(line)
    if m and m.group("num").isupper() and roman_value(m.group("num")):
        return "chapter", m.group("title")
    m = _MARKDOWN_RE.match(line)
    if m:
        return f"md{len(m.group('hashes'))}", m.group("title")
    return None


def _num_ok(num: str) -> bool:
    return not re.fullmatch(_ROMAN, num) or roman_value(num) is not None


def roman_value(s: str) -> int | None:
    """The value of a roman numeral below 400, or None ("CIVIL", "LI" are words)."""
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
