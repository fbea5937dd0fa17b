"""Stage one of the attribution sieve: speech-verb frames next to a quote.

Usage::

    from falsafa.extract.frames import explicit_speaker
    cluster = explicit_speaker(state, quote_index, addressee)

A frame names the speaker in any order and shape: "said Mr. Bennet", "she
replied", "Elizabeth, after a pause, said:", "cried his wife", "the gentleman
asked", "cried the voice of John Reed", a speech opened by the previous
paragraph ("He added in a preacher's tone:"). The subject is a name, a
pronoun or a noun phrase, resolved by :mod:`falsafa.extract.resolve`; a
frame whose subject is a perceiver ("Mary heard her say") names nobody.
"""

from __future__ import annotations

from falsafa.extract.gender import pronoun_gender
from falsafa.extract.lexicon import DETERMINERS, SPEECH_VERBS
from falsafa.extract.resolve import resolve_gendered, resolve_np, resolve_pronoun
from falsafa.extract.sieve import MentionRef, SieveState, gap_after, oblique

__all__ = ["explicit_speaker"]

_SUBJECT_PRONOUNS = frozenset({"he", "she", "i"})
_NP_STOP = frozenset(
    "to with in at as of on for from by after before and but or then again who which that "
    "when while not so very too once now quite still".split()
)
_PERCEPTION_VERBS = frozenset({"heard", "hear", "hears", "overheard", "overhear"})


def _clause_ends_after(ctx: SieveState, j: int) -> bool:
    gap = gap_after(ctx, j)
    m = ctx.by_word.get(j)
    if gap.strip() == "." and m is not None and m.w1 > j:
        return False  # the stop of a title: '"..." Mrs. Lennox gasped.'
    return any(c in ".!?;" for c in gap)


def _np_after(ctx: SieveState, j: int, limit: int) -> tuple[int, int] | None:
    """A noun phrase "the old man" starting at word j: (determiner, head)."""
    words = ctx.layout.words
    if words[j].text.lower() not in DETERMINERS or ctx.by_word.get(j) is not None:
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
        if w.lower() in DETERMINERS:
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


def explicit_speaker(ctx: SieveState, qi: int, addressee: int | None) -> int | None:
    """The speaker a speech-verb frame next to quote ``qi`` names, or None.

    Sets ``ctx.pronoun`` when the frame's subject is "he"/"she"."""
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
