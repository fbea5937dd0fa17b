"""Turn-taking evidence: vocatives, continued speeches, the narrator's name.

Usage::

    from falsafa.extract.turns import continued_paragraphs, vocative
    addressees = [vocative(state, qi) for qi in range(len(quotes))]
    cont = continued_paragraphs(state, paras, by_para)

A name called inside a quote ("Don't, Jo.") is its addressee
(:func:`vocative`). A speech running over several paragraphs, each reopened
and only the last closed, is one turn (:func:`continued_paragraphs`). Once
the speakers are chosen, a first-person narrator takes the name the others
call them (:func:`name_narrator`). The speaker scorer
(:mod:`falsafa.extract.speakers`) weighs this evidence; nothing here decides
who speaks.
"""

from __future__ import annotations

import re
from collections import Counter

from falsafa.extract.lexicon import PLACE_WORDS
from falsafa.extract.sieve import NARRATOR, SieveState, gap_after

__all__ = ["continued_paragraphs", "name_narrator", "vocative"]

# "my dear Emma", "oh Emma"; not "poor Miss Taylor!", which mostly pities the absent.
_VOCATIVE_OPENERS = frozenset({"dear", "o", "oh", "my", "good"})
# "That's my brave boy!--and Fergus, what have you been doing?": a speech
# that turns to a second listener names them after "and", "now" or "but".
_TURNING = frozenset({"and", "now", "but"})


_NOT_ADDRESSED = frozenset("he she it they his her its their your the a too also".split())


def _turns_to(ctx: SieveState, j: int, last: int, w0: int, w1: int) -> bool:
    """Whether "and"/"now"/"but" at word ``j`` opens a clause that calls the name
    after it (ending at ``last``): "!--and Fergus, what have you been doing?",
    "And ... Harry!"; not "And Lise, your wife?", "And Prince Kuragin?" or
    "And Mr. Bender, he was the first to go", which speak of them."""
    if j != w0:
        gap = gap_after(ctx, j - 1)
        if not (any(ch in ".!?;—" for ch in gap) or "--" in gap):
            return False
    after = gap_after(ctx, last)
    if "!" in after:
        return True  # "And ... Harry!" calls him; "And Prince Kuragin?" only asks
    if "," not in after or last + 1 >= w1:
        return False
    words = ctx.layout.words
    if words[last + 1].text.lower() in _NOT_ADDRESSED:
        return False
    return any(w.text.lower() in {"you", "your"} for w in words[last + 1 : min(w1, last + 7)])


def vocative(ctx: SieveState, qi: int) -> int | None:
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
        if "," in before and _listed_after(ctx, j, w0):
            continue  # "Gregson, Lestrade, and Co.", "Duncan Street, Houndsditch"
        if j == w0 and _asks_a_name(ctx, qi):
            continue  # "What is his name?" "Bingley." answers, it does not call
        if _nested(text, ctx.quotes[qi].start, words[j].start, ctx.quotes[qi].end):
            continue  # "I told him. 'I am sorry, Mr. Cratchit,' he said": someone else's call
        if prev_word == "poor" and j - 2 >= w0:
            prev_word = words[j - 2].text.lower()  # "my poor Emma" is addressed
        opens = (
            j == w0
            or "," in before
            or prev_word in _VOCATIVE_OPENERS
            or (prev_word in _TURNING and _turns_to(ctx, j - 1, m.w1, w0, w1))
        )
        closes = (
            m.w1 + 1 >= w1 or any(c in after for c in ",!?") or ("," in before and "." in after)
        )
        if opens and closes:
            return m.cluster
    return None


_INNER = {
    "double": (
        re.compile(r"(?:^|(?<=[\s“\"(—-]))['‘](?=\w)"),
        re.compile(r"(?<=[\w.,!?;:—-])['’](?=[\s,.;:!?”\"—-]|$)"),
    ),
    "single": (
        re.compile(r"(?:^|(?<=[\s‘'(—-]))[\"“](?=\w)"),
        re.compile(r"(?<=[\w.,!?;:—-])[\"”](?=[\s,.;:!?’'—-]|$)"),
    ),
}


def _nested(text: str, start: int, pos: int, end: int) -> bool:
    """Whether ``pos`` lies inside a quotation nested in the quote
    ``text[start:end]``: single marks inside double ones, or the other way
    round, opened before ``pos`` and closed after it (so that the year "'34"
    or "'tis" opens nothing)."""
    opening, closing = _INNER["single" if text[start] in "'‘" else "double"]
    inside = text[start + 1 : pos]
    marks = sorted(
        [(m.start(), 1) for m in opening.finditer(inside)]
        + [(m.start(), -1) for m in closing.finditer(inside)]
    )
    depth = 0
    for _, step in marks:
        depth = max(0, depth + step)
    return depth > 0 and closing.search(text, pos, end - 1) is not None


def _listed_after(ctx: SieveState, j: int, w0: int) -> bool:
    """Whether word ``j`` follows a comma after a capitalised word inside a sentence.

    A name after "Gregson," or "Duncan Street," continues a list or an
    address; a vocative follows an interjection or a clause ("Yes, Watson",
    "I tell you, Lestrade").
    """
    words = ctx.layout.words
    prev = words[j - 1].text
    if not prev[:1].isupper() or prev in {"I", "O"} or j - 1 == w0:
        return False
    if prev.lower() in PLACE_WORDS:
        return True  # an address: "Duncan Street, Houndsditch"
    # A list: another comma before the capitalised word, or "and" after the name.
    m = ctx.by_word[j]
    after = gap_after(ctx, m.w1).strip()
    nxt = words[m.w1 + 1].text.lower() if m.w1 + 1 < len(words) else ""
    return "," in gap_after(ctx, j - 2) or (after in {"", ","} and nxt in {"and", "or"})


def _asks_a_name(ctx: SieveState, qi: int) -> bool:
    """Whether the turn before ``qi`` asks for a name ("What name?", "Who is he?",
    "Tell us your name! Quick!")."""
    if qi == 0:
        return False
    para = ctx.quotes[qi - 1].para
    k = qi - 1
    while k > 0 and ctx.quotes[k - 1].para == para:
        k -= 1
    turn = " ".join(
        ctx.layout.text[ctx.quotes[j].start : ctx.quotes[j].end].lower() for j in range(k, qi)
    )
    tail = turn.rstrip(" \"'\u201d\u2019")
    if not tail.endswith(("?", "!")):
        return False
    if re.search(r"\byour name\b|\bwhat name\b|\bhis name\b|\bher name\b", turn):
        return True
    last = tail[max(tail.rfind("."), tail.rfind("!", 0, len(tail) - 1)) + 1 :]
    return last.lstrip(" \"'\u201c\u2018").startswith("who")


def continued_paragraphs(
    ctx: SieveState, paras: list[int], by_para: dict[int, list[int]]
) -> set[int]:
    """Paragraphs whose speech goes on from the paragraph before.

    The convention for a long speech: every paragraph opens with a quote
    mark and only the last one closes, so a paragraph that opens with a
    quote right after one that ran to its end unclosed is the same speech.
    """
    text = ctx.layout.text
    out: set[int] = set()
    have = set(paras)
    for para in paras:
        if para - 1 not in have:
            continue
        first = ctx.quotes[by_para[para][0]]
        if first.start != ctx.layout.paragraphs[para].start:
            continue
        prev = ctx.quotes[by_para[para - 1][-1]]
        prev_para = ctx.layout.paragraphs[para - 1]
        if text[prev.start] in "-\u2014\u2013" or prev.end < prev_para.end:
            continue  # dash dialogue has no closing marks; a speech with narration after it ended
        # Closed only by a mark of its own kind: a '...' speech ending on a
        # nested "that was not the lawn." is still open.
        closers = "\u2019'" if text[prev.start] in "\u2018'" else '\u201d"'
        if text[prev.end - 1] not in closers:
            out.add(para)
    return out


def name_narrator(
    ctx: SieveState,
    speakers: list[int | None],
    addressees: list[int | None],
    by_para: dict[int, list[int]],
) -> None:
    """Replace the narrator placeholder by the name others call them, if any.

    In a first-person book the narrator's name shows in the vocatives of the
    people answering them ("Watson," said he): the quotes in the paragraphs
    next to the narrator's own speeches.
    """
    voters: dict[int, int] = {}  # quote -> the person it addresses, each quote once
    for qi, s in enumerate(speakers):
        if s != NARRATOR:
            continue
        para = ctx.quotes[qi].para
        for other in (para - 1, para + 1):
            for qj in by_para.get(other, []):
                a = addressees[qj]
                if a is not None and a >= 0 and speakers[qj] != NARRATOR:
                    voters[qj] = a
    votes = Counter(voters.values())
    name: int | None = ctx.narrator
    if name is None and votes:
        ranked = votes.most_common(2)
        cand, n = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0
        # One stray vocative ("13, Duncan Street, Houndsditch") must not name
        # a narrator who speaks a hundred times: ask for two quotes and a lead.
        if n >= 2 and n >= 2 * runner_up:
            name = cand
    for qi, s in enumerate(speakers):
        if s == NARRATOR:
            speakers[qi] = name
        if addressees[qi] == NARRATOR:
            addressees[qi] = name
