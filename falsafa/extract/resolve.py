"""Stage two of the attribution sieve: the character a mention stands for.

Usage::

    from falsafa.extract.resolve import resolve_pronoun
    cluster = resolve_pronoun(state, word_index, exclude=addressee)

A pronoun is the most recent character of its gender, preferring sentence
subjects, and "I" is the narrator; a kinship noun phrase ("his wife") goes
through its possessor's surname, or else the book's married couple; any
other noun phrase ("the gentleman") becomes a pseudo-speaker (an id below
-1) that :func:`resolve_pseudo` later turns into the person the neighbouring
turn addresses by name, else the nearest character of the noun's gender.
"""

from __future__ import annotations

import bisect
from collections import Counter

from falsafa.extract.gender import pronoun_gender
from falsafa.extract.lexicon import Gender, title_gender
from falsafa.extract.sieve import NARRATOR, SieveState, mentions_before, recent, recent_detail

__all__ = ["resolve_gendered", "resolve_np", "resolve_pronoun", "resolve_pseudo", "titled_bearer"]

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
# Titles that name one person of the story when said with "the": "said the
# count" is the Count last named, not the nearest man.
_TITLE_NOUNS = frozenset(
    "king queen prince princess duke duchess count countess earl baron baroness marquis "
    "marquise emperor empress tsar czar doctor captain colonel general major lieutenant "
    "sergeant admiral judge inspector governor professor squire parson vicar rector".split()
)
_TITLE_REACH = 2000  # name mentions: a few chapters
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


def _compatible(ctx: SieveState, cluster: int, g: Gender) -> bool:
    if cluster < 0:
        return True
    if ctx.kin[cluster].group:
        return False  # "the Claytons" never say "I" or take "he"
    mg = ctx.genders[cluster]
    return g == "unknown" or mg == "unknown" or mg == g


def resolve_gendered(
    ctx: SieveState, word_index: int, g: Gender, exclude: set[int | None]
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
    for checked, (c, strong, pos, topic) in enumerate(recent_detail(ctx, word_index)):
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


def resolve_pronoun(ctx: SieveState, word_index: int, exclude: int | None) -> int | None:
    w = ctx.layout.words[word_index].text.lower()
    if w in {"i", "my", "me"}:
        return NARRATOR if ctx.narrator is None else ctx.narrator
    return resolve_gendered(ctx, word_index, pronoun_gender(w), {exclude})


def resolve_np(ctx: SieveState, det: int, head: int, addressee: int | None) -> int | None:
    """A noun phrase subject: kinship through its possessor, else a pseudo-speaker."""
    words = ctx.layout.words
    d = words[det].text.lower()
    noun = words[head].text.lower()
    in_law = head + 2 < len(words) and [w.text.lower() for w in words[head + 1 : head + 3]] == [
        "in",
        "law",
    ]
    if noun in _KIN_NOUNS and d in {"his", "her", "my"} and not in_law:
        g = _KIN_NOUNS[noun]
        owner = resolve_pronoun(ctx, det, None)
        found = _kin_of(ctx, owner, noun, g)
        if found is None and noun in _PARENT:
            found = _parent(ctx, g)
        if found is not None and found != addressee:
            return found
        if owner is not None:
            return resolve_gendered(ctx, det, g, {owner, addressee})
        return None
    # "my sister-in-law" is no sister of the family: a person to find like "the lady".
    key = f"{d} {noun}{'-in-law' if in_law else ''}"
    if key not in ctx.pseudo:
        pid = -2 - len(ctx.pseudo)
        ctx.pseudo[key] = pid
        by_noun: Gender = (
            "male" if noun in _MALE_NOUNS else "female" if noun in _FEMALE_NOUNS else "unknown"
        )
        ctx.pseudo_gender[pid] = _KIN_NOUNS.get(noun, by_noun)
        if d == "the" and noun in _TITLE_NOUNS and not in_law:
            ctx.pseudo_title[pid] = noun
            if by_noun == "unknown":
                ctx.pseudo_gender[pid] = title_gender(noun)
    return ctx.pseudo[key]


def resolve_pseudo(
    ctx: SieveState, qi: int, pid: int, addressees: list[int | None], by_para: dict[int, list[int]]
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
    title = ctx.pseudo_title.get(pid)
    if title is not None:
        found = _last_titled(ctx, w0, title, g, {addressees[qi]})
        if found is not None:
            return found
    for c, strong in recent(ctx, w0, 12):
        if strong and c not in excl and _compatible(ctx, c, g):
            return c
    k = bisect.bisect_left(ctx.mkeys, w0)
    for m in ctx.mentions[k : k + 30]:
        if not m.in_quote and m.cluster not in excl and _compatible(ctx, m.cluster, g):
            return m.cluster
    return None


def titled_bearer(ctx: SieveState, qi: int, pid: int) -> int | None:
    """The last person named with the title a noun-phrase speaker is ("the
    count" after "Count Rostóv came in"), before quote ``qi``; None when the
    noun phrase is no title or nobody bore it."""
    title = ctx.pseudo_title.get(pid)
    if title is None:
        return None
    g = ctx.pseudo_gender.get(pid, "unknown")
    return _last_titled(ctx, ctx.quote_words[qi][0], title, g, set())


def _last_titled(
    ctx: SieveState, word_index: int, title: str, g: Gender, exclude: set[int | None]
) -> int | None:
    """The last person named with ``title`` before ``word_index``: "the count"
    after "Count Rostóv came in" is Count Rostóv, whoever was named since."""
    words = ctx.layout.words
    for m in mentions_before(ctx, word_index, _TITLE_REACH):
        if (
            m.w1 > m.w0  # "Count Rostóv", not a bare "Duchess" someone is called
            and words[m.w0].text.lower().rstrip(".") == title
            and m.cluster not in exclude
            and _compatible(ctx, m.cluster, g)
        ):
            return m.cluster
    return None


def _kin_of(ctx: SieveState, owner: int | None, noun: str, g: Gender) -> int | None:
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


def _parent(ctx: SieveState, g: Gender) -> int | None:
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
