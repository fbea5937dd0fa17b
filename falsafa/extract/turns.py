"""Turn-taking in the attribution sieve: vocatives, continued speeches, conversations.

Usage::

    from falsafa.extract.turns import conversation, vocative
    addressees = [vocative(state, qi) for qi in range(len(quotes))]
    ...
    conversation(state, paras, by_para, addressees, how, cont)

A name called inside a quote ("Don't, Jo.") is its addressee, who answers
next. A speech running over several paragraphs is one turn
(:func:`continued_paragraphs`, :func:`chains`, :func:`share_along`). In a run
of consecutive quoted paragraphs two people take turns, anchored on the
paragraphs already attributed; a run with no anchor opens with the subject
of the narration before it. Last, a first-person narrator takes the name the
others call them (:func:`name_narrator`).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter

from falsafa.extract.lexicon import PLACE_WORDS
from falsafa.extract.sieve import NARRATOR, SieveState, gap_after, oblique, opens_sentence, recent

__all__ = [
    "chains",
    "continued_paragraphs",
    "conversation",
    "name_narrator",
    "share_along",
    "vocative",
]

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


def conversation(
    ctx: SieveState,
    paras: list[int],
    by_para: dict[int, list[int]],
    addressees: list[int | None],
    how: list[str],
    cont: set[int],
) -> None:
    """Fill the speakers of a run of quoted paragraphs by alternation.

    A speech continued over paragraphs (``cont``) is one turn, not several.
    """
    speakers = ctx.speakers
    runs: list[list[int]] = []  # each run: the first paragraph of each turn
    turn_qis: dict[int, list[int]] = {}  # first paragraph of a turn -> its quotes
    last = -2
    for para in paras:
        if para in cont:  # the paragraph before is this speech's (see continued_paragraphs)
            turn_qis[runs[-1][-1]].extend(by_para[para])
        elif runs and last == para - 1 and _ends_with_speech(ctx, turn_qis[runs[-1][-1]][-1], 25):
            runs[-1].append(para)
            turn_qis[para] = list(by_para[para])
        else:
            runs.append([para])
            turn_qis[para] = list(by_para[para])
        last = para
    by_para = turn_qis
    for run in runs:
        sp: list[int | None] = [
            next((speakers[qi] for qi in by_para[p] if speakers[qi] is not None), None) for p in run
        ]
        addr: list[int | None] = [
            next((addressees[qi] for qi in by_para[p] if addressees[qi] is not None), None)
            for p in run
        ]
        anchors = [i for i, s in enumerate(sp) if s is not None]
        if not anchors:
            # No frame anywhere: the run opens with the character the narration
            # just before it was about ("Mr. Pett was sniffing suspiciously.").
            lead = _lead_in(ctx, run[0], addr[0])
            if lead is None:
                continue
            sp[0] = lead
            anchors = [0]
            for qi in by_para[run[0]]:
                speakers[qi] = lead
                how[qi] = "lead-in"
        # The person addressed answers: "Don't, Jo. It's so boyish!" is
        # followed by Jo's "That's why I do it." (Muzny et al.'s vocative sieve).
        for i in range(1, len(run)):
            answer = addr[i - 1]
            if (
                sp[i] is None
                and answer is not None
                and answer != sp[i - 1]
                and answer != addr[i]
                and _ends_with_speech(ctx, by_para[run[i - 1]][-1])
            ):
                sp[i] = answer
                anchors.append(i)
                for qi in by_para[run[i]]:
                    if speakers[qi] is None:
                        speakers[qi] = answer
                        how[qi] = "vocative"
        anchors.sort()
        known = {s for s in sp if s is not None}
        before_run = ctx.quote_words[by_para[run[0]][0]][0]

        for i in range(len(run)):
            if sp[i] is not None:
                continue
            j = min(anchors, key=lambda a: (abs(a - i), a > i))
            d = abs(i - j)
            toward = 1 if i > j else -1
            guess = sp[j] if d % 2 == 0 else _other(ctx, sp, addr, known, before_run, j, toward)
            if guess is not None and guess == addr[i]:
                guess = None
            if guess is None:
                continue
            for qi in by_para[run[i]]:
                if speakers[qi] is None:
                    speakers[qi] = guess
                    how[qi] = "conversation"


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


def chains(paras: list[int], cont: set[int]) -> list[list[int]]:
    """Paragraphs grouped into speeches: each continued paragraph joins the one before."""
    chains: list[list[int]] = []
    for para in paras:
        if para in cont and chains:
            chains[-1].append(para)
        else:
            chains.append([para])
    return [c for c in chains if len(c) > 1]


def share_along(ctx: SieveState, qis: list[int], how: list[str], sieve: str = "continued") -> None:
    """Give the unattributed quotes of a paragraph or a speech the speaker of the
    quote before them, or else of the first one that has one."""
    speakers = ctx.speakers
    known = [speakers[qi] for qi in qis if speakers[qi] is not None]
    if not known:
        return
    last: int | None = None
    for qi in qis:
        if speakers[qi] is None:
            speakers[qi] = last if last is not None else known[0]
            how[qi] = sieve
        last = speakers[qi]


def _ends_with_speech(ctx: SieveState, qi: int, frame: int = 8) -> bool:
    """Whether quote ``qi`` ends its paragraph, but for a short speech frame.

    After "'Come along, Lebrun,' he proposed to Robert. But Robert admitted
    quite frankly that he preferred to stay" the answer was given in the
    narration, and the next speech need not be Robert's.
    """
    w1 = ctx.quote_words[qi][1]
    para = ctx.quotes[qi].para
    words = ctx.layout.words
    k = w1
    while k < len(words) and words[k].para == para and k - w1 <= frame:
        k += 1
    return k >= len(words) or words[k].para != para


def _lead_in(ctx: SieveState, para: int, addressee: int | None) -> int | None:
    """The subject of the narration paragraph just before ``para``, if it has one."""
    if para == 0:
        return None
    p = ctx.layout.paragraphs[para - 1]
    a = bisect.bisect_left(ctx.wstarts, p.start)
    b = bisect.bisect_left(ctx.wstarts, p.end)
    for k in range(b - 1, a - 1, -1):
        if ctx.in_quote[k]:
            a = k + 1  # only the narration after the paragraph's last speech
            break
    if a == b:
        return None
    best: int | None = None
    for k in range(bisect.bisect_left(ctx.mkeys, a), bisect.bisect_left(ctx.mkeys, b)):
        m = ctx.mentions[k]
        if m.cluster == addressee or ctx.kin[m.cluster].group or oblique(ctx, m):
            continue
        if opens_sentence(ctx, m.w0):
            best = m.cluster
    return best


def _other(
    ctx: SieveState,
    sp: list[int | None],
    addr: list[int | None],
    known: set[int],
    before_run: int,
    j: int,
    toward: int,
) -> int | None:
    """The interlocutor of the speaker of paragraph ``j`` of a conversation run."""
    s = sp[j]
    for k in (j + toward, j - toward):
        if 0 <= k < len(sp) and sp[k] is not None and sp[k] != s:
            return sp[k]
    if addr[j] is not None and addr[j] != s:
        return addr[j]
    rest = known - {s} if s is not None else set(known)
    if len(rest) == 1:
        return next(iter(rest))
    for c, strong in recent(ctx, before_run, 20):
        if strong and c != s and c >= 0 and not ctx.kin[c].group:
            return c
    return None


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
