"""Who says each quote, and to whom: a deterministic two-stage sieve.

Usage::

    from falsafa.extract.attribution import attribute
    speakers, addressees = attribute(
        layout, quotes, mentions, genders, narrator, in_quote, quote_words, kin
    )

After Muzny et al. (EACL 2017). Stage one links a quote to a *mention* (a
name, a pronoun or a noun phrase such as "his wife"); stage two links the
mention to a character. The sieves run from most to least precise (measured
on LitBank dev) and a quote keeps the first answer it gets:

1. an explicit speech-verb frame next to the quote, in any order
   ("said Mr. Bennet", "she replied", "Elizabeth, after a pause, said:",
   "cried his wife", "the gentleman asked"), including a speech opened by
   the previous paragraph ("He added in a preacher's tone:");
2. the paragraph: other quotes of a paragraph share its explicit speaker,
   and its one named frame names its "he said" frames of that gender;
3. the narration of the paragraph: a character who is its subject
   ("Mr. Bennet made no answer. 'Do you not want to know...'"); then the
   "he replied" frames read before the previous turn was known are read
   again, so that turn-taking can exclude the previous speaker; a speech
   running over several paragraphs (each reopened, only the last closed)
   shares what any of its paragraphs knows;
4. conversation: in a run of consecutive quoted paragraphs (a continued
   speech is one turn; 25+ words of narration after a speech end the run)
   the person addressed by a vocative answers next ("Don't, Jo." -> Jo),
   then two people take turns, anchored on every attributed paragraph of
   the run, forwards and backwards; the person addressed is never the
   speaker and is the interlocutor;
5. the nearest preceding character who is neither addressed nor the
   previous speaker, among those the sieves above let speak somewhere in
   the book (a name only talked about, "Thomas Carlyle", is never chosen).

Stage two resolves a pronoun to the most recent character of the same gender
(names in the narration and the speakers of earlier quotes, never the person
addressed), "I" to the narrator, and a kinship noun phrase through its
possessor ("his wife" after Mr. Bennet is the Mrs. Bennet of that surname;
"her mother" of a possessor without a surname is the "Mrs. X" of a married
couple). Other noun phrases ("said the gentleman") take part in turn-taking
and are then resolved to the person the neighbouring turn addresses by name,
else the nearest character of the noun's gender in the narration, once per
speech ("continued the detective" keeps one person over his long story).

Addressees come from vocatives inside the quote, or else the previous
speaker in an alternating conversation.

The code: this module holds :func:`attribute` and the narration sieves 3
and 5; stage one (the speech-verb frames) is :mod:`falsafa.extract.frames`,
stage two is :mod:`falsafa.extract.resolve`, vocatives and turn-taking are
:mod:`falsafa.extract.turns`, and the state they share is
:mod:`falsafa.extract.sieve`.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from falsafa.extract.frames import explicit_speaker
from falsafa.extract.lexicon import Gender
from falsafa.extract.quotes import QuoteSpan
from falsafa.extract.resolve import resolve_pronoun, resolve_pseudo
from falsafa.extract.sieve import NARRATOR, Kin, MentionRef, SieveState, mentions_before
from falsafa.extract.text import Layout
from falsafa.extract.turns import (
    chains,
    continued_paragraphs,
    conversation,
    name_narrator,
    share_along,
    vocative,
)

__all__ = ["NARRATOR", "Kin", "MentionRef", "attribute"]


def attribute(
    layout: Layout,
    quotes: Sequence[QuoteSpan],
    mentions: Sequence[MentionRef],
    genders: Sequence[Gender],
    narrator: int | None,
    in_quote: list[bool],
    quote_words: list[tuple[int, int]],
    kin: Sequence[Kin] | None = None,
    trace: list[str] | None = None,
) -> tuple[list[int | None], list[int | None]]:
    """A speaker and an addressee (cluster indices or None) for every quote.

    ``trace``, when given, receives the name of the sieve that settled each quote.
    """
    n = len(quotes)
    ctx = SieveState(
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
        kin if kin is not None else [Kin() for _ in genders],
        [None] * n,
        [w0 for w0, _ in quote_words],
    )
    speakers = ctx.speakers
    addressees: list[int | None] = [vocative(ctx, qi) for qi in range(n)]
    ctx.addressees = addressees
    how = [""] * n
    # 1. Explicit frames, in text order so that pronouns can see earlier speakers.
    blind: list[int] = []  # "he replied" read before the previous turn was known
    by_pronoun: set[int] = set()  # quotes whose frame subject is "he"/"she"
    for qi in range(n):
        s = explicit_speaker(ctx, qi, addressees[qi])
        if s is not None:
            speakers[qi] = s
            how[qi] = "explicit"
            if ctx.pronoun:
                by_pronoun.add(qi)
                if qi == 0 or speakers[qi - 1] is None:
                    blind.append(qi)
    by_para: dict[int, list[int]] = {}
    for qi, q in enumerate(quotes):
        by_para.setdefault(q.para, []).append(qi)
    # 1b. One speaker per paragraph: "'...,' said he ... 'Did you not notice
    # her?' continued Montraville" makes "he" Montraville.
    for qis in by_para.values():
        _name_pronoun_frames(ctx, qis, by_pronoun)
    # 2. Paragraph: share the explicit speaker within the paragraph.
    for qis in by_para.values():
        share_along(ctx, qis, how, "paragraph")
    # 3. Narration: a character named in the paragraph's own narration.
    for para, qis in by_para.items():
        if speakers[qis[0]] is not None:
            continue
        s = _paragraph_subject(ctx, para, qis, addressees)
        if s is not None:
            for qi in qis:
                speakers[qi] = s
                how[qi] = "narration"
    # 3b. Read those pronoun frames again, now that the turn before them is known.
    for qi in blind:
        if speakers[qi - 1] is None:
            continue
        before: int | None = None
        for qj in by_para[quotes[qi].para]:
            if qj >= qi and how[qj] == "explicit":
                s = explicit_speaker(ctx, qj, addressees[qj])
                if s is not None and ctx.pronoun:
                    speakers[qj] = s
            elif qj > qi and how[qj] == "paragraph" and before is not None:
                speakers[qj] = before
            before = speakers[qj]
    paras = sorted(by_para)
    # 3c. A speech running over several paragraphs (each reopened, none closed
    # but the last) is one speaker's: share what any paragraph of it knows.
    cont = continued_paragraphs(ctx, paras, by_para)
    for chain in chains(paras, cont):
        share_along(ctx, [qi for p in chain for qi in by_para[p]], how)
    # 4. Conversation turn-taking.
    conversation(ctx, paras, by_para, addressees, how, cont)
    # 5. Nearest character, neither addressed nor the previous speaker.
    prev_speaker: dict[int, int | None] = {}
    for i, para in enumerate(paras):
        if i and paras[i - 1] == para - 1:
            prev_speaker[para] = speakers[by_para[paras[i - 1]][-1]]
    # Only someone the book lets speak: "Thomas Carlyle", only talked about,
    # is never the speaker of an unattributed line.
    talkers = {s for s in speakers if s is not None and s >= 0}
    for qi in range(n):
        if speakers[qi] is None:
            excl = {x for x in (addressees[qi], prev_speaker.get(quotes[qi].para)) if x is not None}
            speakers[qi] = _nearest(ctx, ctx.quote_words[qi][0], excl, talkers)
            how[qi] = "nearest"
    pseudo = list(speakers)
    for qi in range(n):
        s = speakers[qi]
        if s is None or s > -2:
            continue
        para = quotes[qi].para
        if qi and pseudo[qi - 1] == s and (para == quotes[qi - 1].para or para in cont):
            # One speech, one person: resolving "the detective" afresh for each
            # paragraph of his long story made it alternate between two men.
            speakers[qi] = speakers[qi - 1]
        else:
            speakers[qi] = resolve_pseudo(ctx, qi, s, addressees, by_para)
    name_narrator(ctx, speakers, addressees, by_para)
    # Addressee by turn-taking: the other party of a two-person exchange.
    for i, para in enumerate(paras):
        if i == 0 or paras[i - 1] != para - 1:
            continue
        prev = speakers[by_para[paras[i - 1]][-1]]
        for qi in by_para[para]:
            if addressees[qi] is None and prev is not None and prev != speakers[qi]:
                addressees[qi] = prev
    out_s = [s if s is not None and s >= 0 else None for s in speakers]
    out_a = [a if a is not None and a >= 0 else None for a in addressees]
    for qi in range(n):
        if out_a[qi] == out_s[qi]:
            out_a[qi] = None
    if trace is not None:
        trace.extend(how)
    return out_s, out_a


def _name_pronoun_frames(ctx: SieveState, qis: list[int], by_pronoun: set[int]) -> None:
    """Give a paragraph's "he said" quotes its one named speaker of that gender."""
    speakers = ctx.speakers
    named = {s for qi in qis if qi not in by_pronoun and (s := speakers[qi]) is not None and s >= 0}
    if len(named) != 1:
        return
    (who,) = named
    for qi in qis:
        s = speakers[qi]
        if (
            qi in by_pronoun
            and s is not None
            and s != who
            and s >= 0
            and ctx.genders[who] == ctx.genders[s]
            and who != ctx.addressees[qi]
        ):
            speakers[qi] = who


def _paragraph_subject(
    ctx: SieveState, para: int, qis: list[int], addressees: list[int | None]
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
            c = resolve_pronoun(ctx, j, excl)
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


_NEAREST_REACH = 1000  # name mentions, a chapter or two


def _nearest(ctx: SieveState, word_index: int, exclude: set[int], talkers: set[int]) -> int | None:
    for m in mentions_before(ctx, word_index, _NEAREST_REACH):
        if (
            m.cluster not in exclude
            and m.cluster in talkers
            and not m.in_quote
            and not ctx.kin[m.cluster].group
        ):
            return m.cluster
    return None
