"""How a character speaks: quote choice, speech traits, favourite words, vocatives."""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from falsafa.extract.model import Quote
from falsafa.index import STOPWORDS

__all__ = [
    "BookVocabulary",
    "Vocative",
    "address_gender",
    "clean_quote",
    "find_vocatives",
    "pick_spread",
    "select_quotes",
    "speech_traits",
    "vocative_candidates",
]

WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_CONTRACTION = re.compile(
    r"\b\w+(?:n['’]t|['’](?:ll|re|ve|m|d))\b"
    r"|\b(?:it|that|he|she|there|here|what|who|let|where)['’]s\b",
    re.I,
)
_QUOTE_MARKS = "\"'“”‘’ \n\t"
# Forms of address that say how someone is spoken to without naming them.
_ADDRESS_WORDS = """sir madam ma'am ma’am uncle aunt father mother papa mamma mama brother sister
doctor master mistress miss darling dear child prince princess count countess"""
_ADDRESS_PHRASES = (
    "my dear",
    "my love",
    "my friend",
    "my boy",
    "my child",
    "my lord",
    "my lady",
    "my darling",
    "my dear fellow",
    "my good fellow",
    "old fellow",
    "your excellency",
    "your honour",
    "your honor",
    "ma chère",
    "mon cher",
)
ADDRESS_WORDS = frozenset((*_ADDRESS_WORDS.split(), *_ADDRESS_PHRASES))
_FEMALE_ADDRESS = frozenset(
    "madam ma'am ma’am aunt mother mamma mama sister mistress miss princess countess".split()
) | frozenset(("my lady", "ma chère"))
_MALE_ADDRESS = frozenset("sir uncle father papa brother master prince count".split()) | frozenset(
    ("my boy", "my lord", "my dear fellow", "my good fellow", "old fellow", "mon cher")
)
_SEGMENT_SPLIT = re.compile(r"(?:--|—|[,;:!?()]|(?<!\bMr)(?<!\bMrs)(?<!\bDr)(?<!\bMs)(?<!\bSt)\.)+")
_NAME_WORD = re.compile(r"^(?:[A-Z][\w'’-]*\.?|de|von|van|le|la)$")
_VOCATIVE_LEAD = ("oh ", "o ", "my ", "dear ", "poor ", "old ")


def clean_quote(text: str) -> str:
    """A quote's words without its quotation marks, whitespace collapsed."""
    return " ".join(text.strip(_QUOTE_MARKS).split())


def words_of(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in WORD_RE.findall(text)]


def pick_spread(items: Sequence[Any], k: int) -> list[Any]:
    """``k`` items evenly spaced over ``items`` (all of them if there are fewer)."""
    if len(items) <= k:
        return list(items)
    if k <= 1:
        return [items[len(items) // 2]] if k == 1 else []
    step = (len(items) - 1) / (k - 1)
    return [items[round(i * step)] for i in range(k)]


def select_quotes(
    quotes: Sequence[tuple[Quote, float]], keep: int, skip_first: int = 5
) -> list[tuple[Quote, float]]:
    """Up to ``keep`` of a character's ``(quote, certainty)`` pairs: the surest
    first, spread over the book, varied in length.

    Only the surest lines are drawn from: all those at least as certain as
    the ``keep``-th surest (so framed lines, when there are enough, leave no
    room for the scorer's). The book is cut into ``keep`` stretches of equal
    quote count; each gives one quote: the most certain, then the one of the
    wanted length (cycling short / medium / long) with the most distinct
    content words. The first ``skip_first``
    are left out when at least as many others remain: openings are often
    greetings and stock lines.
    """
    seen: set[str] = set()
    candidates: list[tuple[Quote, float, int]] = []
    for q, sure in sorted(quotes, key=lambda qc: qc[0].start):
        words = words_of(q.text)
        key = " ".join(words)
        if not 3 <= len(words) <= 70 or key in seen:
            continue
        seen.add(key)
        candidates.append((q, sure, len(words)))
    if len(candidates) >= 2 * skip_first:
        candidates = candidates[skip_first:]
    if len(candidates) > keep:
        # The surest ``keep`` make the pool (every framed line before any
        # the scorer is less sure of), then the pool is spread over the book.
        pool = sorted(candidates, key=lambda c: -c[1])[:keep]
        cut = pool[-1][1]
        candidates = [c for c in candidates if c[1] >= cut]
    if len(candidates) <= keep:
        return [(q, sure) for q, sure, _ in candidates]
    chosen: list[tuple[Quote, float]] = []
    size = len(candidates) / keep
    for i in range(keep):
        bin_ = candidates[round(i * size) : round((i + 1) * size)]
        lo, hi = ((3, 10), (11, 25), (26, 70))[i % 3]

        best = max(bin_, key=functools.partial(_rank, lo=lo, hi=hi))
        chosen.append((best[0], best[1]))
    return chosen


def _rank(c: tuple[Quote, float, int], lo: int, hi: int) -> tuple[float, bool, int, int]:
    """Surest first, then of the wanted length, then the richest in content words."""
    content = {w for w in words_of(c[0].text) if w not in STOPWORDS}
    return c[1], lo <= c[2] <= hi, len(content), -c[0].start


def speech_traits(quotes: Iterable[Quote]) -> dict[str, float]:
    """Measurable habits of speech over a set of quotes."""
    n = words = contractions = exclaims = questions = 0
    for q in quotes:
        inner = clean_quote(q.text)
        count = len(WORD_RE.findall(inner))
        if count == 0:
            continue
        n += 1
        words += count
        contractions += len(_CONTRACTION.findall(inner))
        exclaims += "!" in inner
        questions += "?" in inner
    return {
        "quotes": n,
        "mean_words": round(words / n, 1) if n else 0.0,
        "contractions_per_100_words": round(100 * contractions / words, 2) if words else 0.0,
        "exclamation_share": round(exclaims / n, 3) if n else 0.0,
        "question_share": round(questions / n, 3) if n else 0.0,
    }


@dataclass(slots=True)
class BookVocabulary:
    """Word counts of the book's dialogue: the baseline for favourite words.

    Dialogue rather than the whole text, so that words common in any speech
    ("know", "come") do not pass for one speaker's habit."""

    counts: Counter[str]
    total: int

    @classmethod
    def of(cls, texts: Iterable[str]) -> BookVocabulary:
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(words_of(text))
        return cls(counts, sum(counts.values()))

    def favourite_words(
        self, quotes: Sequence[Quote], k: int, exclude: set[str]
    ) -> list[tuple[str, int, int]]:
        """(word, count, first offset) of the words this speaker uses far more
        than everyone else's dialogue does, scored by count x log(rate ratio)."""
        mine: Counter[str] = Counter()
        first: dict[str, int] = {}
        for q in quotes:
            for m in WORD_RE.finditer(q.text):
                w = m.group().lower().replace("’", "'")
                if len(w) < 3 or w in STOPWORDS or w in exclude:
                    continue
                mine[w] += 1
                first.setdefault(w, q.start + m.start())
        n = sum(mine.values())
        min_count = 3 if n >= 400 else 2
        scored = []
        for w, c in mine.items():
            if c < min_count:
                continue
            others = max(self.counts.get(w, 0) - c, 0)
            ratio = (c / n) / ((others + 1) / max(self.total - n, 1))
            if ratio > 2.0:
                scored.append((c * math.log(ratio), w))
        scored.sort(reverse=True)
        return [(w, mine[w], first[w]) for _, w in scored[:k]]


@dataclass(frozen=True, slots=True)
class Vocative:
    """A stretch of a quote between punctuation that may call someone by name
    ("..., Mr. Scrooge!") or by a form of address ("sir", "my dear")."""

    text: str
    start: int
    address_word: bool  # a plain form of address, with no name in it
    core: str  # the name part, leading "my"/"oh"/"dear" removed


def address_gender(phrase: str) -> str:
    """ "female" for "mother" or "ma'am", "male" for "sir" or "my boy", else "unknown"."""
    low = phrase.lower()
    if low in _FEMALE_ADDRESS:
        return "female"
    return "male" if low in _MALE_ADDRESS else "unknown"


def vocative_candidates(quote: Quote) -> list[Vocative]:
    """Every possible vocative in ``quote``; computed once per quote per book."""
    found = []
    text = quote.text
    pos = 0
    for m in [*_SEGMENT_SPLIT.finditer(text), None]:
        end = m.start() if m else len(text)
        raw = text[pos:end]
        seg = " ".join(raw.strip(_QUOTE_MARKS).split())
        start = quote.start + pos + (len(raw) - len(raw.lstrip(_QUOTE_MARKS)))
        pos = m.end() if m else len(text)
        if not seg or len(seg.split()) > 4:
            continue
        low = seg.lower()
        if low in ADDRESS_WORDS:
            found.append(Vocative(low, start, True, ""))
            continue
        core = seg
        for lead in _VOCATIVE_LEAD:
            if core.lower().startswith(lead):
                core = core[len(lead) :]
        words = core.split()
        if words and all(_NAME_WORD.match(w) for w in words):
            found.append(Vocative(seg, start, False, core))
    return found


def find_vocatives(
    candidates: Iterable[Vocative], is_name_of_target: Callable[[str], bool], addressed: bool
) -> list[tuple[str, int]]:
    """(phrase, offset) of the candidates that address the target: names it
    accepts, and, when the quote is known to be addressed to the target, plain
    forms of address too."""
    return [
        (v.text, v.start)
        for v in candidates
        if (v.address_word and addressed) or (not v.address_word and is_name_of_target(v.core))
    ]
