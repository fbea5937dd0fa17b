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

The code: this module holds :func:`attribute`, stage one (the speech-verb
frames) and the narration sieves 3 and 5; stage two is
:mod:`falsafa.extract.resolve`, vocatives and turn-taking are
:mod:`falsafa.extract.turns`, and the state they share is
:mod:`falsafa.extract.sieve`.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from falsafa.extract.gender import pronoun_gender
from falsafa.extract.lexicon import SPEECH_VERBS, Gender
from falsafa.extract.quotes import QuoteSpan
from falsafa.extract.resolve import resolve_gendered, resolve_np, resolve_pronoun, resolve_pseudo
from falsafa.extract.sieve import NARRATOR, Kin, MentionRef, SieveState, gap_after, oblique
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

_SUBJECT_PRONOUNS = frozenset({"he", "she", "i"})
_DETERMINERS = frozenset({"the", "his", "her", "my", "their", "our", "your", "this", "that"})
_NP_STOP = frozenset(
    "to with in at as of on for from by after before and but or then again who which that "
    "when while not so very too once now quite still".split()
)
_PERCEPTION_VERBS = frozenset({"heard", "hear", "hears", "overheard", "overhear"})


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
        s = _explicit(ctx, qi, addressees[qi])
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
                s = _explicit(ctx, qj, addressees[qj])
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


# ---------------------------------------------------------------- stage one


def _clause_ends_after(ctx: SieveState, j: int) -> bool:
    gap = gap_after(ctx, j)
    m = ctx.by_word.get(j)
    if gap.strip() == "." and m is not None and m.w1 > j:
        return False  # the stop of a title: '"..." Mrs. Lennox gasped.'
    return any(c in ".!?;" for c in gap)


def _np_after(ctx: SieveState, j: int, limit: int) -> tuple[int, int] | None:
    """A noun phrase "the old man" starting at word j: (determiner, head)."""
    words = ctx.layout.words
    if words[j].text.lower() not in _DETERMINERS or ctx.by_word.get(j) is not None:
        return None
    head: int | None = None
    k = j
    while k + 1 < limit and gap_after(ctx, k).strip() in ("", "-"):
        w = words[k + 1].text
        if not w.islower() or w in _NP_STOP or w in SPEECH_VERBS or w.endswith("ly"):
            break
        head = k + 1
        k += 1
        if k - j >= 4:
            break
    return (j, head) if head is not None else None


def _np_before(ctx: SieveState, span: list[int], pos: int) -> tuple[int, int] | None:
    """A noun phrase ending just before span[pos] (allowing one -ly adverb)."""
    words = ctx.layout.words
    end = pos - 1
    if end >= 0 and words[span[end]].text.endswith("ly"):
        end -= 1
    if end < 0:
        return None
    head = span[end]
    if not words[head].text.islower() or words[head].text in _NP_STOP:
        return None
    for back in range(end - 1, max(-1, end - 4), -1):
        j = span[back]
        if gap_after(ctx, j).strip() not in ("", "-"):
            return None
        w = words[j].text
        if w.lower() in _DETERMINERS:
            return (j, head)
        if not w.islower():
            return None
    return None


def _subject_at(
    ctx: SieveState, j: int, limit: int, exclude: int | None
) -> tuple[bool, int | None]:
    """Is word j the start of a subject? Returns (found, cluster)."""
    words = ctx.layout.words
    m = ctx.by_word.get(j)
    if m is not None:
        return True, m.cluster
    w = words[j].text.lower()
    if w in _SUBJECT_PRONOUNS:
        if ctx.turn is not None and w != "i":
            # Dialogue takes turns: "he replied" after his friend's speech is
            # the other man, when there is one.
            c = resolve_gendered(ctx, j, pronoun_gender(w), {exclude, ctx.turn})
            if c is not None and c in ctx.parties:
                ctx.pronoun = True
                return True, c
        ctx.pronoun = w != "i"
        return True, resolve_pronoun(ctx, j, exclude)
    np = _np_after(ctx, j, limit)
    if np is not None:
        owner = _voice_of(ctx, np[1], limit)
        if owner is not None:
            return True, owner
        return True, resolve_np(ctx, np[0], np[1], exclude)
    return False, None


_VOICE_NOUNS = frozenset({"voice", "tones", "accents"})


def _voice_of(ctx: SieveState, head: int, limit: int) -> int | None:
    """The person named in "cried the voice of John Reed"."""
    words = ctx.layout.words
    if words[head].text.lower() not in _VOICE_NOUNS or head + 2 >= limit:
        return None
    if words[head + 1].text.lower() != "of":
        return None
    m = ctx.by_word.get(head + 2)
    return m.cluster if m is not None else None


def _explicit(ctx: SieveState, qi: int, addressee: int | None) -> int | None:
    ctx.turn = _previous_turn(ctx, qi)
    ctx.pronoun = False
    try:
        return _explicit_frame(ctx, qi, addressee)
    finally:
        ctx.turn = None


def _previous_turn(ctx: SieveState, qi: int) -> int | None:
    """The speaker of the previous paragraph when it is a speech and this one opens with one."""
    q = ctx.quotes[qi]
    if qi == 0 or ctx.quotes[qi - 1].para != q.para - 1:
        return None
    if ctx.layout.paragraphs[q.para].start != q.start:
        return None
    s = ctx.speakers[qi - 1]
    if s is None or s < 0:
        return None
    # The other parties: who spoke or was addressed in the last few quotes.
    ctx.parties = {
        x
        for k in range(max(0, qi - 4), qi)
        for x in (ctx.speakers[k], ctx.addressees[k])
        if x is not None and x >= 0 and x != s
    }
    return s


def _explicit_frame(ctx: SieveState, qi: int, addressee: int | None) -> int | None:
    words = ctx.layout.words
    q = ctx.quotes[qi]
    w0, w1 = ctx.quote_words[qi]
    # After the quote: "..." said Mr. Bennet / "..." she replied / "..." cried his wife.
    j = w1
    tail: list[int] = []
    while j < len(words) and words[j].para == q.para and not ctx.in_quote[j] and len(tail) < 8:
        tail.append(j)
        if _clause_ends_after(ctx, j):
            break
        j += 1
    found = _frame(ctx, tail, addressee, after=True)
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
    found = _frame(ctx, head, addressee, after=False)
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
    return _frame(ctx, head, addressee, after=False)


def _frame(ctx: SieveState, span: list[int], addressee: int | None, after: bool) -> int | None:
    words = ctx.layout.words
    limit = span[-1] + 1 if span else 0
    positions = range(len(span)) if after else range(len(span) - 1, -1, -1)
    for pos in positions:
        j = span[pos]
        if words[j].text.lower() not in SPEECH_VERBS:
            continue
        if after and pos > 4:
            return None
        # A name or pronoun right before the verb is its subject, whatever
        # follows: "he asked Katharine", "Jane answered Elizabeth coldly".
        b = pos - 1
        if b >= 1 and words[span[b]].text.endswith("ly"):
            b -= 1
        if (
            b >= 1
            and words[span[b]].text.lower() in {"her", "him"}
            and words[span[b - 1]].text.lower() in _PERCEPTION_VERBS
        ):
            # "Mary heard her say": the one heard speaks, not the hearer.
            k = span[b]
            hearer = _mention_ending_at(ctx, span[b - 2]) if b >= 2 else None
            g = pronoun_gender(words[k].text.lower())
            skip = {addressee, hearer.cluster if hearer is not None else None}
            return resolve_gendered(ctx, k, g, skip)
        if b >= 0:
            k = span[b]
            if words[k].text.lower() in _SUBJECT_PRONOUNS:
                return _subject_at(ctx, k, limit, addressee)[1]
            m = _mention_ending_at(ctx, k)
            if m is not None and not oblique(ctx, m):
                return m.cluster
        # Inverted: said Mr. Bennet / said he / replied the girl.
        if pos + 1 < len(span):
            ok, c = _subject_at(ctx, span[pos + 1], limit, addressee)
            if ok:
                return c
        # Subject before the verb, allowing an adverb or a short aside.
        np = _np_before(ctx, span, pos)
        if np is not None:
            return resolve_np(ctx, np[0], np[1], addressee)
        for back in range(pos - 1, max(-1, pos - 5), -1):
            k = span[back]
            ok, c = _subject_at(ctx, k, limit, addressee)
            if not ok:
                m = _mention_ending_at(ctx, k)
                if m is not None:
                    return m.cluster
                continue
            return c
        return None
    return None


def _mention_ending_at(ctx: SieveState, k: int) -> MentionRef | None:
    for back in range(0, 4):
        m = ctx.by_word.get(k - back)
        if m is not None and m.w1 == k:
            return m
    return None


# ------------------------------------------------- narration (sieves 3 and 5)


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
    k = bisect.bisect_left(ctx.mkeys, word_index) - 1
    # Bounded, so that a book whose quotes have few known talkers stays linear.
    stop = max(-1, k - _NEAREST_REACH)
    while k > stop:
        m = ctx.mentions[k]
        if (
            m.cluster not in exclude
            and m.cluster in talkers
            and not m.in_quote
            and not ctx.kin[m.cluster].group
        ):
            return m.cluster
        k -= 1
    return None
