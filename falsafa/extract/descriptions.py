"""Characters named by a capitalised description: "the Time Traveller".

Usage::

    from falsafa.extract.descriptions import (
        attach_titles, claim_descriptions, described_person, find_descriptions,
    )
    clusters += find_descriptions(layout, clusters)      # candidate clusters
    genders, votes = infer_genders(layout, clusters, in_quote)
    keep = [described_person(c, layout, v) if c.described else is_person(...) ...]
    clusters, genders = claim_descriptions(clusters, genders)
    attach_titles(layout, clusters)                      # "the Doctor" -> Dr. Manette

Some books never name a character and call them by a description the
author capitalises as a name: "the Time Traveller", "the Medical Man",
"the Mem Sahib", "the Vengeance". What sets such a description apart from
an ordinary noun phrase is the capital letters of words that are otherwise
common nouns, recurring in the same form; what sets it apart from a place,
a ship or an institution ("the Strand", "the Pequod", "the Church") is that
it speaks and takes "he"/"she".

A title alone ("the Doctor", "the Judge") is a different case: it names the
one person of the book who bears that title ("Dr. Marjoribanks"), and names
nobody in particular when several do ("the Prince" in War and Peace).

Every such mention is a :class:`NameRun` over the capitalised words with
``article`` set, so that the speech-frame code sees the whole "the ..." as
one mention ("said the Time Traveller").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator

from falsafa.extract.lexicon import (
    CALENDAR,
    COMMON_CAPITALISED,
    FEMALE_NAMES,
    GAZETTEER,
    HONORIFICS,
    LOCATIVES,
    MALE_NAMES,
    NATIONALITIES,
    NOT_PERSON,
    PLACE_WORDS,
    SPEECH_VERBS,
    Gender,
)
from falsafa.extract.names import NameCluster, NameRun, merge_cluster
from falsafa.extract.text import Layout, Word

__all__ = ["attach_titles", "claim_descriptions", "described_person", "find_descriptions"]

_MIN_MENTIONS = 3  # one or two capitalised uses may be emphasis or a chapter's conceit
_MAX_WORDS = 3
# Titles that, alone after "the", stand for their one bearer in the book.
# Kinship and forms of address ("the Master", "the Lady") are left out: they
# are as often a role or a class of people as one person.
_TITLE_ALONE: dict[str, str] = {
    **{
        t: t
        for t in (
            "doctor captain colonel major general lieutenant sergeant corporal admiral "
            "commodore professor judge governor president senator inspector constable "
            "count countess prince princess duke duchess baron baroness marquis marquise "
            "marchioness earl viscount emperor empress king queen tsar czar bishop cardinal "
            "squire parson rector vicar abbé"
        ).split()
    },
    "dr": "doctor",
    "capt": "captain",
    "col": "colonel",
    "gen": "general",
    "lieut": "lieutenant",
    "sergt": "sergeant",
    "prof": "professor",
}
_GIVEN = MALE_NAMES | FEMALE_NAMES
# Nouns of a body of people: "the Happy Family" is a gang, not one person.
_GROUP_HEADS = frozenset(
    "family families crew gang band party crowd people folk tribe clan household "
    "brotherhood sisterhood society council committee board guild order firm league "
    "union corps troop troupe staff faculty congregation assembly tribunal jury senate "
    "regiment".split()
)
_MALE_HEADS = frozenset("man gentleman boy lad fellow".split())
_FEMALE_HEADS = frozenset("woman lady girl maid".split())


def _strip_possessive(w: str) -> str:
    return w[:-2] if w.endswith(("'s", "’s")) and len(w) > 3 else w


def _joined(text: str, a: Word, b: Word) -> bool:
    return a.para == b.para and text[a.end : b.start] in (" ", "\n", "\r\n")


def _capitalised(w: str) -> bool:
    # Title case only: "THE TIME MACHINE" is a heading or a shout.
    return w[:1].isupper() and not (len(w) > 1 and w.isupper())


def _title_vocatives(layout: Layout) -> Iterator[int]:
    """Each title said alone to someone: '"Well, Doctor, ..."', '"my dear Captain!"'."""
    words = layout.words
    text = layout.text
    for j, w in enumerate(words):
        if w.text[:1] != w.text[:1].upper() or w.text.lower() not in _TITLE_ALONE:
            continue
        before = text[words[j - 1].end : w.start] if j else ""
        after = text[w.end : words[j + 1].start] if j + 1 < len(words) else ""
        prev = words[j - 1].text.lower() if j else ""
        opens = any(ch in before for ch in ',\u201c\u2018"') or prev in {"dear", "my", "oh"}
        if opens and after[:1] in {",", "!", "?", ".", "\u201d", "\u2019", '"'}:
            yield j


def _phrases(layout: Layout) -> Iterator[tuple[int, int]]:
    """Each "the" followed by one to three capitalised words: (index of "the", last word)."""
    words = layout.words
    text = layout.text
    n = len(words)
    for k, w in enumerate(words):
        if w.text not in ("the", "The"):
            continue
        j = k
        while (
            j + 1 < n
            and j - k <= _MAX_WORDS
            and _joined(text, words[j], words[j + 1])
            and _capitalised(words[j + 1].text)
            and (j == k or _strip_possessive(words[j].text) == words[j].text)
        ):
            j += 1
        if j == k or j - k > _MAX_WORDS:
            continue
        # "the Duke of Wellington", "the Bank of England": the head names a
        # thing or a place's office; leave those to the name rules.
        if j + 2 < n and words[j + 1].text == "of" and words[j + 2].text[:1].isupper():
            continue
        yield k, j


def _plausible(parts: tuple[str, ...]) -> bool:
    """Could these capitalised words describe a person (not a place, a date, a people)?"""
    low = [p.lower() for p in parts]
    head = low[-1]
    if any(p in _GIVEN or p in GAZETTEER or p in PLACE_WORDS or p in CALENDAR for p in low):
        return False  # a name, a place or a date
    if any(len(p) < 2 or p in NATIONALITIES for p in low):
        return False
    if head in NOT_PERSON or head in _GROUP_HEADS:
        return False
    if head in COMMON_CAPITALISED and len(parts) == 1:
        return False
    if len(parts) == 1 and head in HONORIFICS:
        return False  # a title alone: see attach_titles
    # A plural is a people or a family ("the Morlocks", "the Steeles").
    return not (head.endswith("s") and not head.endswith(("ss", "us", "is")))


def find_descriptions(layout: Layout, clusters: list[NameCluster]) -> list[NameCluster]:
    """Candidate clusters, one per recurring capitalised description.

    Whether each is a person is :func:`described_person`'s call, once the
    pronoun votes are in. Descriptions that overlap a titled or multi-word
    name or a given name ("the Emperor Alexander", "the Miss Steeles") are
    names, not descriptions. A name cluster that reads the description's
    words bare ("Dodger" beside "the Dodger") is taken into it (and left
    empty: the caller drops it).
    """
    kept = _recurring(layout, clusters)
    under = _words_of(r for runs in kept.values() for r in runs)
    out: list[NameCluster] = []
    for parts, runs in kept.items():
        c = NameCluster(described=True, gender=_head_gender(parts[-1]))
        c.surfaces["the " + " ".join(parts)] = len(runs)
        c.runs = runs
        bare = _named_by(parts, runs, [*clusters, *out])
        if bare is not None:
            # Its bare runs over the description's words are the description's.
            _drop_runs(bare, lambda r: not r.article and r.word_index in under)
            # "the Artful Dodger" once "the Dodger" took the bare "Artful Dodger"
            if bare.described:
                merge_cluster(bare, c)
                continue
            merge_cluster(c, bare)
        out.append(c)
    return out


def _recurring(layout: Layout, clusters: list[NameCluster]) -> dict[tuple[str, ...], list[NameRun]]:
    """Each capitalised description read at least ``_MIN_MENTIONS`` times
    after "the", with its runs, outside the clusters' titled and given names."""
    words = layout.words
    named: set[int] = set()
    for c in clusters:
        for r in c.runs:
            if r.title or c.group or any(p.lower() in _GIVEN for p in r.parts):
                size = len(r.parts) + (1 if r.title else 0)
                named.update(range(r.word_index, r.word_index + size))
    found: dict[tuple[str, ...], list[NameRun]] = defaultdict(list)
    for k, j in _phrases(layout):
        if any(i in named for i in range(k + 1, j + 1)):
            continue
        parts = tuple(_strip_possessive(words[i].text) for i in range(k + 1, j + 1))
        if not _plausible(parts):
            continue
        start = words[k + 1].start
        end = words[j].start + len(parts[-1])
        found[parts].append(NameRun(start, end, None, parts, words[k].para, k + 1, article=True))
    frequent = {parts: runs for parts, runs in found.items() if len(runs) >= _MIN_MENTIONS}
    loose = _without_the(layout, set(frequent))
    # "a Cossack", "the Austrian army", "to Dover": read without "the" as
    # often as with it, the words name a kind of people or a place.
    return {parts: runs for parts, runs in frequent.items() if loose[parts] * 2 <= len(runs)}


def _words_of(runs: Iterable[NameRun]) -> set[int]:
    """The indices of the words the runs name (a description's: after its "the")."""
    return {r.word_index + n for r in runs for n in range(len(r.parts))}


def _drop_runs(c: NameCluster, gone: Callable[[NameRun], bool]) -> None:
    """Take the runs ``gone`` picks out of ``c``, and their surfaces with them."""
    for r in c.runs:
        if gone(r):
            c.surfaces[r.surface] -= 1
    c.surfaces += Counter()  # drop the surfaces no longer read
    c.runs = [r for r in c.runs if not gone(r)]


def _named_by(
    parts: tuple[str, ...], runs: list[NameRun], clusters: list[NameCluster]
) -> NameCluster | None:
    """The one cluster (no group) that also reads the description's
    words bare, without "the" ("Dodger", "Artful Dodger" beside "the
    Dodger"); None when no cluster or several do. A cluster holding only the
    description's own words ("The Medical Man" opening a sentence) does not
    count."""
    at = {r.word_index for r in runs}
    found = [
        c
        for c in clusters
        if not c.group
        and any(
            r.parts[-len(parts) :] == parts and not r.article and r.word_index not in at
            for r in c.runs
        )
    ]
    return found[0] if len(found) == 1 else None


def _without_the(layout: Layout, keys: set[tuple[str, ...]]) -> Counter[tuple[str, ...]]:
    """How often each phrase is read capitalised mid-sentence without "the" before it."""
    words = layout.words
    text = layout.text
    by_first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for key in keys:
        by_first[key[0]].append(key)
    out: Counter[tuple[str, ...]] = Counter()
    for i, w in enumerate(words):
        cands = by_first.get(_strip_possessive(w.text))
        if not cands or i == 0 or words[i - 1].para != w.para:
            continue
        prev = words[i - 1]
        if prev.text in ("the", "The") or any(
            ch in '.!?:;"“”‘_' for ch in text[prev.end : w.start]
        ):
            continue
        for key in cands:
            end = i + len(key)
            if end <= len(words) and all(
                _strip_possessive(words[i + n].text) == part for n, part in enumerate(key)
            ):
                out[key] += 1
    return out


def _head_gender(head: str) -> Gender:
    h = head.lower()
    return "male" if h in _MALE_HEADS else "female" if h in _FEMALE_HEADS else "unknown"


def described_person(c: NameCluster, layout: Layout, pronoun_votes: int) -> bool:
    """Does a description cluster act like a person?

    It must speak, or speak once and take "he"/"she", or keep taking
    "he"/"she"; and it must not mostly be somewhere ("in the Strand", "aboard the Pequod").
    """
    words = layout.words
    text = layout.text
    speech = 0
    where = 0
    for r in c.runs:
        det = r.word_index - 1
        prev = words[det - 1] if det > 0 and _joined(text, words[det - 1], words[det]) else None
        last = r.word_index + len(r.parts) - 1
        nxt = words[last + 1] if last + 1 < len(words) else None
        if prev is not None and prev.text.lower() in LOCATIVES:
            where += 1
        if prev is not None and prev.text in SPEECH_VERBS:
            speech += 1  # said the Time Traveller
        elif (
            nxt is not None
            and nxt.para == r.para
            and nxt.text in SPEECH_VERBS
            and text[words[last].end : nxt.start] == " "
        ):
            speech += 1  # the Medical Man said
    if where * 3 >= len(c.runs):
        return False
    # Pronouns alone are weak evidence (any "he" of the next clause counts):
    # without speech they must follow most of its mentions.
    return (
        speech >= 2
        or (speech >= 1 and pronoun_votes >= 1)
        or (pronoun_votes >= 3 and pronoun_votes * 2 >= len(c.runs))
    )


def claim_descriptions(
    clusters: list[NameCluster], genders: list[Gender]
) -> tuple[list[NameCluster], list[Gender]]:
    """Take the words of each kept description away from any name cluster.

    "the Psychologist" may also have been read as a bare name "Psychologist";
    the description owns those words, and a cluster left empty is dropped.
    """
    owned = _words_of(r for c in clusters if c.described for r in c.runs)
    if not owned:
        return clusters, genders
    out: list[NameCluster] = []
    out_g: list[Gender] = []
    for c, g in zip(clusters, genders, strict=True):
        if not c.described:
            _drop_runs(c, lambda r: _overlaps(r, owned))
        if c.runs:
            out.append(c)
            out_g.append(g)
    return out, out_g


def _overlaps(r: NameRun, owned: set[int]) -> bool:
    size = len(r.parts) + (1 if r.title else 0)
    return any(i in owned for i in range(r.word_index, r.word_index + size))


def attach_titles(layout: Layout, clusters: list[NameCluster]) -> None:
    """Give each "the Doctor" to the book's one titled doctor, if there is exactly one.

    Run on the final person clusters. The mention is hidden from the
    character's published names: "the Doctor" is a role, not a name.
    """
    bearers: dict[str, set[int]] = defaultdict(set)
    for ci, c in enumerate(clusters):
        if c.group or c.described:
            continue
        for r in c.runs:
            t = _TITLE_ALONE.get((r.title or "").lower().rstrip("."))
            if t is not None:
                bearers[t].add(ci)
    if not bearers:
        return
    words = layout.words
    taken = {r.word_index for c in clusters for r in c.runs}
    spots = [(j, True) for k, j in _phrases(layout) if j == k + 1]
    spots += [(j, False) for j in _title_vocatives(layout)]
    for j, article in spots:
        if j in taken:
            continue
        word = _strip_possessive(words[j].text)
        owners = bearers.get(_TITLE_ALONE.get(word.lower(), ""), set())
        if len(owners) != 1:
            continue
        c = clusters[next(iter(owners))]
        run = NameRun(
            words[j].start,
            words[j].start + len(word),
            None,
            (word,),
            words[j].para,
            j,
            article=article,
        )
        c.runs.append(run)
        c.surfaces[run.surface] += 1
        c.hidden.add(run.surface)
    for c in clusters:
        c.runs.sort(key=lambda r: r.start)
