"""What every stage of the attribution sieve shares: one book's state and text tests.

Usage::

    from falsafa.extract.sieve import SieveState, recent
    for cluster, strong in recent(state, word_index):
        ...

:class:`SieveState` holds one book's layout, quotes and name mentions, and the
answers the sieve has reached so far (speakers, addressees, pseudo-speakers
for noun phrases such as "the gentleman"); the stages read and fill it in
place. The helpers read the text around a word: what lies between it and the
next word (:func:`gap_after`), whether it opens a sentence, whether a mention is
oblique (possessive or after a preposition), and which characters were named
or spoke most recently before it.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from falsafa.extract.lexicon import Gender
from falsafa.extract.quotes import QuoteSpan
from falsafa.extract.text import Layout

__all__ = [
    "NARRATOR",
    "Kin",
    "MentionRef",
    "SieveState",
    "gap_after",
    "mentions_before",
    "oblique",
    "opens_sentence",
    "recent",
    "recent_detail",
]


NARRATOR = -1
"""Speaker id of the first-person narrator until we learn their name."""


@dataclass(frozen=True, slots=True)
class MentionRef:
    """A name mention as attribution sees it: word indices and its cluster."""

    w0: int
    w1: int
    cluster: int
    in_quote: bool


@dataclass(frozen=True, slots=True)
class Kin:
    """What kinship phrases need to know about a cluster: its title class and surnames."""

    tclass: str = ""
    surnames: frozenset[str] = frozenset()
    group: bool = False


@dataclass(slots=True)
class SieveState:
    """One book as the sieve reads it, and the answers it has reached so far."""

    layout: Layout
    quotes: Sequence[QuoteSpan]
    mentions: Sequence[MentionRef]
    by_word: dict[int, MentionRef]
    genders: Sequence[Gender]
    narrator: int | None
    in_quote: list[bool]
    quote_words: list[tuple[int, int]]
    mkeys: list[int]
    wstarts: list[int]
    kin: Sequence[Kin]
    speakers: list[int | None] = field(default_factory=list)
    qstarts: list[int] = field(default_factory=list)
    pseudo: dict[str, int] = field(default_factory=dict)
    pseudo_gender: dict[int, Gender] = field(default_factory=dict)
    pseudo_title: dict[int, str] = field(default_factory=dict)
    """The title a noun-phrase speaker is called by ("the count": "count")."""
    addressees: list[int | None] = field(default_factory=list)
    turn: int | None = None
    """The speaker of the quote just before, in a dialogue (set by the explicit-frame sieve)."""
    parties: set[int] = field(default_factory=set)
    pronoun: bool = False
    """Whether the last frame's subject was a third-person pronoun."""
    counts: Counter[int] | None = None


def gap_after(ctx: SieveState, j: int) -> str:
    """The text between word ``j`` and the next word (or the end of the text)."""
    text = ctx.layout.text
    words = ctx.layout.words
    end = words[j + 1].start if j + 1 < len(words) else len(text)
    return text[words[j].end : end]


def recent(ctx: SieveState, word_index: int, limit: int = 40) -> list[tuple[int, bool]]:
    """Characters before ``word_index``, most recent first: (cluster, strong).

    Speakers of earlier quotes and narration mentions that can be a subject
    are strong; names spoken inside quotes, after a preposition ("the portrait
    of Countess Amelia") or possessive ("Holmes's hand") are weak, used only
    when nothing strong fits.
    """
    return [(c, s) for c, s, _pos, _topic in recent_detail(ctx, word_index, limit, topics=False)]


_PREPOSITIONS = frozenset(
    "of to at with for from by on in upon about into towards toward near behind beside "
    "than like".split()
)


def oblique(ctx: SieveState, m: MentionRef) -> bool:
    """Whether a mention is possessive ("Holmes's hand") or after a preposition.

    A possessive that opens a sentence is not: the owner of the subject is
    what the sentence is about ("Tootles' face was very white")."""
    words = ctx.layout.words
    last = words[m.w1].text
    if last.endswith(("'s", "’s")) or ctx.layout.text[words[m.w1].end : words[m.w1].end + 1] in {
        "'",
        "’",
    }:
        # "Tootles' face was very white ... 'I did it,' he said": the owner
        # of a sentence's subject is its topic.
        return not opens_sentence(ctx, m.w0)
    if m.w0 == 0 or words[m.w0 - 1].para != words[m.w0].para:
        return False
    prev = words[m.w0 - 1].text.lower()
    if prev == "for" and _opens_clause(ctx, m.w0 - 1):
        return False  # "; for Colonel Brandon did come in": a conjunction
    return prev in _PREPOSITIONS


def _opens_clause(ctx: SieveState, w: int) -> bool:
    """Whether word ``w`` follows a clause break (a comma, a semicolon, a full
    stop) or opens its paragraph; not a dash, which opens an aside ("--for
    Miss Pross had gone up-stairs--")."""
    if w == 0 or ctx.layout.words[w - 1].para != ctx.layout.words[w].para:
        return True
    gap = gap_after(ctx, w - 1)
    return any(ch in ",;:.!?" for ch in gap) and "-" not in gap and "—" not in gap


def mentions_before(ctx: SieveState, word_index: int, reach: int) -> Iterator[MentionRef]:
    """The name mentions before ``word_index``, nearest first, at most ``reach``
    of them (a bound keeps a backward search linear over a whole book)."""
    k = bisect.bisect_left(ctx.mkeys, word_index) - 1
    stop = max(-1, k - reach)
    while k > stop:
        yield ctx.mentions[k]
        k -= 1


def recent_detail(
    ctx: SieveState, word_index: int, limit: int = 40, *, topics: bool = True
) -> Iterator[tuple[int, bool, int, bool]]:
    """Like :func:`recent`, with each candidate's word index and whether it
    opens a sentence (always False when ``topics`` is off), lazily: a caller
    that stops at the first fit reads no further back."""
    found = 0
    k = bisect.bisect_left(ctx.mkeys, word_index) - 1
    qk = bisect.bisect_left(ctx.qstarts, word_index) - 1
    while found < limit and (k >= 0 or qk >= 0):
        mpos = ctx.mentions[k].w0 if k >= 0 else -1
        qpos = ctx.quote_words[qk][0] if qk >= 0 else -1
        if mpos >= qpos:
            m = ctx.mentions[k]
            strong = not m.in_quote and not oblique(ctx, m)
            found += 1
            yield m.cluster, strong, m.w0, strong and topics and opens_sentence(ctx, m.w0)
            k -= 1
        else:
            s = ctx.speakers[qk]
            if s is not None and s >= 0:
                found += 1
                yield s, True, qpos, topics
            qk -= 1


_OPENERS = frozenset("and but then so when while yet now presently".split())


def opens_sentence(ctx: SieveState, w: int) -> bool:
    """Whether word ``w`` opens a sentence, allowing one "and"/"then" before it."""
    words = ctx.layout.words
    for back in (1, 2):
        j = w - back
        if j < 0 or words[j].para != words[w].para:
            return True
        if any(ch in ".!?;:" for ch in gap_after(ctx, j)):
            return True
        if back == 1 and words[j].text.lower() in _OPENERS:
            continue
        return False
    return False
