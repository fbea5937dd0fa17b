"""Who says each quote, and to whom: a deterministic sieve.

Usage::

    from falsafa.extract.attribution import attribute
    speakers, addressees = attribute(layout, quotes, mentions, genders, narrator)

After Muzny et al. (EACL 2017), the sieves run from most to least precise and
a quote keeps the first answer it gets:

1. an explicit speech-verb frame next to the quote ("said Mr. Bennet",
   "she replied", "Elizabeth, after a pause, said:"), the subject resolved
   to a character (pronouns to the nearest preceding character of the same
   gender who is not being addressed; "I" to the narrator);
2. the paragraph: other quotes of a paragraph share its explicit speaker;
3. a character who is the subject of the paragraph's narration
   ("Mr. Bennet made no answer. 'Do you not want to know...'");
4. turn-taking: in a run of quoted paragraphs speakers alternate, and the
   person addressed by a vocative ("Lizzy, ...") answers next;
5. the nearest preceding character who is not the addressee.

Addressees come from vocatives inside the quote, or else the previous
speaker in an alternating conversation.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from falsafa.extract.gender import pronoun_gender
from falsafa.extract.lexicon import SPEECH_VERBS, Gender
from falsafa.extract.quotes import QuoteSpan
from falsafa.extract.text import Layout

__all__ = ["NARRATOR", "MentionRef", "attribute"]

NARRATOR = -1
"""Speaker id of the first-person narrator until we learn their name."""

_ADVERB_OK = frozenset(
    [
        "then",
        "again",
        "quietly",
        "softly",
        "gently",
        "coldly",
        "calmly",
        "at",
        "once",
        "now",
        "presently",
    ]
)
_SUBJECT_PRONOUNS = frozenset({"he", "she", "i"})


@dataclass(frozen=True, slots=True)
class MentionRef:
    """A name mention as attribution sees it: word indices and its cluster."""

    w0: int
    w1: int
    cluster: int
    in_quote: bool


@dataclass(slots=True)
class _Ctx:
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


def attribute(
    layout: Layout,
    quotes: Sequence[QuoteSpan],
    mentions: Sequence[MentionRef],
    genders: Sequence[Gender],
    narrator: int | None,
    in_quote: list[bool],
    quote_words: list[tuple[int, int]],
) -> tuple[list[int | None], list[int | None]]:
    """A speaker and an addressee (cluster indices or None) for every quote."""
    ctx = _Ctx(
        layout,
        quotes,
        mentions,
        {m.w0: m for m in mentions},
        genders,
        narrator,
        in_quote,
        quote_words,
        [m.w0 for m in mentions],
        [w.start for w in layout.words],
    )
    n = len(quotes)
    addressees: list[int | None] = [_vocative(ctx, qi) for qi in range(n)]
    speakers: list[int | None] = [None] * n
    explicit = [False] * n
    for qi in range(n):
        s = _explicit(ctx, qi, addressees[qi])
        if s is not None:
            speakers[qi] = s
            explicit[qi] = True
    # Paragraph sieve: share the explicit speaker within the paragraph.
    by_para: dict[int, list[int]] = {}
    for qi, q in enumerate(quotes):
        by_para.setdefault(q.para, []).append(qi)
    for qis in by_para.values():
        known = [speakers[qi] for qi in qis if speakers[qi] is not None]
        if not known:
            continue
        last: int | None = None
        for qi in qis:
            if speakers[qi] is None:
                speakers[qi] = last if last is not None else known[0]
            last = speakers[qi]
    # Narration sieve: a character named in the paragraph's own narration.
    for para, qis in by_para.items():
        if speakers[qis[0]] is not None:
            continue
        s = _paragraph_subject(ctx, para, qis, addressees)
        if s is not None:
            for qi in qis:
                speakers[qi] = s
    # Turn-taking over runs of quoted paragraphs.
    paras = sorted(by_para)
    for _ in range(2):
        for i, para in enumerate(paras):
            qis = by_para[para]
            if speakers[qis[0]] is not None:
                continue
            guess = _turn(ctx, paras, i, by_para, speakers, addressees)
            if guess is not None:
                for qi in qis:
                    speakers[qi] = guess
    prev_speaker: dict[int, int | None] = {}
    for i, para in enumerate(paras):
        if i and paras[i - 1] == para - 1:
            prev_speaker[para] = speakers[by_para[paras[i - 1]][-1]]
    for qi in range(n):
        if speakers[qi] is None:
            excl = {x for x in (addressees[qi], prev_speaker.get(quotes[qi].para)) if x is not None}
            speakers[qi] = _nearest(ctx, ctx.quote_words[qi][0], exclude=excl)
    _name_narrator(ctx, speakers, addressees, by_para)
    # Addressee by turn-taking: the other party of a two-person exchange.
    for i, para in enumerate(paras):
        qis = by_para[para]
        if i == 0 or paras[i - 1] != para - 1:
            continue
        prev = speakers[by_para[paras[i - 1]][-1]]
        for qi in qis:
            if addressees[qi] is None and prev is not None and prev != speakers[qi]:
                addressees[qi] = prev
    for qi in range(n):
        if addressees[qi] == speakers[qi]:
            addressees[qi] = None
    return speakers, addressees


def _resolve_pronoun(ctx: _Ctx, word_index: int, exclude: int | None) -> int | None:
    w = ctx.layout.words[word_index].text.lower()
    if w == "i":
        return NARRATOR if ctx.narrator is None else ctx.narrator
    g = pronoun_gender(w)
    # Walk back over mentions before the pronoun: the nearest compatible one wins,
    # looking at narration first and only then at names spoken inside quotes.
    best_quoted: int | None = None
    checked = 0
    k = bisect.bisect_left(ctx.mkeys, word_index) - 1
    while k >= 0 and checked < 40:
        m = ctx.mentions[k]
        k -= 1
        checked += 1
        if m.cluster == exclude:
            continue
        mg = ctx.genders[m.cluster]
        if g != "unknown" and mg != "unknown" and mg != g:
            continue
        if m.in_quote:
            if best_quoted is None:
                best_quoted = m.cluster
            continue
        if g != "unknown" and mg == "unknown" and checked > 8:
            continue
        return m.cluster
    return best_quoted


def _subject_at(ctx: _Ctx, j: int, exclude: int | None) -> tuple[bool, int | None]:
    """Is word j the start of a subject? Returns (found, cluster)."""
    words = ctx.layout.words
    m = ctx.by_word.get(j)
    if m is not None:
        return True, m.cluster
    w = words[j].text.lower()
    if w in _SUBJECT_PRONOUNS:
        return True, _resolve_pronoun(ctx, j, exclude)
    return False, None


def _explicit(ctx: _Ctx, qi: int, addressee: int | None) -> int | None:
    words = ctx.layout.words
    q = ctx.quotes[qi]
    w0, w1 = ctx.quote_words[qi]
    # After the quote: "..." said Mr. Bennet / "..." she replied / "..." Elizabeth cried.
    j = w1
    tail: list[int] = []
    while j < len(words) and words[j].para == q.para and not ctx.in_quote[j] and len(tail) < 8:
        tail.append(j)
        if _clause_ends_after(ctx, j):
            break
        j += 1
    found = _frame(ctx, tail, addressee)
    if found is not None:
        return found
    # Before the quote: Mr. Bennet said, "..." / She cried: "..."
    j = w0 - 1
    head: list[int] = []
    while j >= 0 and words[j].para == q.para and not ctx.in_quote[j] and len(head) < 10:
        if _clause_ends_after(ctx, j) and head:
            break
        head.insert(0, j)
        j -= 1
    found = _frame(ctx, head, addressee)
    if found is not None or head or j < 0 or ctx.in_quote[j]:
        return found
    # A speech opening its own paragraph, introduced by the narration before it:
    # "...it was impossible for him not to say," / "He added in a preacher's tone:"
    text = ctx.layout.text
    prev_para = ctx.layout.paragraphs[words[j].para]
    if text[prev_para.end - 1] not in ",:;—-":
        return None
    while j >= 0 and words[j].para == prev_para.index and not ctx.in_quote[j] and len(head) < 14:
        if _clause_ends_after(ctx, j) and head:
            break
        head.insert(0, j)
        j -= 1
    return _frame(ctx, head, addressee)


def _clause_ends_after(ctx: _Ctx, j: int) -> bool:
    text = ctx.layout.text
    words = ctx.layout.words
    end = words[j + 1].start if j + 1 < len(words) else len(text)
    gap = text[words[j].end : end]
    return any(c in ".!?;" for c in gap)


def _frame(ctx: _Ctx, span: list[int], addressee: int | None) -> int | None:
    words = ctx.layout.words
    for pos, j in enumerate(span):
        if words[j].text.lower() not in SPEECH_VERBS:
            continue
        # Inverted: said Mr. Bennet / said he / replied the girl.
        if pos + 1 < len(span):
            ok, c = _subject_at(ctx, span[pos + 1], addressee)
            if ok:
                return c
        # Subject before the verb, allowing an adverb or a short aside.
        for back in range(pos - 1, max(-1, pos - 5), -1):
            k = span[back]
            ok, c = _subject_at(ctx, k, addressee)
            if not ok:
                m = _mention_ending_at(ctx, k)
                if m is not None:
                    return m.cluster
                continue
            return c
        return None
    return None


def _mention_ending_at(ctx: _Ctx, k: int) -> MentionRef | None:
    for back in range(0, 4):
        m = ctx.by_word.get(k - back)
        if m is not None and m.w1 == k:
            return m
    return None


def _vocative(ctx: _Ctx, qi: int) -> int | None:
    """A name addressed inside the quote: "My dear Mr. Bennet," / "Lizzy, come"."""
    text = ctx.layout.text
    words = ctx.layout.words
    w0, w1 = ctx.quote_words[qi]
    for j in range(w0, w1):
        m = ctx.by_word.get(j)
        if m is None:
            continue
        before = (
            text[words[j - 1].end : words[j].start]
            if j > w0
            else text[ctx.quotes[qi].start : words[j].start]
        )
        after_end = words[m.w1 + 1].start if m.w1 + 1 < len(words) else len(text)
        after = text[words[m.w1].end : min(after_end, ctx.quotes[qi].end)]
        prev_word = words[j - 1].text.lower() if j > w0 else ""
        opens = j == w0 or "," in before or prev_word in {"dear", "o", "oh", "my", "poor", "good"}
        closes = (
            m.w1 + 1 >= w1 or any(c in after for c in ",!?") or ("," in before and "." in after)
        )
        if opens and closes:
            return m.cluster
    return None


def _paragraph_subject(
    ctx: _Ctx, para: int, qis: list[int], addressees: list[int | None]
) -> int | None:
    words = ctx.layout.words
    p = ctx.layout.paragraphs[para]
    first_q = ctx.quote_words[qis[0]][0]
    excl = addressees[qis[0]]
    a = bisect.bisect_left(ctx.wstarts, p.start)
    b = bisect.bisect_left(ctx.wstarts, p.end)
    # Narration before the first quote: the character nearest to the quote.
    best: int | None = None
    for j in range(a, first_q):
        if ctx.in_quote[j]:
            continue
        m = ctx.by_word.get(j)
        if m is not None and m.cluster != excl:
            best = m.cluster
        elif words[j].text.lower() in {"he", "she"} and best is None:
            c = _resolve_pronoun(ctx, j, excl)
            if c is not None:
                best = c
    if best is not None:
        return best
    for j in range(first_q, b):
        if ctx.in_quote[j]:
            continue
        m = ctx.by_word.get(j)
        if m is not None and m.cluster != excl:
            return m.cluster
    return None


def _turn(
    ctx: _Ctx,
    paras: list[int],
    i: int,
    by_para: dict[int, list[int]],
    speakers: list[int | None],
    addressees: list[int | None],
) -> int | None:
    para = paras[i]
    own_addr = addressees[by_para[para][0]]
    if i >= 1 and paras[i - 1] == para - 1:
        prev_q = by_para[paras[i - 1]][-1]
        prev_s = speakers[prev_q]
        if addressees[prev_q] is not None and addressees[prev_q] != prev_s:
            return addressees[prev_q]
        if i >= 2 and paras[i - 2] == para - 2:
            s2 = speakers[by_para[paras[i - 2]][-1]]
            if s2 is not None and s2 != prev_s and s2 != own_addr:
                return s2
        if own_addr is not None and prev_s is not None and own_addr == prev_s:
            return None
    if i + 2 < len(paras) and paras[i + 2] == para + 2 and paras[i + 1] == para + 1:
        s_next2 = speakers[by_para[paras[i + 2]][0]]
        s_next1 = speakers[by_para[paras[i + 1]][0]]
        if s_next2 is not None and s_next2 != s_next1 and s_next2 != own_addr:
            return s_next2
    return None


def _name_narrator(
    ctx: _Ctx,
    speakers: list[int | None],
    addressees: list[int | None],
    by_para: dict[int, list[int]],
) -> None:
    """Replace the narrator placeholder by the name others call them, if any.

    In a first-person book the narrator's name shows in the vocatives of the
    people answering them ("Watson," said he): the quotes in the paragraphs
    next to the narrator's own speeches.
    """
    from collections import Counter

    votes: Counter[int] = Counter()
    for qi, s in enumerate(speakers):
        if s != NARRATOR:
            continue
        para = ctx.quotes[qi].para
        for other in (para - 1, para + 1):
            for qj in by_para.get(other, []):
                a = addressees[qj]
                if a is not None and a != NARRATOR and speakers[qj] != NARRATOR:
                    votes[a] += 1
    name: int | None = ctx.narrator
    if name is None and votes:
        cand, n = votes.most_common(1)[0]
        if n >= 2 or len(votes) == 1:
            name = cand
    for qi, s in enumerate(speakers):
        if s == NARRATOR:
            speakers[qi] = name
        if addressees[qi] == NARRATOR:
            addressees[qi] = name


def _nearest(ctx: _Ctx, word_index: int, exclude: set[int]) -> int | None:
    k = bisect.bisect_left(ctx.mkeys, word_index) - 1
    while k >= 0:
        m = ctx.mentions[k]
        if m.cluster not in exclude and not m.in_quote:
            return m.cluster
        k -= 1
    return None
