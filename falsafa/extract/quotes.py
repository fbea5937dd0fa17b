"""Finding direct speech: the spans of quotations, marks included.

Usage::

    from falsafa.extract.quotes import find_quotes
    from falsafa.extract.text import Layout
    layout = Layout.of(text)
    for q in find_quotes(layout):
        print(q.start, q.end, text[q.start:q.end])

A book has one dialogue convention, decided once from counts over the whole
text: double quotes (curly or straight), single quotes (where ``’`` is also
the apostrophe), or dash dialogue (a paragraph opening with ``—`` or ``--``).
Quotation marks of the other kind inside a quote are nested quotes and stay
part of it. A quote still open at the end of its paragraph ends there: that is
how a speech running over several paragraphs is printed (the opening mark is
repeated on each, the closing one only at the very end).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from falsafa.extract.lexicon import SPEECH_VERBS
from falsafa.extract.text import Layout

__all__ = ["QuoteSpan", "dialogue_style", "find_quotes"]


@dataclass(frozen=True, slots=True)
class QuoteSpan:
    """One quotation in paragraph ``para``; ``text[start:end]`` includes its marks."""

    start: int
    end: int
    para: int


_OPEN_BEFORE = set(' \t\r\n([{—–-\u00a0“"_')
# Elisions that begin with an apostrophe in dialect ("'em", "'tis"), never
# the opening of a single-quoted speech.
_ELISIONS = frozenset(
    [
        "em",
        "tis",
        "twas",
        "twere",
        "twill",
        "twould",
        "n",
        "ave",
        "ere",
        "im",
        "er",
        "un",
        "ud",
        "cept",
        "bout",
        "fore",
        "cause",
        "nough",
        "ow",
        "alf",
        "ome",
        "appen",
        "eard",
        "ard",
        "ead",
        "ouse",
        "is",
        "s",
        "t",
        "d",
        "ll",
        "re",
        "ve",
        "m",
    ]
)
_DASH_START = re.compile(r"\s*(?:—|–|--)")
_SPEECH_ALT = "|".join(sorted(SPEECH_VERBS, key=len, reverse=True))
# In dash dialogue the speech ends where the narrator's tag begins:
# "—Back to barracks! he said sternly." -> the quote is "—Back to barracks!".
_DASH_TAG = re.compile(
    rf"(?<=[,.!?;:])\s+(?=(?:(?:he|she|I|they|we|it|you|[A-Z][\w’']+(?:\s[A-Z][\w’']+)?)"
    rf"(?:\s\w+ly)?\s(?:{_SPEECH_ALT})\b|(?:{_SPEECH_ALT})\s))"
)


def dialogue_style(layout: Layout) -> str:
    """``"double"``, ``"single"`` or ``"dash"``: the book's main convention."""
    text = layout.text
    doubles = singles = dashes = 0
    for p in layout.paragraphs:
        block = text[p.start : p.end]
        doubles += block.count("“") + block.count('"')
        for i, ch in enumerate(block):
            if ch in "‘'" and (i == 0 or block[i - 1] in _OPEN_BEFORE) and i + 1 < len(block):
                nxt = block[i + 1]
                if nxt.isalpha() or nxt in "_—":
                    word = re.match(r"[A-Za-z]+", block[i + 1 :])
                    if word and word.group().lower() in _ELISIONS:
                        continue
                    singles += 1
        if _DASH_START.match(block) and '"' not in block and "“" not in block:
            dashes += 1
    if dashes >= 3 and dashes > doubles / 2 and dashes > singles:
        return "dash"
    if singles >= 3 and singles > doubles * 1.2:
        return "single"
    return "double"


def find_quotes(layout: Layout, style: str | None = None) -> list[QuoteSpan]:
    """Every quotation of the body, in text order, scare quotes left out."""
    return [q for q in _all_quotes(layout, style) if not _is_scare_quote(layout.text, q)]


_EMBED_OK = SPEECH_VERBS | {"that"}


_NEXT_WORD = re.compile(r"\s+([a-z]+)")
_SUBJECTS = frozenset("he she i they we you it".split())


def _is_scare_quote(text: str, q: QuoteSpan) -> bool:
    """A short quoted phrase inside narration ("the “grand hotel”") is not speech,
    nor a nickname written in quotes: '...,” said “Uncle,” “only mind', '“Uncle”
    looked round'."""
    inner = text[q.start + 1 : q.end]
    words = re.findall(r"[^\W_]+", inner)
    if len(words) <= 1 and len(inner.strip(" “”\"‘’',.")) <= 1:
        return True
    if len(words) > 5:
        return False
    if len(words) == 1 and words[0][:1].isupper() and _names_a_speaker(text, q):
        return True
    if len(words) <= 3 and not re.search(r"[,.!?;:…—-]", inner[:-1]) and not _after_verb(text, q):
        nxt = _NEXT_WORD.match(text, q.end)
        if nxt and nxt.group(1) not in SPEECH_VERBS and nxt.group(1) not in _SUBJECTS:
            return True  # "“Uncle” looked round": a name in quotes, then its verb
    before = text[max(0, q.start - 40) : q.start].rstrip(" \t\r\n")
    if not before or not before[-1].isalpha():
        return False
    return not _after_verb(text, q)


def _after_verb(text: str, q: QuoteSpan) -> bool:
    """Whether the quote follows a speech verb or "that": 'Wendy said “tea first”'."""
    m = re.search(r"([^\W\d_]+)[ \t\r\n]*$", text[max(0, q.start - 40) : q.start])
    return bool(m and m.group(1).lower() in _EMBED_OK)


def _names_a_speaker(text: str, q: QuoteSpan) -> bool:
    """Whether a one-word quote is the subject of the frame of the quote before
    it: '“...,” said “Uncle,”' (a closing mark, a speech verb, then the word)."""
    before = text[max(0, q.start - 40) : q.start]
    m = re.search(r"[”\"’']\s*,?\s*([a-z]+)\s+$", before)
    return bool(m and m.group(1) in SPEECH_VERBS)


def _all_quotes(layout: Layout, style: str | None) -> list[QuoteSpan]:
    style = style or dialogue_style(layout)
    out: list[QuoteSpan] = []
    text = layout.text
    for p in layout.paragraphs:
        if style == "dash":
            if _DASH_START.match(text, p.start) and '"' not in text[p.start : p.end]:
                out.extend(_dash_quotes(text, p.start, p.end, p.index))
                continue
            out.extend(_double_quotes(text, p.start, p.end, p.index))
        elif style == "single":
            out.extend(_single_quotes(text, p.start, p.end, p.index))
        else:
            out.extend(_double_quotes(text, p.start, p.end, p.index))
    return out


def _close(text: str, start: int, end: int, para: int) -> QuoteSpan | None:
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start < 2:
        return None
    return QuoteSpan(start, end, para)


def _double_quotes(text: str, a: int, b: int, para: int) -> list[QuoteSpan]:
    spans: list[QuoteSpan] = []
    open_at: int | None = None
    for i in range(a, b):
        ch = text[i]
        if ch == "“" or (ch == '"' and open_at is None):
            if open_at is not None:
                # A new opening mark while a quote is open: the previous one was
                # never closed (a typo or a broken line), so end it here.
                q = _close(text, open_at, i, para)
                if q:
                    spans.append(q)
            open_at = i
        elif ch in '”"' and open_at is not None:
            q = _close(text, open_at, i + 1, para)
            if q:
                spans.append(q)
            open_at = None
    if open_at is not None:
        q = _close(text, open_at, b, para)
        if q:
            spans.append(q)
    return spans


def _single_quotes(text: str, a: int, b: int, para: int) -> list[QuoteSpan]:
    spans: list[QuoteSpan] = []
    open_at: int | None = None
    nested = False
    for i in range(a, b):
        ch = text[i]
        if ch in '“"':
            nested = not nested if ch == '"' else True
            continue
        if ch == "”":
            nested = False
            continue
        if ch not in "‘’'" or nested:
            continue
        if open_at is None:
            if _opens_single(text, i, a, b):
                open_at = i
            continue
        if not _closes_single(text, i, b):
            continue
        q = _close(text, open_at, i + 1, para)
        if q:
            spans.append(q)
        open_at = None
    if open_at is not None:
        q = _close(text, open_at, b, para)
        if q:
            spans.append(q)
    return spans


def _opens_single(text: str, i: int, a: int, b: int) -> bool:
    """Does the mark at ``i`` open a single-quoted speech (not an elision
    such as "'em" or "'tis")?"""
    ch = text[i]
    prev = text[i - 1] if i > a else " "
    nxt = text[i + 1] if i + 1 < b else " "
    if ch not in "‘'" or not (i == a or prev in _OPEN_BEFORE) or nxt.isspace():
        return False
    word = re.match(r"[A-Za-z]+", text[i + 1 : i + 8])
    return not (word and word.group().lower() in _ELISIONS and ch == "'")


def _closes_single(text: str, i: int, b: int) -> bool:
    """Does the mark at ``i`` close the open single-quoted speech?"""
    ch = text[i]
    prev = text[i - 1]
    nxt = text[i + 1] if i + 1 < b else " "
    if ch == "‘" and prev in _OPEN_BEFORE:
        return False  # a nested single quote opening inside the speech
    if prev.isspace() or (nxt.isalpha() and prev.isalpha()):
        return False  # an apostrophe inside a word ("don’t")
    if prev.isalpha() and prev in "sS" and re.match(r"\s+[a-z]", text[i + 1 : i + 3]):
        return False  # a plural possessive ("the boys’ dog")
    return not (prev.isalpha() and not nxt.isspace() and nxt not in ",.;:!?—-)" and i + 1 < b)


def _dash_quotes(text: str, a: int, b: int, para: int) -> list[QuoteSpan]:
    m = _DASH_START.match(text, a)
    start = m.start() + (len(m.group()) - len(m.group().lstrip())) if m else a
    spans: list[QuoteSpan] = []
    block = text[start:b]
    tag = _DASH_TAG.search(block)
    if not tag:
        q = _close(text, start, b, para)
        return [q] if q else []
    q = _close(text, start, start + tag.start(), para)
    if q:
        spans.append(q)
    # The speech may resume after the tag's sentence: "..., he said. That will do."
    rest = re.search(r"[.!?:]\s+(?=[A-Z“‘—])", block[tag.end() :])
    if rest:
        s2 = start + tag.end() + rest.end()
        q2 = _close(text, s2, b, para)
        if q2 and len(text[s2:b].split()) >= 1:
            spans.append(q2)
    return spans
