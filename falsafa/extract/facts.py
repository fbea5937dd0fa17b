"""What the book says about each character, and who is linked to whom.

Usage::

    from falsafa.extract.facts import describe, relate
    descriptors, actions = describe(layout, runs_by_cluster, in_quote)
    relations = relate(para_mentions, quotes, speakers, addressees, ids)

Without a parser we read fixed frames around narrative mentions:
an adjective right before the name ("poor Miss Taylor"), an appositive
(", a tall young man,"), a copula ("Emma was handsome"), and the verb right
after the name ("Buck Mulligan peeped"). Relations are counted, with the
offset where each first shows, so chat can hide what the reader has not
reached.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from falsafa.extract.lexicon import COMMON_CAPITALISED, SPEECH_VERBS
from falsafa.extract.model import Relation
from falsafa.extract.names import NameRun
from falsafa.extract.quotes import QuoteSpan
from falsafa.extract.text import Layout

__all__ = ["describe", "relate"]

_ADJ_SUFFIX = re.compile(r"(?:ful|ous|ive|less|able|ible|ish|al|ic|ent|ant|some|like)$")
_ADJECTIVES = frozenset(
    [
        "old",
        "young",
        "little",
        "poor",
        "dear",
        "good",
        "bad",
        "tall",
        "short",
        "fat",
        "thin",
        "plump",
        "handsome",
        "pretty",
        "ugly",
        "beautiful",
        "rich",
        "wealthy",
        "clever",
        "kind",
        "cruel",
        "gentle",
        "proud",
        "shy",
        "quiet",
        "silent",
        "pale",
        "fair",
        "dark",
        "grave",
        "stern",
        "sad",
        "happy",
        "merry",
        "gay",
        "jolly",
        "sick",
        "ill",
        "weak",
        "strong",
        "brave",
        "wise",
        "foolish",
        "wild",
        "lovely",
        "sweet",
        "honest",
        "cheerful",
        "nervous",
        "anxious",
        "angry",
        "stout",
        "slim",
        "slender",
        "lean",
        "gaunt",
        "grey",
        "gray",
        "white",
        "black",
        "red",
        "tired",
        "sleepy",
        "elderly",
        "aged",
        "blind",
        "deaf",
        "lame",
        "stately",
        "eager",
        "calm",
        "bold",
        "timid",
        "vain",
        "silly",
        "stupid",
        "sharp",
        "quick",
        "slow",
        "great",
        "dull",
        "idle",
        "lazy",
        "busy",
    ]
)
_COPULA = frozenset(
    ["was", "is", "seemed", "looked", "appeared", "became", "grew", "felt", "remained"]
)
_IRREGULAR_PAST = frozenset(
    [
        "went",
        "came",
        "saw",
        "took",
        "made",
        "gave",
        "knew",
        "thought",
        "felt",
        "told",
        "stood",
        "sat",
        "ran",
        "rose",
        "fell",
        "began",
        "spoke",
        "heard",
        "found",
        "left",
        "kept",
        "held",
        "brought",
        "bought",
        "caught",
        "drew",
        "drove",
        "ate",
        "fought",
        "forgot",
        "got",
        "grew",
        "hid",
        "hung",
        "led",
        "lay",
        "lost",
        "meant",
        "met",
        "paid",
        "put",
        "read",
        "rode",
        "rang",
        "sang",
        "sank",
        "shook",
        "shot",
        "slept",
        "smote",
        "spent",
        "sprang",
        "stole",
        "struck",
        "swore",
        "swam",
        "taught",
        "tore",
        "threw",
        "understood",
        "woke",
        "wore",
        "won",
        "wrote",
        "said",
        "replied",
        "cried",
        "asked",
        "answered",
    ]
)
_FUNCTION = COMMON_CAPITALISED


def _adjective(w: str) -> bool:
    lw = w.lower()
    return (
        w.islower() and lw not in _FUNCTION and (lw in _ADJECTIVES or bool(_ADJ_SUFFIX.search(lw)))
    )


def _action(w: str) -> bool:
    lw = w.lower()
    if not w.islower() or (lw in _FUNCTION and lw not in SPEECH_VERBS):
        return False
    return lw in _IRREGULAR_PAST or lw in SPEECH_VERBS or (lw.endswith("ed") and len(lw) > 4)


class _Tally:
    """Words counted with the offset where each was first seen."""

    def __init__(self) -> None:
        self.count: Counter[str] = Counter()
        self.first: dict[str, int] = {}

    def add(self, word: str, offset: int) -> None:
        self.count[word] += 1
        self.first.setdefault(word, offset)

    def top(self) -> tuple[tuple[str, int], ...]:
        return tuple((w, self.first[w]) for w, _ in self.count.most_common(20))


def describe(
    layout: Layout, runs_by_cluster: Sequence[Sequence[NameRun]], in_quote: list[bool]
) -> tuple[list[tuple[tuple[str, int], ...]], list[tuple[tuple[str, int], ...]]]:
    """Descriptors and actions per cluster: ``(word, first_offset)``, most frequent first."""
    descs: list[tuple[tuple[str, int], ...]] = []
    acts: list[tuple[tuple[str, int], ...]] = []
    for runs in runs_by_cluster:
        desc, act = _Tally(), _Tally()
        for r in runs:
            if in_quote[r.word_index]:
                continue
            _epithets_before(layout, r, desc)
            _words_after(layout, r, desc, act)
        descs.append(desc.top())
        acts.append(act.top())
    return descs, acts


def _epithets_before(layout: Layout, r: NameRun, desc: _Tally) -> None:
    """ "poor Tom", "the tall young Tom": up to two adjectives before the name."""
    words = layout.words
    for back in (1, 2):
        j = r.word_index - back
        if j < 0 or words[j].para != r.para:
            break
        cand = words[j].text
        if not (_adjective(cand) or (back == 1 and cand.lower() in _ADJECTIVES)):
            break
        desc.add(cand.lower(), words[j].start)


_DEGREE = frozenset("very so rather quite too not".split())


def _words_after(layout: Layout, r: NameRun, desc: _Tally, act: _Tally) -> None:
    """An appositive (", a tall young man,"), a predicate ("was tall") or
    an act ("laughed", "quickly ran") after the name."""
    words, text = layout.words, layout.text
    last = r.word_index + len(r.parts) + (1 if r.title else 0) - 1
    nxt = last + 1
    if nxt >= len(words) or words[nxt].para != r.para:
        return
    gap = text[words[last].end : words[nxt].start]
    if gap.strip() == "," and words[nxt].text.lower() in {"a", "an", "the"}:
        _appositive(layout, nxt, desc)
        return
    if gap.strip():
        return
    w = words[nxt].text
    if w.lower() in _COPULA and nxt + 1 < len(words):
        j = nxt + 1
        if words[j].text.lower() in _DEGREE and j + 1 < len(words):
            j += 1
        if _adjective(words[j].text) or words[j].text in _ADJECTIVES:
            desc.add(words[j].text, words[j].start)
    if w.endswith("ly") and nxt + 1 < len(words):
        w = words[nxt + 1].text
    if _action(w):
        act.add(w.lower(), words[nxt].start)


def _appositive(layout: Layout, article: int, desc: _Tally) -> None:
    """ ", a tall young man," -> "tall", "young", "man"."""
    words, text = layout.words, layout.text
    for j in range(article + 1, min(article + 5, len(words))):
        if text[words[j - 1].end : words[j].start].strip():
            break
        w = words[j].text
        if not w.islower() or (w in _FUNCTION and w not in _ADJECTIVES):
            break
        desc.add(w, words[j].start)


def relate(
    para_mentions: dict[int, list[tuple[int, int]]],
    quotes: Sequence[QuoteSpan],
    speakers: Sequence[str | None],
    addressees: Sequence[str | None],
    ids: Sequence[str],
) -> list[Relation]:
    """``speaks_to`` from attributed quotes, ``co_occurs`` from paragraphs.

    ``para_mentions`` maps a paragraph index to ``(cluster, offset)`` pairs.
    """
    speak: Counter[tuple[str, str]] = Counter()
    speak_first: dict[tuple[str, str], int] = {}
    for q, s, a in zip(quotes, speakers, addressees, strict=True):
        if s is not None and a is not None and s != a:
            speak[(s, a)] += 1
            speak_first.setdefault((s, a), q.start)
    co: Counter[tuple[str, str]] = Counter()
    co_first: dict[tuple[str, str], int] = {}
    for para in sorted(para_mentions):
        seen: dict[int, int] = {}
        for c, off in para_mentions[para]:
            seen.setdefault(c, off)
        if len(seen) > 12:
            continue  # a crowd scene or a list, not a relation
        members = sorted(seen)
        for i, x in enumerate(members):
            for y in members[i + 1 :]:
                key = (ids[x], ids[y]) if ids[x] < ids[y] else (ids[y], ids[x])
                co[key] += 1
                co_first.setdefault(key, max(seen[x], seen[y]))
    rels = [Relation(a, b, "speaks_to", n, speak_first[(a, b)]) for (a, b), n in speak.items()]
    rels += [Relation(a, b, "co_occurs", n, co_first[(a, b)]) for (a, b), n in co.items()]
    rels.sort(key=lambda r: (-r.weight, r.first_offset))
    return rels
