"""The built-in extractor: pure Python, two small weight files, no downloads.

Usage::

    from falsafa.extract.builtin import BuiltinExtractor
    result = BuiltinExtractor().extract(text)
    result.characters[0].name        # the most important character
    result.to_score_json()           # what score_extraction.py reads

The stages live in their own modules: ``text`` (paragraphs, headings, front
matter), ``quotes`` (speech spans), ``cast`` (name mentions from
``name_runs``, clustered into people by ``names`` and ``name_merges``,
``appositions``, a woman's "Miss X"/"Mrs X" by ``family_names``,
``descriptions`` such as "the Time Traveller", ``gender``, and the trained
person-or-not scorer in ``persons``), ``speakers`` (each quote's candidate
speakers and the trained scorer that picks one, reading the evidence of
``frames``, ``sieve``, ``resolve`` and ``turns``), ``introductions`` (names
people give themselves in speech), ``pet_names`` (names said to someone who
answers under another name) and ``facts`` (descriptors, actions,
relations). This module wires them together and ranks the characters.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass

from falsafa.extract.cast import find_cast
from falsafa.extract.descriptions import attach_titles, claim_descriptions
from falsafa.extract.facts import describe, relate
from falsafa.extract.introductions import self_introductions
from falsafa.extract.lexicon import Gender
from falsafa.extract.model import Character, Extraction, Mention, Quote
from falsafa.extract.names import NameCluster, merge_cluster, settle_aliases
from falsafa.extract.pet_names import pet_names
from falsafa.extract.quotes import QuoteSpan, find_quotes
from falsafa.extract.scoring import LinearModel
from falsafa.extract.sieve import Kin, MentionRef, SieveState
from falsafa.extract.speakers import Attribution, attribute, load_speaker_model
from falsafa.extract.text import Layout

__all__ = [
    "BuiltinExtractor",
    "CastReading",
    "finish",
    "quote_spans_in_words",
    "read_cast",
    "speaker_state",
]

_PRONOUNS = {"male": "he/him/his", "female": "she/her/hers"}


class BuiltinExtractor:
    """Rules over the raw text; fast enough for War and Peace in seconds."""

    name = "builtin"

    def __init__(self, model: LinearModel | None = None) -> None:
        self._model = model

    def extract(self, text: str) -> Extraction:
        reading = read_cast(text)
        model = self._model if self._model is not None else load_speaker_model()
        return finish(reading, attribute(speaker_state(reading), model))


@dataclass(slots=True)
class CastReading:
    """A book read up to its cast: who is in it and where they are named."""

    layout: Layout
    quotes: list[QuoteSpan]
    in_quote: list[bool]
    quote_words: list[tuple[int, int]]
    clusters: list[NameCluster]
    genders: list[Gender]
    mentions: list[MentionRef]
    narrator: int | None


def read_cast(text: str) -> CastReading:
    """Quotes, names, the people among them and their genders."""
    layout = Layout.of(text)
    qspans = find_quotes(layout)
    in_quote, quote_words = quote_spans_in_words(layout, qspans)
    cast = find_cast(layout, in_quote)
    clusters, genders = cast.clusters, cast.genders
    clusters, genders = claim_descriptions(clusters, genders)
    attach_titles(layout, clusters)
    mentions = sorted(
        (
            # A description's mention starts at its "the", so that the
            # speech frames read "said the Time Traveller" as a name.
            MentionRef(
                r.word_index - (1 if r.article else 0),
                r.word_index + len(r.parts) + (1 if r.title else 0) - 1,
                ci,
                in_quote[r.word_index],
            )
            for ci, c in enumerate(clusters)
            for r in c.runs
        ),
        key=lambda m: m.w0,
    )
    narrator = _narrator(layout, in_quote, mentions)
    genders = ["unknown" if c.group else g for c, g in zip(clusters, genders, strict=True)]
    return CastReading(layout, qspans, in_quote, quote_words, clusters, genders, mentions, narrator)


def speaker_state(r: CastReading) -> SieveState:
    """The state the speaker frames read, with no speaker chosen yet."""
    return SieveState(
        r.layout,
        r.quotes,
        r.mentions,
        {m.w0: m for m in r.mentions},
        r.genders,
        r.narrator,
        r.in_quote,
        r.quote_words,
        [m.w0 for m in r.mentions],
        [w.start for w in r.layout.words],
        [Kin(c.tclass, frozenset(c.lasts), c.group) for c in r.clusters],
        [None] * len(r.quotes),
        [w0 for w0, _ in r.quote_words],
    )


def finish(r: CastReading, found: Attribution) -> Extraction:
    """Names people give themselves, pet names, aliases; then the ranked result."""
    speakers, addressees = found.speakers, found.addressees
    pairs = self_introductions(r.layout, r.quote_words, speakers, r.mentions, r.genders)
    pairs += pet_names(
        r.layout.text,
        r.clusters,
        r.quotes,
        speakers,
        found.vocatives,
        found.named_frames,
        r.genders,
    )
    clusters, genders, speakers, addressees = _merge_introduced(
        pairs, list(r.clusters), list(r.genders), list(speakers), list(addressees)
    )
    settle_aliases(clusters)
    return _assemble(
        r.layout, clusters, genders, r.quotes, speakers, addressees, found.confidences, r.in_quote
    )


def _merge_introduced(
    pairs: list[tuple[int, int]],
    clusters: list[NameCluster],
    genders: list[Gender],
    speakers: list[int | None],
    addressees: list[int | None],
) -> tuple[list[NameCluster], list[Gender], list[int | None], list[int | None]]:
    """Fold each self-introduced name into its speaker and renumber the clusters."""
    if not pairs:
        return clusters, genders, speakers, addressees
    into = list(range(len(clusters)))

    def root(i: int) -> int:
        while into[i] != i:
            i = into[i]
        return i

    for named, speaker in pairs:
        a, b = root(named), root(speaker)
        if a != b:
            into[a] = b
            merge_cluster(clusters[b], clusters[a])
            if genders[b] == "unknown":
                genders[b] = genders[a]
    kept = [i for i in range(len(clusters)) if root(i) == i]
    new = {old: n for n, old in enumerate(kept)}

    def renumber(xs: list[int | None]) -> list[int | None]:
        return [x if x is None or x < 0 else new[root(x)] for x in xs]

    return (
        [clusters[i] for i in kept],
        [genders[i] for i in kept],
        renumber(speakers),
        renumber(addressees),
    )


def quote_spans_in_words(
    layout: Layout, quotes: list[QuoteSpan]
) -> tuple[list[bool], list[tuple[int, int]]]:
    """Per word, whether it is inside a quote; per quote, its word range."""
    starts = [w.start for w in layout.words]
    in_quote = [False] * len(starts)
    spans: list[tuple[int, int]] = []
    for q in quotes:
        i = bisect.bisect_left(starts, q.start)
        j = bisect.bisect_left(starts, q.end)
        for k in range(i, j):
            in_quote[k] = True
        spans.append((i, j))
    return in_quote, spans


def _narrator(layout: Layout, in_quote: list[bool], mentions: list[MentionRef]) -> int | None:
    """The first-person narrator's cluster, when the book tells us their name.

    We only trust explicit statements ("my name is Pip", "I called myself
    Pip", "call me Ishmael").
    """
    by_start = {m.w0: m for m in mentions}
    words = layout.words
    for k, w in enumerate(words):
        if in_quote[k] or (k + 1) not in by_start:
            continue
        lw = w.text.lower()
        prev = words[k - 1].text.lower() if k else ""
        if lw in {"myself", "me"} and prev in {"called", "call", "named"}:
            return by_start[k + 1].cluster
        if lw == "is" and prev == "name" and k >= 2 and words[k - 2].text.lower() == "my":
            return by_start[k + 1].cluster
    return None


def _assemble(
    layout: Layout,
    clusters: list[NameCluster],
    genders: list[Gender],
    qspans: list[QuoteSpan],
    speakers: list[int | None],
    addressees: list[int | None],
    confidences: list[float | None],
    in_quote: list[bool],
) -> Extraction:
    text = layout.text
    spoken: Counter[int] = Counter(s for s in speakers if s is not None)
    score = [len(c.runs) + spoken[i] for i, c in enumerate(clusters)]
    order = sorted(range(len(clusters)), key=lambda i: (-score[i], clusters[i].runs[0].start))
    ids = [""] * len(clusters)
    for rank, ci in enumerate(order):
        ids[ci] = f"c{rank + 1}"
    descs, acts = describe(layout, [c.runs for c in clusters], in_quote)
    characters = []
    for rank, ci in enumerate(order):
        c = clusters[ci]
        g = genders[ci]
        characters.append(
            Character(
                id=ids[ci],
                name=c.display,
                aliases=tuple(a for a in c.aliases if a != c.display),
                mention_count=score[ci],
                gender=g,
                pronouns=_PRONOUNS.get(g),
                descriptors=descs[ci],
                actions=acts[ci],
                first_offset=c.runs[0].start,
                rank=rank + 1,
            )
        )
    mentions = sorted(
        (
            Mention(r.start, r.end, text[r.start : r.end], ids[ci], "proper")
            for ci, c in enumerate(clusters)
            for r in c.runs
        ),
        key=lambda m: m.start,
    )
    quotes = tuple(
        Quote(
            q.start,
            q.end,
            text[q.start : q.end],
            ids[s] if s is not None else None,
            ids[a] if a is not None else None,
            None if s is None or p is None else round(p, 3),
        )
        for q, s, a, p in zip(qspans, speakers, addressees, confidences, strict=True)
    )
    para_mentions: dict[int, list[tuple[int, int]]] = {}
    for ci, c in enumerate(clusters):
        for r in c.runs:
            para_mentions.setdefault(r.para, []).append((ci, r.start))
    relations = relate(
        para_mentions,
        qspans,
        [q.speaker for q in quotes],
        [q.addressee for q in quotes],
        ids,
    )
    return Extraction(
        characters=tuple(characters),
        quotes=quotes,
        mentions=tuple(mentions),
        relations=tuple(relations),
        extractor="builtin",
    )
