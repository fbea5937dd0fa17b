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
   previous speaker.

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
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from falsafa.extract.gender import pronoun_gender
from falsafa.extract.lexicon import PLACE_WORDS, SPEECH_VERBS, Gender
from falsafa.extract.quotes import QuoteSpan
from falsafa.extract.text import Layout

__all__ = ["NARRATOR", "Kin", "MentionRef", "attribute"]

NARRATOR = -1
"""Speaker id of the first-person narrator until we learn their name."""

_SUBJECT_PRONOUNS = frozenset({"he", "she", "i"})
_DETERMINERS = frozenset({"the", "his", "her", "my", "their", "our", "your", "this", "that"})
_NP_STOP = frozenset(
    "to with in at as of on for from by after before and but or then again who which that "
    "when while not so very too once now quite still".split()
)
_KIN_NOUNS: dict[str, Gender] = {
    "wife": "female",
    "lady": "female",
    "husband": "male",
    "mother": "female",
    "mamma": "female",
    "mama": "female",
    "papa": "male",
    "father": "male",
    "son": "male",
    "daughter": "female",
    "brother": "male",
    "sister": "female",
    "uncle": "male",
    "aunt": "female",
}
_SPOUSE = frozenset({"wife", "lady", "husband"})
# "my dear Emma", "oh Emma"; not "poor Miss Taylor!", which mostly pities the absent.
_VOCATIVE_OPENERS = frozenset({"dear", "o", "oh", "my", "good"})
_PERCEPTION_VERBS = frozenset({"heard", "hear", "hears", "overheard", "overhear"})
_PARENT = frozenset({"mother", "mamma", "mama", "papa", "father"})
_MALE_NOUNS = frozenset(
    "man gentleman boy fellow lad sir king prince lord master squire youth stranger "
    "husband father brother son uncle nephew parson priest clergyman landlord host "
    "captain colonel major general doctor officer soldier sailor farmer "
    "butler coachman driver".split()
)
_FEMALE_NOUNS = frozenset(
    "woman lady girl maid maiden mistress dame queen princess widow wife mother sister "
    "daughter aunt niece landlady hostess housekeeper nurse governess attendant handmaiden "
    "cook".split()
)


@dataclass(frozen=True, slots=True)
class MentionRef:
    """A name mention as attribution sees it: word indices and its cluster."""

    w0: int
    w1: int
    cluster: int
    in_quote: bool


@dataclass(frozen=True, slots=True)
class Kin:
    """What kinship phrases need to know about a cluster: its title class and surnames."""

    tclass: str = ""
    surnames: frozenset[str] = frozenset()
    group: bool = False


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
    kin: Sequence[Kin]
    speakers: list[int | None] = field(default_factory=list)
    qstarts: list[int] = field(default_factory=list)
    pseudo: dict[str, int] = field(default_factory=dict)
    pseudo_gender: dict[int, Gender] = field(default_factory=dict)
    addressees: list[int | None] = field(default_factory=list)
    turn: int | None = None
    parties: set[int] = field(default_factory=set)
    pronoun: bool = False
    counts: Counter[int] | None = None
    """Whether the last frame's subject was a third-person pronoun."""
    """The speaker of the quote just before, in a dialogue (see :func:`_explicit`)."""


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
        kin if kin is not None else [Kin() for _ in genders],
        [None] * n,
        [w0 for w0, _ in quote_words],
    )
    speakers = ctx.speakers
    addressees: list[int | None] = [_vocative(ctx, qi) for qi in range(n)]
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
        _share_along(ctx, qis, how, "paragraph")
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
    cont = _continued_paragraphs(ctx, paras, by_para)
    for chain in _chains(paras, cont):
        _share_along(ctx, [qi for p in chain for qi in by_para[p]], how)
    # 4. Conversation turn-taking.
    _conversation(ctx, paras, by_para, addressees, how, cont)
    # 5. Nearest character, neither addressed nor the previous speaker.
    prev_speaker: dict[int, int | None] = {}
    for i, para in enumerate(paras):
        if i and paras[i - 1] == para - 1:
            prev_speaker[para] = speakers[by_para[paras[i - 1]][-1]]
    for qi in range(n):
        if speakers[qi] is None:
            excl = {x for x in (addressees[qi], prev_speaker.get(quotes[qi].para)) if x is not None}
            speakers[qi] = _nearest(ctx, ctx.quote_words[qi][0], exclude=excl)
            how[qi] = "nearest"
    pseudo = list(speakers)
    for qi in range(n):
        s = speakers[qi]
        if s is None or s > -2:
            continue
        if qi and pseudo[qi - 1] == s and quotes[qi].para in {quotes[qi - 1].para} | cont:
            # One speech, one person: resolving "the detective" afresh for each
            # paragraph of his long story made it alternate between two men.
            speakers[qi] = speakers[qi - 1]
        else:
            speakers[qi] = _resolve_pseudo(ctx, qi, s, addressees, by_para)
    _name_narrator(ctx, speakers, addressees, by_para)
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


def _name_pronoun_frames(ctx: _Ctx, qis: list[int], by_pronoun: set[int]) -> None:
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


# ---------------------------------------------------------------- stage two


def _compatible(ctx: _Ctx, cluster: int, g: Gender) -> bool:
    if cluster < 0:
        return True
    if ctx.kin[cluster].group:
        return False  # "the Claytons" never say "I" or take "he"
    mg = ctx.genders[cluster]
    return g == "unknown" or mg == "unknown" or mg == g


def _recent(ctx: _Ctx, word_index: int, limit: int = 40) -> list[tuple[int, bool]]:
    """Characters before ``word_index``, most recent first: (cluster, strong).

    Speakers of earlier quotes and narration mentions that can be a subject
    are strong; names spoken inside quotes, after a preposition ("the portrait
    of Countess Amelia") or possessive ("Holmes's hand") are weak, used only
    when nothing strong fits.
    """
    out: list[tuple[int, bool]] = []
    k = bisect.bisect_left(ctx.mkeys, word_index) - 1
    qk = bisect.bisect_left(ctx.qstarts, word_index) - 1
    while len(out) < limit and (k >= 0 or qk >= 0):
        mpos = ctx.mentions[k].w0 if k >= 0 else -1
        qpos = ctx.quote_words[qk][0] if qk >= 0 else -1
        if mpos >= qpos:
            m = ctx.mentions[k]
            out.append((m.cluster, not m.in_quote and not _oblique(ctx, m)))
            k -= 1
        else:
            s = ctx.speakers[qk]
            if s is not None and s >= 0:
                out.append((s, True))
            qk -= 1
    return out


_PREPOSITIONS = frozenset(
    "of to at with for from by on in upon about into towards toward near behind beside "
    "than like".split()
)


def _oblique(ctx: _Ctx, m: MentionRef) -> bool:
    words = ctx.layout.words
    last = words[m.w1].text
    if last.endswith(("'s", "’s")) or ctx.layout.text[words[m.w1].end : words[m.w1].end + 1] in {
        "'",
        "’",
    }:
        return True
    if m.w0 == 0 or words[m.w0 - 1].para != words[m.w0].para:
        return False
    return words[m.w0 - 1].text.lower() in _PREPOSITIONS


def _resolve_gendered(
    ctx: _Ctx, word_index: int, g: Gender, exclude: set[int | None]
) -> int | None:
    """The most recent compatible character, preferring sentence subjects.

    A character who opens a sentence of the current or the previous paragraph
    is the topic a pronoun usually continues ("Mrs. Hall lit the fire ...
    and Millie ... she carried the cloth"), so such a mention beats a nearer
    one in a subordinate position.
    """
    best_weak: int | None = None
    nearest: int | None = None
    para = ctx.layout.words[word_index].para if word_index < len(ctx.layout.words) else 0
    for checked, (c, strong, pos, topic) in enumerate(_recent_detail(ctx, word_index)):
        if c in exclude or not _compatible(ctx, c, g):
            continue
        if not strong:
            if best_weak is None:
                best_weak = c
            continue
        if g != "unknown" and ctx.genders[c] == "unknown" and checked > 8:
            continue
        if nearest is None:
            nearest = c
        if topic and ctx.layout.words[pos].para >= para - 1:
            return c
        if ctx.layout.words[pos].para < para - 1:
            break
    if nearest is not None:
        return nearest
    return best_weak


def _recent_detail(
    ctx: _Ctx, word_index: int, limit: int = 40
) -> list[tuple[int, bool, int, bool]]:
    """Like :func:`_recent`, with each candidate's word index and whether it opens a sentence."""
    out: list[tuple[int, bool, int, bool]] = []
    k = bisect.bisect_left(ctx.mkeys, word_index) - 1
    qk = bisect.bisect_left(ctx.qstarts, word_index) - 1
    while len(out) < limit and (k >= 0 or qk >= 0):
        mpos = ctx.mentions[k].w0 if k >= 0 else -1
        qpos = ctx.quote_words[qk][0] if qk >= 0 else -1
        if mpos >= qpos:
            m = ctx.mentions[k]
            strong = not m.in_quote and not _oblique(ctx, m)
            out.append((m.cluster, strong, m.w0, strong and _opens_sentence(ctx, m.w0)))
            k -= 1
        else:
            s = ctx.speakers[qk]
            if s is not None and s >= 0:
                out.append((s, True, qpos, True))
            qk -= 1
    return out


_OPENERS = frozenset("and but then so when while yet now presently".split())


def _opens_sentence(ctx: _Ctx, w: int) -> bool:
    words = ctx.layout.words
    for back in (1, 2):
        j = w - back
        if j < 0 or words[j].para != words[w].para:
            return True
        if any(ch in ".!?;:" for ch in _gap(ctx, j)):
            return True
        if back == 1 and words[j].text.lower() in _OPENERS:
            continue
        return False
    return False


def _resolve_pronoun(ctx: _Ctx, word_index: int, exclude: int | None) -> int | None:
    w = ctx.layout.words[word_index].text.lower()
    if w in {"i", "my", "me"}:
        return NARRATOR if ctx.narrator is None else ctx.narrator
    return _resolve_gendered(ctx, word_index, pronoun_gender(w), {exclude})


def _resolve_np(ctx: _Ctx, det: int, head: int, addressee: int | None) -> int | None:
    """A noun phrase subject: kinship through its possessor, else a pseudo-speaker."""
    words = ctx.layout.words
    d = words[det].text.lower()
    noun = words[head].text.lower()
    if noun in _KIN_NOUNS and d in {"his", "her", "my"}:
        g = _KIN_NOUNS[noun]
        owner = _resolve_pronoun(ctx, det, None)
        found = _kin_of(ctx, owner, noun, g)
        if found is None and noun in _PARENT:
            found = _parent(ctx, g)
        if found is not None and found != addressee:
            return found
        if owner is not None:
            return _resolve_gendered(ctx, det, g, {owner, addressee})
        return None
    key = f"{d} {noun}"
    if key not in ctx.pseudo:
        pid = -2 - len(ctx.pseudo)
        ctx.pseudo[key] = pid
        ctx.pseudo_gender[pid] = (
            "male" if noun in _MALE_NOUNS else "female" if noun in _FEMALE_NOUNS else "unknown"
        )
    return ctx.pseudo[key]


def _resolve_pseudo(
    ctx: _Ctx, qi: int, pid: int, addressees: list[int | None], by_para: dict[int, list[int]]
) -> int | None:
    """The character a noun-phrase speaker ("the gentleman") most likely is.

    The nearest character of the noun's gender before the quote, or else the
    first one named after it, who is not the other side of the conversation.
    """
    g = ctx.pseudo_gender.get(pid, "unknown")
    para = ctx.quotes[qi].para
    excl: set[int | None] = {addressees[qi]}
    for other in (para - 1, para + 1):
        for qj in by_para.get(other, []):
            if ctx.speakers[qj] != pid:
                excl.add(ctx.speakers[qj])
    # The other side of the exchange calls them by name: "my sister-in-law"
    # answered by "To a man of spirit, my dear Rose," is Rose.
    for other in (para - 1, para + 1):
        for qj in by_para.get(other, []):
            a = addressees[qj]
            if (
                a is not None
                and a >= 0
                and ctx.speakers[qj] != pid
                and a not in excl
                and _compatible(ctx, a, g)
            ):
                return a
    w0 = ctx.quote_words[qi][0]
    for c, strong in _recent(ctx, w0, 12):
        if strong and c not in excl and _compatible(ctx, c, g):
            return c
    k = bisect.bisect_left(ctx.mkeys, w0)
    for m in ctx.mentions[k : k + 30]:
        if not m.in_quote and m.cluster not in excl and _compatible(ctx, m.cluster, g):
            return m.cluster
    return None


def _kin_of(ctx: _Ctx, owner: int | None, noun: str, g: Gender) -> int | None:
    if owner is None or owner < 0:
        return None
    names = ctx.kin[owner].surnames
    if not names:
        return None
    cands = [
        c
        for c, k in enumerate(ctx.kin)
        if c != owner and k.surnames & names and _compatible(ctx, c, g) and ctx.genders[c] == g
    ]
    if noun in _SPOUSE or noun in _PARENT:
        want = "mrs" if g == "female" else "mr"
        titled = [c for c in cands if ctx.kin[c].tclass == want]
        if len(titled) == 1:
            return titled[0]
    if len(cands) == 1 and noun not in _SPOUSE:
        return cands[0]
    return None


def _parent(ctx: _Ctx, g: Gender) -> int | None:
    """The titled parent of a family: "Mrs./Mr. X" whose spouse "Mr./Mrs. X" is
    also in the book, the most often named such one.

    When the possessor has no surname of their own ("Lizzy ... said her
    mother"), a married couple is the best sign of whose
    parents the book shows; the possessor pronoun itself is too often
    misread to narrow it down.
    """
    if g == "unknown":
        return None
    want, spouse = ("mrs", "mr") if g == "female" else ("mr", "mrs")
    married = {name for k in ctx.kin if k.tclass == spouse and not k.group for name in k.surnames}
    cands = [
        c
        for c, k in enumerate(ctx.kin)
        if k.tclass == want and not k.group and k.surnames & married
    ]
    if not cands:
        return None
    if ctx.counts is None:
        ctx.counts = Counter(m.cluster for m in ctx.mentions)
    counts = ctx.counts
    return max(cands, key=lambda c: (counts[c], -c))


# ---------------------------------------------------------------- stage one


def _gap(ctx: _Ctx, j: int) -> str:
    text = ctx.layout.text
    words = ctx.layout.words
    end = words[j + 1].start if j + 1 < len(words) else len(text)
    return text[words[j].end : end]


def _clause_ends_after(ctx: _Ctx, j: int) -> bool:
    gap = _gap(ctx, j)
    m = ctx.by_word.get(j)
    if gap.strip() == "." and m is not None and m.w1 > j:
        return False  # the stop of a title: '"..." Mrs. Lennox gasped.'
    return any(c in ".!?;" for c in gap)


def _np_after(ctx: _Ctx, j: int, limit: int) -> tuple[int, int] | None:
    """A noun phrase "the old man" starting at word j: (determiner, head)."""
    words = ctx.layout.words
    if words[j].text.lower() not in _DETERMINERS or ctx.by_word.get(j) is not None:
        return None
    head: int | None = None
    k = j
    while k + 1 < limit and _gap(ctx, k).strip() in ("", "-"):
        w = words[k + 1].text
        if not w.islower() or w in _NP_STOP or w in SPEECH_VERBS or w.endswith("ly"):
            break
        head = k + 1
        k += 1
        if k - j >= 4:
            break
    return (j, head) if head is not None else None


def _np_before(ctx: _Ctx, span: list[int], pos: int) -> tuple[int, int] | None:
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
        if _gap(ctx, j).strip() not in ("", "-"):
            return None
        w = words[j].text
        if w.lower() in _DETERMINERS:
            return (j, head)
        if not w.islower():
            return None
    return None


def _subject_at(ctx: _Ctx, j: int, limit: int, exclude: int | None) -> tuple[bool, int | None]:
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
            c = _resolve_gendered(ctx, j, pronoun_gender(w), {exclude, ctx.turn})
            if c is not None and c in ctx.parties:
                ctx.pronoun = True
                return True, c
        ctx.pronoun = w != "i"
        return True, _resolve_pronoun(ctx, j, exclude)
    np = _np_after(ctx, j, limit)
    if np is not None:
        owner = _voice_of(ctx, np[1], limit)
        if owner is not None:
            return True, owner
        return True, _resolve_np(ctx, np[0], np[1], exclude)
    return False, None


_VOICE_NOUNS = frozenset({"voice", "tones", "accents"})


def _voice_of(ctx: _Ctx, head: int, limit: int) -> int | None:
    """The person named in "cried the voice of John Reed"."""
    words = ctx.layout.words
    if words[head].text.lower() not in _VOICE_NOUNS or head + 2 >= limit:
        return None
    if words[head + 1].text.lower() != "of":
        return None
    m = ctx.by_word.get(head + 2)
    return m.cluster if m is not None else None


def _explicit(ctx: _Ctx, qi: int, addressee: int | None) -> int | None:
    ctx.turn = _previous_turn(ctx, qi)
    ctx.pronoun = False
    try:
        return _explicit_frame(ctx, qi, addressee)
    finally:
        ctx.turn = None


def _previous_turn(ctx: _Ctx, qi: int) -> int | None:
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


def _explicit_frame(ctx: _Ctx, qi: int, addressee: int | None) -> int | None:
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


def _frame(ctx: _Ctx, span: list[int], addressee: int | None, after: bool) -> int | None:
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
            return _resolve_gendered(ctx, k, g, skip)
        if b >= 0:
            k = span[b]
            if words[k].text.lower() in _SUBJECT_PRONOUNS:
                return _subject_at(ctx, k, limit, addressee)[1]
            m = _mention_ending_at(ctx, k)
            if m is not None and not _oblique(ctx, m):
                return m.cluster
        # Inverted: said Mr. Bennet / said he / replied the girl.
        if pos + 1 < len(span):
            ok, c = _subject_at(ctx, span[pos + 1], limit, addressee)
            if ok:
                return c
        # Subject before the verb, allowing an adverb or a short aside.
        np = _np_before(ctx, span, pos)
        if np is not None:
            return _resolve_np(ctx, np[0], np[1], addressee)
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
        if "," in before and _listed_after(ctx, j, w0):
            continue  # "Gregson, Lestrade, and Co.", "Duncan Street, Houndsditch"
        if j == w0 and _asks_a_name(ctx, qi):
            continue  # "What is his name?" "Bingley." answers, it does not call
        if prev_word == "poor" and j - 2 >= w0:
            prev_word = words[j - 2].text.lower()  # "my poor Emma" is addressed
        opens = j == w0 or "," in before or prev_word in _VOCATIVE_OPENERS
        closes = (
            m.w1 + 1 >= w1 or any(c in after for c in ",!?") or ("," in before and "." in after)
        )
        if opens and closes:
            return m.cluster
    return None


def _listed_after(ctx: _Ctx, j: int, w0: int) -> bool:
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
    after = _gap(ctx, m.w1).strip()
    nxt = words[m.w1 + 1].text.lower() if m.w1 + 1 < len(words) else ""
    return "," in _gap(ctx, j - 2) or (after in {"", ","} and nxt in {"and", "or"})


def _asks_a_name(ctx: _Ctx, qi: int) -> bool:
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


def _conversation(
    ctx: _Ctx,
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
        if para in cont and runs and last == para - 1:
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


def _continued_paragraphs(ctx: _Ctx, paras: list[int], by_para: dict[int, list[int]]) -> set[int]:
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


def _chains(paras: list[int], cont: set[int]) -> list[list[int]]:
    """Paragraphs grouped into speeches: each continued paragraph joins the one before."""
    chains: list[list[int]] = []
    for para in paras:
        if para in cont and chains:
            chains[-1].append(para)
        else:
            chains.append([para])
    return [c for c in chains if len(c) > 1]


def _share_along(ctx: _Ctx, qis: list[int], how: list[str], sieve: str = "continued") -> None:
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


def _ends_with_speech(ctx: _Ctx, qi: int, frame: int = 8) -> bool:
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


def _lead_in(ctx: _Ctx, para: int, addressee: int | None) -> int | None:
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
        if m.cluster == addressee or ctx.kin[m.cluster].group or _oblique(ctx, m):
            continue
        if _opens_sentence(ctx, m.w0):
            best = m.cluster
    return best


def _other(
    ctx: _Ctx,
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
    for c, strong in _recent(ctx, before_run, 20):
        if strong and c != s and c >= 0 and not ctx.kin[c].group:
            return c
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


def _nearest(ctx: _Ctx, word_index: int, exclude: set[int]) -> int | None:
    k = bisect.bisect_left(ctx.mkeys, word_index) - 1
    while k >= 0:
        m = ctx.mentions[k]
        if m.cluster not in exclude and not m.in_quote and not ctx.kin[m.cluster].group:
            return m.cluster
        k -= 1
    return None
