"""One book as the speaker scorer reads it: quotes, paragraphs, name mentions.

Usage::

    book = SpeakerBook.of(state)                # a SieveState with quotes and mentions
    book.narration_mentions(para)               # names outside quotes, in text order
    book.by_para[para]                          # quote indices of a paragraph

Everything here is fixed before any speaker is chosen, so it is computed once;
the decisions made so far live in the :class:`SieveState` the frames read.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from dataclasses import dataclass, field

from falsafa.extract.frames import explicit_speaker
from falsafa.extract.sieve import MentionRef, SieveState
from falsafa.extract.speakers.voices import Voices
from falsafa.extract.turns import continued_paragraphs, vocative

__all__ = ["SpeakerBook"]


def _chain_frames(book: SpeakerBook, paras: list[int]) -> dict[int, int]:
    chains: list[list[int]] = []
    for para in paras:
        if para in book.continued and chains:
            chains[-1].append(para)
        else:
            chains.append([para])
    out: dict[int, int] = {}
    for chain in chains:
        if len(chain) < 2:
            continue
        qis = [qi for para in chain for qi in book.by_para[para]]
        named = {who for qi in qis if (who := book.named_frames[qi]) is not None}
        if len(named) == 1:
            out.update(dict.fromkeys(qis, named.pop()))
    return out


def _turns(book: SpeakerBook, paras: list[int]) -> dict[int, tuple[int, int]]:
    out: dict[int, tuple[int, int]] = {}
    run = turn = 0
    for para in paras:
        if para - 1 in out:
            turn += 0 if para in book.continued else 1
        else:
            run, turn = run + 1, 0
        out[para] = (run, turn)
    return out


def _named_frame(state: SieveState, qi: int, addressee: int | None) -> int | None:
    who = explicit_speaker(state, qi, addressee)
    return who if who is not None and who >= 0 and not state.pronoun else None


_FIRST_PERSON = frozenset({"i", "me", "my", "myself", "mine"})
# Subject pronouns only: "cried his wife" and "she told her mother" name
# someone else with "his" and "her", and a speaker is the subject of the
# narration around the quote, not its possessor or object.
_HE = frozenset({"he"})
_SHE = frozenset({"she"})
_WORD = re.compile(r"\w+")


@dataclass(slots=True)
class SpeakerBook:
    """What the scorer needs about one book, computed once."""

    state: SieveState
    by_para: dict[int, list[int]]
    continued: set[int]
    vocatives: list[int | None]
    mention_count: Counter[int]
    first_person_rate: float
    """First-person words per narration word (a first-person narrator's book is high)."""
    named_frames: list[int | None] = field(default_factory=list)
    """The character each quote's frame names outright ("said Mr. Bennet"),
    read before any speaker is chosen, so a quote can see the frames after it."""
    chain_frames: dict[int, int] = field(default_factory=dict)
    """Quote -> the one character named by a frame anywhere in its speech, when
    the speech runs over several paragraphs (each reopened, the last closed)."""
    turn_of: dict[int, tuple[int, int]] = field(default_factory=dict)
    """Quoted paragraph -> (run, turn number): a run is a stretch of quoted
    paragraphs with no narration paragraph between; a continued speech does
    not start a new turn."""
    para_frame: dict[int, int] = field(default_factory=dict)
    """Quoted paragraph -> the character its first named frame names."""
    para_words: dict[int, tuple[int, int]] = field(default_factory=dict)
    para_pronouns: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    """Paragraph -> its narration's "he", "she" and first-person counts, once
    counted (every history of the beam asks for the same paragraphs)."""
    para_anchors: dict[tuple[int, int], list[tuple[int, int]]] = field(default_factory=dict)
    """(paragraph, direction) -> its nearest named frames, once looked up."""
    shares: list[float | None] = field(default_factory=list)
    """Each quote's chosen speaker's share so far (how sure that turn is)."""
    voices: Voices = field(default_factory=lambda: Voices.of([], []))
    """How each character named by a frame talks (their words in those quotes)."""

    @classmethod
    def of(cls, state: SieveState) -> SpeakerBook:
        by_para: dict[int, list[int]] = {}
        for qi, q in enumerate(state.quotes):
            by_para.setdefault(q.para, []).append(qi)
        paras = sorted(by_para)
        counts = Counter(m.cluster for m in state.mentions)
        narration = [
            w.text.lower() for k, w in enumerate(state.layout.words) if not state.in_quote[k]
        ]
        rate = sum(1 for w in narration if w in _FIRST_PERSON) / max(1, len(narration))
        book = cls(
            state,
            by_para,
            continued_paragraphs(state, paras, by_para),
            [],
            counts,
            rate,
        )
        state.addressees = [None] * len(state.quotes)
        book.vocatives = [vocative(state, qi) for qi in range(len(state.quotes))]
        book.named_frames = [
            _named_frame(state, qi, book.vocatives[qi]) for qi in range(len(state.quotes))
        ]
        book.chain_frames = _chain_frames(book, paras)
        words = state.layout.words
        said = [[words[k].text.lower() for k in range(a, b)] for a, b in state.quote_words]
        book.voices = Voices.of(said, book.named_frames)
        book.turn_of = _turns(book, paras)
        for para in paras:
            named = [book.named_frames[qi] for qi in by_para[para]]
            first = next((w for w in named if w is not None), None)
            if first is not None:
                book.para_frame[para] = first
        return book

    def anchors(self, para: int, step: int) -> list[tuple[int, int]]:
        """(turns away, who) for the two nearest named frames of the run,
        looking back (``step`` -1) or ahead (+1) from a paragraph, nearest
        first (once per paragraph: every history of the beam asks)."""
        got = self.para_anchors.get((para, step))
        if got is not None:
            return got
        run, turn = self.turn_of[para]
        out: list[tuple[int, int]] = []
        p = para + step
        while len(out) < 2 and (at := self.turn_of.get(p)) is not None and at[0] == run:
            who = self.para_frame.get(p)
            if who is not None:
                out.append((abs(at[1] - turn), who))
            p += step
        self.para_anchors[(para, step)] = out
        return out

    def words_of(self, para: int) -> tuple[int, int]:
        """The word index range ``[a, b)`` of a paragraph."""
        got = self.para_words.get(para)
        if got is None:
            p = self.state.layout.paragraphs[para]
            a = bisect.bisect_left(self.state.wstarts, p.start)
            b = bisect.bisect_left(self.state.wstarts, p.end)
            got = self.para_words[para] = (a, b)
        return got

    def narration_mentions(self, para: int) -> list[MentionRef]:
        """Name mentions of a paragraph outside its quotes, in text order."""
        if para < 0 or para >= len(self.state.layout.paragraphs):
            return []
        a, b = self.words_of(para)
        k = bisect.bisect_left(self.state.mkeys, a)
        out = []
        for m in self.state.mentions[k:]:
            if m.w0 >= b:
                break
            if not m.in_quote:
                out.append(m)
        return out

    def narration_pronouns(self, para: int) -> tuple[int, int, int]:
        """Counts of "he", "she" and first-person words in a paragraph's narration."""
        if para < 0 or para >= len(self.state.layout.paragraphs):
            return 0, 0, 0
        got = self.para_pronouns.get(para)
        if got is None:
            a, b = self.words_of(para)
            words = self.state.layout.words
            he = she = me = 0
            for k in range(a, b):
                if self.state.in_quote[k]:
                    continue
                w = words[k].text.lower()
                he += w in _HE
                she += w in _SHE
                me += w in _FIRST_PERSON
            got = self.para_pronouns[para] = (he, she, me)
        return got

    def narration_length(self, para: int) -> int:
        if para < 0 or para >= len(self.state.layout.paragraphs):
            return 0
        a, b = self.words_of(para)
        return sum(1 for k in range(a, b) if not self.state.in_quote[k])

    def log_mentions(self, cluster: int) -> float:
        return math.log1p(self.mention_count.get(cluster, 0))
