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


def describe(
    layout: Layout, runs_by_cluster: Sequence[Sequence[NameRun]], in_quote: list[bool]
) -> tuple[list[tuple[tuple[str, int], ...]], list[tuple[tuple[str, int], ...]]]:
    """Descriptors and actions per cluster: ``(word, first_offset)``, most frequent first."""
    words = layout.words
    text = layout.text
    descs: list[tuple[tuple[str, int], ...]] = []
    acts: list[tuple[tuple[str, int], ...]] = []
    for runs in runs_by_cluster:
        dcount: Counter[str] = Counter()
        acount: Counter[str] = Counter()
        first: dict[str, int] = {}
        afirst: dict[str, int] = {}
        for r in runs:
            k = r.word_index
            if in_quote[k]:
                continue
            last = k + len(r.parts) + (1 if r.title else 0) - 1
            for back in (1, 2):
                j = k - back
                if j < 0 or words[j].para != r.para:
                    break
                cand = words[j].text
                if not (_adjective(cand) or (back == 1 and cand.lower() in _ADJECTIVES)):
                    break
                dcount[cand.lower()] += 1
                first.setdefault(cand.lower(), words[j].start)
            nxt = last + 1
            if nxt >= len(words) or words[nxt].para != r.para:
                continue
            gap = text[words[last].end : words[nxt].start]
            if gap.strip() == "," and words[nxt].text.lower() in {"a", "an", "the"}:
                # Appositive: ", a tall young man," -> "tall", "young", "man".
                for j in range(nxt + 1, min(nxt + 5, len(words))):
                    if text[words[j - 1].end : words[j].start].strip():
                        break
                    w = words[j].text
                    if not w.islower() or (w in _FUNCTION and w not in _ADJECTIVES):
                        break
                    dcount[w] += 1
                    first.setdefault(w, words[j].start)
                continue
            if gap.strip():
                continue
            w = words[nxt].text
            if w.lower() in _COPULA and nxt + 1 < len(words):
                j = nxt + 1
                if words[j].text.lower() in {
                    "very",
                    "so",
                    "rather",
                    "quite",
                    "too",
                    "not",
                } and j + 1 < len(words):
                    j += 1
                if _adjective(words[j].text) or words[j].text in _ADJECTIVES:
                    dcount[words[j].text] += 1
                    first.setdefault(words[j].text, words[j].start)
            if w.endswith("ly") and nxt + 1 < len(words):
                w = words[nxt + 1].text
            if _action(w):
                acount[w.lower()] += 1
                afirst.setdefault(w.lower(), words[nxt].start)
        descs.append(tuple((w, first[w]) for w, _ in dcount.most_common(20)))
        acts.append(tuple((w, afirst[w]) for w, _ in acount.most_common(20)))
    return descs, acts


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
