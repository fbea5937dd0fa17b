"""Candidate speakers of one quote, each described by named features.

Usage::

    frame = read_frame(book, qi)                  # the speech-verb frame, if any
    for cand, feats in candidates(book, qi, frame):
        model.score(feats)

A candidate is a character index, or ``NARRATOR`` for a first-person
narrator not yet named. The features are plain evidence — the frame names
them, they spoke the turn before last, they are named just before the quote,
the quote calls them by name — and the trained scorer (``weights/speakers.json``)
weighs them; nothing here decides. Turn features read the speakers chosen so
far (``book.state.speakers``), so a book is decoded left to right.

Every feature also exists prefixed ``nf.`` for quotes with no frame: without
a frame, turn-taking and the narration carry the decision, and the weights
differ.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

from falsafa.extract.frames import explicit_speaker
from falsafa.extract.resolve import resolve_pseudo, titled_bearer
from falsafa.extract.scoring import Features, LinearModel, shares
from falsafa.extract.sieve import NARRATOR, MentionRef
from falsafa.extract.speakers.book import SpeakerBook

__all__ = [
    "CROSS_SCALE",
    "CrossedModel",
    "Frame",
    "Turns",
    "candidates",
    "crossed",
    "read_frame",
    "turns_before",
]

_RECENT_CLUSTERS = 6
_RECENT_REACH = 1000  # words of narration before the quote
CROSS_SCALE = 0.1  # a pair's L2 penalty is 1/0.1**2 = 100 times a plain feature's (chosen by CV)
_NARRATOR_RATE = 0.004  # first-person words per narration word to offer the narrator


@dataclass(frozen=True, slots=True)
class Frame:
    """What a speech-verb frame next to the quote names, and how."""

    who: int | None
    kind: str  # "name", "pronoun", "np", "narrator" or "" (no frame)
    gender: str = "unknown"  # of a "he said"/"she said" frame's pronoun
    titled: bool = False  # a noun phrase that is a title ("said the count") borne by ``who``


@dataclass(frozen=True, slots=True)
class Turns:
    """The two turns before this quote's paragraph, as decided so far."""

    first: int | None  # speaker of the previous quoted paragraph
    second: int | None  # and of the one before it
    addressed: int | None  # whom the previous turn called by name
    adjacent: bool  # the previous turn is the paragraph right before
    chained: bool  # ... and the one before that right before it
    continued: bool  # this paragraph goes on with the previous turn's speech
    same_para: int | None  # speaker of the previous quote in this paragraph
    first_doubt: float  # 1 - the share the previous turn's speaker was chosen with
    second_doubt: float  # and the turn before it


def read_frame(book: SpeakerBook, qi: int) -> Frame:
    ctx = book.state
    who = explicit_speaker(ctx, qi, book.vocatives[qi])
    if who is None:
        return Frame(None, "")
    if who == NARRATOR:
        return Frame(NARRATOR, "narrator")
    if who < -1:
        gender = ctx.pseudo_gender.get(who, "unknown")
        found = resolve_pseudo(ctx, qi, who, ctx.addressees, book.by_para)
        titled = found is not None and found == titled_bearer(ctx, qi, who)
        return Frame(found, "np", gender, titled)
    if ctx.pronoun:
        return Frame(who, "pronoun", _frame_pronoun(book, qi))
    return Frame(who, "name")


def _frame_pronoun(book: SpeakerBook, qi: int) -> str:
    """The gender of the "he"/"she" next to the quote (after it first)."""
    ctx = book.state
    words = ctx.layout.words
    w0, w1 = ctx.quote_words[qi]
    near = [*range(w1, min(len(words), w1 + 5)), *range(max(0, w0 - 5), w0)]
    for k in near:
        if ctx.in_quote[k]:
            continue
        w = words[k].text.lower()
        if w == "he":
            return "male"
        if w == "she":
            return "female"
    return "unknown"


def turns_before(book: SpeakerBook, qi: int) -> Turns:
    ctx = book.state
    para = ctx.quotes[qi].para
    qis = book.by_para[para]
    same = ctx.speakers[qi - 1] if qis[0] < qi else None
    first_para = _previous_quoted(book, para)
    second_para = _previous_quoted(book, first_para) if first_para is not None else None
    first = second = addressed = None
    first_doubt = second_doubt = 0.0
    if first_para is not None:
        last = book.by_para[first_para][-1]
        first, addressed = ctx.speakers[last], ctx.addressees[last]
        first_doubt = _doubt(book, last)
    if second_para is not None:
        last = book.by_para[second_para][-1]
        second, second_doubt = ctx.speakers[last], _doubt(book, last)
    return Turns(
        first,
        second,
        addressed,
        first_para == para - 1,
        first_para == para - 1 and second_para == para - 2,
        para in book.continued,
        same,
        first_doubt,
        second_doubt,
    )


def _doubt(book: SpeakerBook, qi: int) -> float:
    """How unsure the choice of quote ``qi``'s speaker was (0 when certain or unscored)."""
    share = book.shares[qi]
    return 0.0 if share is None else 1.0 - share


def _neighbour_pronouns(book: SpeakerBook, para: int) -> dict[int, tuple[int, int, int]]:
    """The narration pronouns ("he", "she", "I") of the two quoted paragraphs
    on each side of this one, by offset, while the paragraphs are all quoted:
    in an exchange, "she replied" a turn away says who this turn is not,
    whoever the decoder made the speaker of that turn."""
    out: dict[int, tuple[int, int, int]] = {}
    for step in (-1, 1):
        for d in (step, 2 * step):
            if para + d not in book.by_para:
                break
            out[d] = book.narration_pronouns(para + d)
    return out


def _previous_quoted(book: SpeakerBook, para: int) -> int | None:
    """The nearest earlier paragraph with a quote, within a few short paragraphs."""
    for p in range(para - 1, max(-1, para - 4), -1):
        if p in book.by_para:
            return p
        if book.narration_length(p) > 40:
            return None
    return None


def _recent(book: SpeakerBook, qi: int) -> list[int]:
    """Characters named in the narration before the quote, latest first."""
    ctx = book.state
    w0 = ctx.quote_words[qi][0]
    out: list[int] = []
    k = bisect.bisect_left(ctx.mkeys, w0) - 1
    while k >= 0 and len(out) < _RECENT_CLUSTERS:
        m = ctx.mentions[k]
        if w0 - m.w0 > _RECENT_REACH:
            break
        if not m.in_quote and m.cluster not in out:
            out.append(m.cluster)
        k -= 1
    return out


def _recent_speakers(book: SpeakerBook, qi: int) -> list[int]:
    """The last few distinct speakers chosen before this quote, latest first."""
    out: list[int] = []
    speakers = book.state.speakers
    for k in range(qi - 1, max(-1, qi - 30), -1):
        s = speakers[k]
        if s is not None and (s >= 0 or s == NARRATOR) and s not in out:
            out.append(s)
            if len(out) == _RECENT_CLUSTERS:
                break
    return out


def candidates(
    book: SpeakerBook, qi: int, frame: Frame, turns: Turns, cross: bool = True
) -> list[tuple[int, dict[str, float]]]:
    """Every plausible speaker of quote ``qi`` with its features, given its
    frame and the turns before it (:func:`read_frame`, :func:`turns_before`);
    with ``cross`` False, the plain features only (for :class:`CrossedModel`)."""
    ctx = book.state
    para = ctx.quotes[qi].para
    recent = _recent(book, qi)
    talkers = _recent_speakers(book, qi)
    here = book.narration_mentions(para)
    w0, w1 = ctx.quote_words[qi]
    before = [m for m in here if m.w0 < w0]
    after = [m for m in here if m.w0 >= w1]
    prev = book.narration_mentions(para - 1)
    pool: list[int] = []
    for c in (frame.who, turns.same_para, turns.first, turns.second, turns.addressed):
        if c is not None and (c >= 0 or c == NARRATOR):
            pool.append(c)
    pool += [m.cluster for m in before] + [m.cluster for m in after[:3]]
    pool += [m.cluster for m in prev[-3:]] + recent + talkers
    if ctx.counts:
        pool += [c for c, _ in ctx.counts.most_common(3)]
    if book.first_person_rate >= _NARRATOR_RATE:
        pool.append(NARRATOR)
    he, she, me = book.narration_pronouns(para)
    spoken_in_quote = {ctx.by_word[j].cluster for j in range(w0, w1) if j in ctx.by_word}
    people = list(dict.fromkeys(pool))
    local = _Local(
        frame=frame,
        turns=turns,
        recent=recent,
        talkers=talkers,
        before=before,
        after=after,
        prev=prev,
        he=he,
        she=she,
        me=me,
        around=_neighbour_pronouns(book, para),
        in_quote=spoken_in_quote,
        voices=book.voices.gaps(qi, people),
        w0=w0,
        w1=w1,
    )
    feats = [(c, _features(book, qi, c, local)) for c in people]
    if frame.kind in ("pronoun", "np") and frame.gender != "unknown":
        prefix = "frame.gender" if frame.kind == "pronoun" else "np.gender"
        _gender_ranks(book, frame.gender, feats, recent, talkers, prefix)
    return [(c, crossed(f)) for c, f in feats] if cross else feats


@dataclass(frozen=True, slots=True)
class CrossedModel:
    """A scorer trained on :func:`crossed` features, reading the plain ones.

    ``CrossedModel.of(model).softmax(plain)`` gives the shares that
    ``model.softmax([crossed(f) for f in plain])`` gives, in the same order
    of additions, without naming the hundred pairs of every candidate: only
    the pairs the model weighs are looked up (the decoder scores each quote
    once per history).
    """

    model: LinearModel
    pairs: dict[str, dict[str, float]]  # a -> b -> the weight of "a&b"
    seen: dict[tuple[tuple[str, float], ...], float] = field(default_factory=dict)
    """Scores of one quote's candidates so far: the beam's histories often
    give a candidate the same features (:meth:`forget` between quotes)."""

    @classmethod
    def of(cls, model: LinearModel) -> CrossedModel:
        pairs: dict[str, dict[str, float]] = {}
        for name, weight in model.weights.items():
            a, amp, b = name.partition("&")
            if amp:
                pairs.setdefault(a, {})[b] = weight
        return cls(model, pairs)

    def forget(self) -> None:
        self.seen.clear()

    def score(self, features: Features) -> float:
        key = tuple(features.items())
        got = self.seen.get(key)
        if got is None:
            got = self.seen[key] = self._score(features)
        return got

    def _score(self, features: Features) -> float:
        w = self.model.weights
        total = sum(w.get(k, 0.0) * v for k, v in features.items())
        keys = _crossable(features)
        for i, a in enumerate(keys):
            row = self.pairs.get(a)
            if not row:
                continue
            fa = features[a]
            for b in keys[i + 1 :]:
                weight = row.get(b)
                if weight is not None:
                    total += weight * (fa * features[b] * CROSS_SCALE)
        return self.model.bias + total

    def softmax(self, candidates: Sequence[Features]) -> list[float]:
        """Each candidate's share of one choice among them."""
        return shares([self.score(f) for f in candidates])


def crossed(features: dict[str, float]) -> dict[str, float]:
    """The features with every pair of them as one more ("a&b", the product).

    The scorer is linear, and evidence combines: a "he said" frame means
    more from the man who spoke two turns ago, a name in the narration less
    once the turns point elsewhere. Pairs are taken among the plain features
    only; the ``nf.`` twins of a frameless quote are not crossed again. A
    pair's value is scaled down (``CROSS_SCALE``) so that the same L2
    penalty holds the many pairs closer to zero than the plain features.
    """
    keys = _crossable(features)
    out = dict(features)
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            out[f"{a}&{b}"] = features[a] * features[b] * CROSS_SCALE
    return out


def _crossable(features: Features) -> list[str]:
    """The names of the features that pair, sorted: the plain ones (the
    ``nf.`` twins of a frameless quote are not crossed again)."""
    return sorted(k for k in features if not k.startswith("nf."))


def _gender_ranks(
    book: SpeakerBook,
    gender: str,
    feats: list[tuple[int, dict[str, float]]],
    recent: list[int],
    talkers: list[int],
    prefix: str,
) -> None:
    """For a "he said" or "said the old woman" frame: which candidates of that
    gender were seen last."""
    genders = book.state.genders
    ranked = list(
        dict.fromkeys(c for c in [*talkers[:2], *recent] if c >= 0 and genders[c] == gender)
    )
    for c, f in feats:
        if c < 0:
            continue
        g = genders[c]
        if g == gender:
            f[prefix + ".agree"] = 1.0
            if c in ranked[:2]:
                f[f"{prefix}.rank{ranked.index(c)}"] = 1.0
        elif g != "unknown":
            f[prefix + ".clash"] = 1.0


@dataclass(frozen=True, slots=True)
class _Local:
    frame: Frame
    turns: Turns
    recent: list[int]
    talkers: list[int]
    before: list[MentionRef]
    after: list[MentionRef]
    prev: list[MentionRef]
    he: int
    she: int
    me: int
    around: dict[int, tuple[int, int, int]]
    in_quote: set[int]
    voices: dict[int, float]  # candidate -> how much likelier their words make the quote
    w0: int
    w1: int


def _features(book: SpeakerBook, qi: int, c: int, x: _Local) -> dict[str, float]:
    f: dict[str, float] = {}
    if x.frame.kind:
        f["frame." + x.frame.kind if c == x.frame.who else "frame.other"] = 1.0
        if x.frame.titled and c == x.frame.who:
            f["frame.np.title"] = 1.0
    _turn_features(f, c, x.turns)
    _ahead(f, book, qi, c)
    if book.chain_frames.get(qi) == c:
        f["chain.frame"] = 1.0
    if c == book.vocatives[qi]:
        f["vocative.self"] = 1.0
    elif c in x.in_quote:
        f["named_in_quote"] = 1.0
    if c in x.voices:
        f["voice.gap"] = x.voices[c]
        if x.voices[c] > 0:
            f["voice.top"] = 1.0
    _narration_features(f, c, x)
    _who_features(f, book, c, x)
    if not x.frame.kind:
        f.update({"nf." + k: v for k, v in list(f.items())})
    return f


def _turn_features(f: dict[str, float], c: int, t: Turns) -> None:
    if t.same_para is not None and c == t.same_para:
        f["turn.same_para"] = 1.0
    if c == t.first:
        f["turn.first.adjacent" if t.adjacent else "turn.first.gap"] = 1.0
        if t.first_doubt:
            f["turn.first.doubt"] = t.first_doubt
        if t.continued:
            f["turn.first.continued"] = 1.0
    if c == t.second:
        f["turn.second.chained" if t.chained else "turn.second.gap"] = 1.0
        if t.second_doubt:
            f["turn.second.doubt"] = t.second_doubt
    if c == t.addressed:
        f["turn.addressed"] = 1.0


def _who_features(f: dict[str, float], book: SpeakerBook, c: int, x: _Local) -> None:
    """The candidate as the book knows them: narrator, gender, group, how often
    named and how often they have spoken so far."""
    ctx = book.state
    if c == NARRATOR:
        f["narrator"] = 1.0
        f["narrator.rate"] = min(1.0, 20 * book.first_person_rate)
        if x.me:
            f["narrator.me_in_para"] = 1.0
        for d, (_, _, me) in x.around.items():
            if me:
                f[f"para{d:+d}.me"] = 1.0
    else:
        g = ctx.genders[c]
        if g != "unknown":
            if x.he or x.she:
                agree = (g == "male" and x.he >= x.she) or (g == "female" and x.she >= x.he)
                f["para.gender.agree" if agree else "para.gender.clash"] = 1.0
            _neighbour_gender(f, g, x.around)
        if ctx.kin[c].group:
            f["group"] = 1.0
        f["mentions"] = book.log_mentions(c) / 8
    spoken = ctx.counts[c] if ctx.counts is not None else 0
    f["talker"] = min(1.0, spoken / 20)
    if spoken == 0:
        f["talker.never"] = 1.0


def _neighbour_gender(f: dict[str, float], g: str, around: dict[int, tuple[int, int, int]]) -> None:
    """A candidate of gender ``g`` against the "he"/"she" that outnumbers the
    other in each quoted paragraph around (none when they tie)."""
    for d, (he, she, _) in around.items():
        if he != she:
            said = "male" if he > she else "female"
            f[f"para{d:+d}.gender.{'agree' if said == g else 'clash'}"] = 1.0


def _ahead(f: dict[str, float], book: SpeakerBook, qi: int, c: int) -> None:
    """The frames of the next two quotes: the next turn answers, the one after
    speaks again; the named frames of the run before and after, by the parity
    of the turns between (two people taking turns); the next quote calling
    the candidate by name."""
    quotes = book.state.quotes
    para = quotes[qi].para
    for step, way in ((-1, "back"), (1, "ahead")):
        for dist, who in book.anchors(para, step):
            if who == c and dist:
                parity = "even" if dist % 2 == 0 else "odd"
                reach = "near" if dist <= 2 else "mid" if dist <= 6 else "far"
                f[f"anchor.{way}.{parity}.{reach}"] = 1.0
    if qi + 1 < len(quotes) and quotes[qi + 1].para == para + 1 and book.vocatives[qi + 1] == c:
        f["next.vocative"] = 1.0
    for k, name in ((qi + 1, "next"), (qi + 2, "next2")):
        if k >= len(quotes) or book.named_frames[k] != c:
            continue
        gap = quotes[k].para - para
        if gap == 0:
            f[name + ".frame.same_para"] = 1.0
        elif gap <= 2:
            f[f"{name}.frame.para{gap}"] = 1.0


def _narration_features(f: dict[str, float], c: int, x: _Local) -> None:
    before = [m for m in x.before if m.cluster == c]
    if before:
        f["para.before"] = 1.0
        f["para.before.near"] = 1.0 / (1.0 + (x.w0 - before[-1].w1) / 5)
        if x.before[-1].cluster == c:
            f["para.before.last"] = 1.0
        if x.before[0].cluster == c:
            f["para.first"] = 1.0
    after = [m for m in x.after if m.cluster == c]
    if after:
        f["para.after"] = 1.0
        f["para.after.near"] = 1.0 / (1.0 + (after[0].w0 - x.w1) / 5)
        if not x.before and x.after[0].cluster == c:
            f["para.first"] = 1.0
    if any(m.cluster == c for m in x.prev):
        f["prev_para"] = 1.0
        if x.prev[-1].cluster == c:
            f["prev_para.last"] = 1.0
    if c in x.recent:
        f["recent"] = 1.0 / (1 + x.recent.index(c))
    if c in x.talkers:
        f["talker.recent"] = 1.0 / (1 + x.talkers.index(c))
