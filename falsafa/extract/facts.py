"""What the book says about each character, and who is linked to whom.

Usage::

    from falsafa.extract.facts import describe, relate
    descriptors, actions = describe(layout, runs_by_cluster, in_quote)
    relations = relate(para_mentions, quotes, speakers, addressees, ids)

Without a parser we read fixed frames around narrative mentions, with the
word classes of ``data/adjectives.txt`` (lemminflect's, see
scripts/build_adjectives.py) for part-of-speech sense: an adjective right
before the name ("poor Miss Taylor"), an apposition (", a tall young man,",
", who had a lively, playful disposition"), a predicate ("Emma was
handsome", "Mr. Darcy, ..., was the proudest, most disagreeable man"), and
the verb right after the name ("Buck Mulligan peeped"). Relations are counted, with the
offset where each first shows, so chat can hide what the reader has not
reached.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.resources import files

from falsafa.extract.lexicon import COMMON_CAPITALISED, SPEECH_VERBS
from falsafa.extract.model import Relation
from falsafa.extract.names import NameRun
from falsafa.extract.quotes import QuoteSpan
from falsafa.extract.text import Layout

__all__ = ["describe", "relate"]

# Verbs that join a subject to what it is: "Emma was handsome".
_COPULA = frozenset("was is seemed looked appeared became grew remained".split())
# Words between a copula or article and the adjectives: "the proudest, most ...".
_LEAD = frozenset("a an the so very rather quite too most more extremely exceedingly".split())
# Closed-class words that the word lists call adjectives but describe no one.
_NOT_DESCRIPTIVE = frozenset(
    "several same other such own certain last next former latter like present".split()
)
_NEGATIONS = frozenset("not never no nothing".split())
# What "had a ..." may say of a person's character, the nouns a narrator
# uses for it ("a lively, playful disposition"); closed, like a word class.
_NATURE = frozenset(
    "disposition temper temperament manner manners mind heart nature spirit spirits character "
    "understanding air countenance face figure look looks person voice smile eyes".split()
)
# Epithets of the period's narration, adjectives whatever else they may be.
_EPITHETS = frozenset("poor good bad old young little great dear proud wild ill".split())


def _word_classes() -> dict[str, frozenset[str]]:
    rows = files("falsafa.extract").joinpath("data", "adjectives.txt").read_text(encoding="utf-8")
    return {
        line.split("\t")[0]: frozenset(line.split("\t")[1:])
        for line in rows.splitlines()
        if line and not line.startswith("#")
    }


_FUNCTION = COMMON_CAPITALISED
_IRREGULAR_PAST = frozenset(
    [
        "went",
        "came",
        "saw",
        "took",
        "made",
        "gave",
        "knew",
        "thought",
        "felt",
        "told",
        "stood",
        "sat",
        "ran",
        "rose",
        "fell",
        "began",
        "spoke",
        "heard",
        "found",
        "left",
        "kept",
        "held",
        "brought",
        "bought",
        "caught",
        "drew",
        "drove",
        "ate",
        "fought",
        "forgot",
        "got",
        "grew",
        "hid",
        "hung",
        "led",
        "lay",
        "lost",
        "meant",
        "met",
        "paid",
        "put",
        "read",
        "rode",
        "rang",
        "sang",
        "sank",
        "shook",
        "shot",
        "slept",
        "smote",
        "spent",
        "sprang",
        "stole",
        "struck",
        "swore",
        "swam",
        "taught",
        "tore",
        "threw",
        "understood",
        "woke",
        "wore",
        "won",
        "wrote",
        "said",
        "replied",
        "cried",
        "asked",
        "answered",
    ]
)
_ADJECTIVES = _word_classes()  # word -> its other classes: NOUN, VERB
# Nouns that a description of a person ends in: "the proudest ... man".
_PERSON_NOUNS = frozenset(
    "man woman girl boy creature person fellow lady gentleman child soul being youth".split()
)
# Words before a name that make it no subject: "his anxiety for Jane was evident".
_OBLIQUE = frozenset("in at on of for to with by from than as about upon".split())
# Words that make the adjective after them an idiom or a degree, no epithet.
_NO_EPITHET = _OBLIQUE | frozenset("however how so too very rather quite".split())


def _adjective(w: str, only: bool = False) -> bool:
    """A word that can be an adjective (lemminflect's word classes, see
    data/adjectives.txt) and no function word; with ``only``, not one that
    the lists also call a noun and no verb: before a name such a word is
    most often the noun of a compound ("fair daughter Elizabeth", "the
    afternoon Lydia"), while one that is all three is most often the
    adjective ("plump Buck Mulligan", "pale Miss de Bourgh")."""
    lw = w.lower()
    if lw in _EPITHETS:
        return True
    other = _ADJECTIVES.get(lw)
    if other is None or lw in _FUNCTION or lw in _NOT_DESCRIPTIVE:
        return False
    if "VERB" in other and lw.endswith(("ed", "ing", "en")):
        return False  # a participle: "was expected", "was reading" tell an event
    return not only or other != {"NOUN"}


def _action(w: str) -> bool:
    lw = w.lower()
    if not w.islower() or (lw in _FUNCTION and lw not in SPEECH_VERBS):
        return False
    return lw in _IRREGULAR_PAST or lw in SPEECH_VERBS or (lw.endswith("ed") and len(lw) > 4)


@dataclass(slots=True)
class _Tally:
    """Words counted for one character, with where each first shows."""

    counts: Counter[str] = field(default_factory=Counter)
    first: dict[str, int] = field(default_factory=dict)

    def add(self, word: str, offset: int) -> None:
        self.counts[word] += 1
        self.first[word] = min(offset, self.first.get(word, offset))

    def ranked(self, k: int = 20) -> tuple[tuple[str, int], ...]:
        return tuple((w, self.first[w]) for w, _ in self.counts.most_common(k))


class _Reader:
    """The descriptor frames, over one book's words."""

    def __init__(self, layout: Layout) -> None:
        self.words = layout.words
        self.text = layout.text

    def gap(self, j: int) -> str:
        """What stands between word ``j`` and the next (punctuation, space)."""
        if j + 1 >= len(self.words):
            return "."
        return self.text[self.words[j].end : self.words[j + 1].start].strip()

    def same_para(self, j: int, para: int) -> bool:
        return 0 <= j < len(self.words) and self.words[j].para == para

    def adjectives_from(
        self, j: int, para: int, heads: frozenset[str] = _PERSON_NOUNS
    ) -> list[int]:
        """Adjectives in a row from word ``j``: "the proudest, most disagreeable
        man" -> proudest, disagreeable. After an article the phrase must end
        in one of ``heads`` ("the real cause" says nothing of her). A
        negation voids them ("not handsome")."""
        found: list[int] = []
        article = False
        head = ""
        while self.same_para(j, para) and len(found) < 4:
            w = self.words[j].text.lower()
            if w in _NEGATIONS:
                return []
            article = article or w in {"a", "an", "the"}
            if w in _LEAD or (found and w in {"and", "but"}):
                pass
            elif self.words[j].text.islower() and _adjective(self.words[j].text):
                found.append(j)
            else:
                head = w
                break
            if self.gap(j) not in ("", ","):
                break
            j += 1
        return found if not article or head in heads else []

    def subject(self, k: int, para: int) -> bool:
        """Whether the name at word ``k`` can be a clause's subject: not after
        "for", "to", "with"... ("his anxiety for Jane was evident")."""
        j = k - 1
        if not self.same_para(j, para) or self.gap(j):
            return True
        return self.words[j].text.lower() not in _OBLIQUE

    def before(self, k: int, para: int) -> list[int]:
        """ "poor Miss Taylor", "Stately, plump Buck Mulligan": adjectives right
        before the name (capitalised only to open a sentence)."""
        found: list[int] = []
        j = k - 1
        # Right before the name with nothing between: "one afternoon, Lydia" is no epithet.
        while (
            self.same_para(j, para)
            and len(found) < 2
            and self.gap(j) in ("", ",")[: 1 + len(found)]
        ):
            w = self.words[j].text
            opens = not self.same_para(j - 1, para) or self.gap(j - 1)[-1:] in (".", "!", "?")
            if not (w.islower() or opens) or not _adjective(w, only=w.lower() not in _EPITHETS):
                break
            found.append(j)
            j -= 1
        if found and self.same_para(j, para) and self.words[j].text.lower() in _NO_EPITHET:
            return []  # "in vain Elizabeth tried", "however little Mr. Darcy cared"
        return found

    def _parenthesis_end(self, j: int, para: int) -> int | None:
        """The word after ", ... ," that starts at ``j`` (at most 12 words)."""
        for end in range(j, j + 12):
            if not self.same_para(end, para):
                return None
            g = self.gap(end)
            if g == ",":
                return end + 1
            if g:
                return None
        return None

    def after(self, last: int, para: int) -> list[int]:
        """What the narration says the character is, after the name:
        "Emma was handsome", "Mr. Darcy, ..., was the proudest, most
        disagreeable man", "Elizabeth, who had a lively, playful disposition",
        ", a tall young man,"."""
        j = last + 1
        if not self.same_para(j, para):
            return []
        lead = self.gap(last)
        w = self.words[j].text.lower()
        if lead == "," and w in {"a", "an"}:
            return self.adjectives_from(j, para)
        if lead == "," and w == "who" and self.same_para(j + 1, para):
            return self._clause(j + 1, para)
        if lead == ",":
            resumed = self._parenthesis_end(j, para)
            return self._clause(resumed, para) if resumed is not None else []
        return self._clause(j, para) if not lead else []

    def _clause(self, j: int, para: int) -> list[int]:
        if not self.same_para(j + 1, para):
            return []
        verb = self.words[j].text.lower()
        if verb in _COPULA and self.gap(j) == "":
            return self.adjectives_from(j + 1, para)
        if verb == "had" and self.gap(j) == "":
            return self.adjectives_from(j + 1, para, heads=_NATURE)
        return []

    def action(self, last: int, para: int) -> int | None:
        nxt = last + 1
        if not self.same_para(nxt, para) or self.gap(last):
            return None
        if self.words[nxt].text.endswith("ly") and self.same_para(nxt + 1, para):
            nxt += 1  # "Emma hastily replied"
        return nxt if _action(self.words[nxt].text) else None


def describe(
    layout: Layout, runs_by_cluster: Sequence[Sequence[NameRun]], in_quote: list[bool]
) -> tuple[list[tuple[tuple[str, int], ...]], list[tuple[tuple[str, int], ...]]]:
    """Descriptors and actions per cluster: ``(word, first_offset)``, most frequent first.

    Descriptors are adjectives the narration applies to the name (never
    inside speech): right before it, as its predicate or in an apposition.
    """
    reader = _Reader(layout)
    words = layout.words
    descs: list[tuple[tuple[str, int], ...]] = []
    acts: list[tuple[tuple[str, int], ...]] = []
    for runs in runs_by_cluster:
        described, done = _Tally(), _Tally()
        for r in runs:
            k = r.word_index
            if in_quote[k]:
                continue
            last = k + len(r.parts) + (1 if r.title else 0) - 1
            said_of = reader.after(last, r.para) if reader.subject(k, r.para) else []
            for j in (*reader.before(k, r.para), *said_of):
                described.add(words[j].text.lower(), words[j].start)
            if (a := reader.action(last, r.para)) is not None:
                done.add(words[a].text.lower(), words[a].start)
        descs.append(described.ranked())
        acts.append(done.ranked())
    return descs, acts


def relate(
    para_mentions: dict[int, list[tuple[int, int]]],
    quotes: Sequence[QuoteSpan],
    speakers: Sequence[str | None],
    addressees: Sequence[str | None],
    ids: Sequence[str],
) -> list[Relation]:
    """``speaks_to`` from attributed quotes, ``co_occurs`` from paragraphs.

    ``para_mentions`` maps a paragraph index to ``(cluster, offset)`` pairs.
    """
    speak: Counter[tuple[str, str]] = Counter()
    speak_first: dict[tuple[str, str], int] = {}
    for q, s, a in zip(quotes, speakers, addressees, strict=True):
        if s is not None and a is not None and s != a:
            speak[(s, a)] += 1
            speak_first.setdefault((s, a), q.start)
    co: Counter[tuple[str, str]] = Counter()
    co_first: dict[tuple[str, str], int] = {}
    for para in sorted(para_mentions):
        seen: dict[int, int] = {}
        for c, off in para_mentions[para]:
            seen.setdefault(c, off)
        if len(seen) > 12:
            continue  # a crowd scene or a list, not a relation
        members = sorted(seen)
        for i, x in enumerate(members):
            for y in members[i + 1 :]:
                key = (ids[x], ids[y]) if ids[x] < ids[y] else (ids[y], ids[x])
                co[key] += 1
                co_first.setdefault(key, max(seen[x], seen[y]))
    rels = [Relation(a, b, "speaks_to", n, speak_first[(a, b)]) for (a, b), n in speak.items()]
    rels += [Relation(a, b, "co_occurs", n, co_first[(a, b)]) for (a, b), n in co.items()]
    rels.sort(key=lambda r: (-r.weight, r.first_offset))
    return rels
