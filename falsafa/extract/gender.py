"""Which pronouns a character takes, from titles, given names and usage.

Usage::

    from falsafa.extract.gender import infer_genders
    genders = infer_genders(layout, clusters, in_quote)   # one per cluster

Titles ("Mrs", "Sir") and common given names settle most characters. For the
rest, we look at the first third-person pronoun after each narrative mention
("Buck ... he"): the pronoun that usually follows a name is that person's.
Inside a quote only a following "he"/"she" of the same quote counts ("Is it
Haines? If he ..."), which also shows that a name only spoken of is a person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from falsafa.extract.lexicon import Gender
from falsafa.extract.names import NameCluster, NameRun
from falsafa.extract.text import Layout

__all__ = [
    "FEMALE_PRONOUNS",
    "MALE_PRONOUNS",
    "given_name_genders",
    "infer_genders",
    "pronoun_gender",
]

MALE_PRONOUNS = frozenset({"he", "him", "his", "himself"})
FEMALE_PRONOUNS = frozenset({"she", "her", "hers", "herself"})
_WINDOW = 12


def pronoun_gender(word: str) -> Gender:
    lw = word.lower()
    if lw in MALE_PRONOUNS:
        return "male"
    if lw in FEMALE_PRONOUNS:
        return "female"
    return "unknown"


def given_name_genders(
    layout: Layout, runs: Sequence[NameRun], in_quote: list[bool]
) -> dict[str, Gender]:
    """The gender the book gives a bare name, from the pronouns after it.

    For names the lexicon does not know ("Lucie", "Alexandre", "Mávra"), so
    that clustering can tell "Miss Manette" is Lucie Manette and not her
    father: each untitled one-word mention votes with the first "he"/"she"
    that follows it, as :func:`infer_genders` counts them for clusters.
    """
    votes: dict[str, Counter[Gender]] = {}
    starts = {r.word_index for r in runs}
    for r in runs:
        if r.title or len(r.parts) != 1:
            continue
        g = _vote(layout, r.word_index, 1, in_quote, starts)
        if g != "unknown":
            votes.setdefault(r.parts[0], Counter())[g] += 1
    return {name: g for name, v in votes.items() if (g := _decide(v)) != "unknown"}


def _vote(layout: Layout, k: int, length: int, in_quote: list[bool], starts: set[int]) -> Gender:
    """The gender of the first third-person pronoun after the name at word ``k``."""
    words = layout.words
    inside = in_quote[k]
    para = words[k].para
    for j in range(k + length, min(len(words), k + length + _WINDOW)):
        if words[j].para != para or j in starts or in_quote[j] != inside:
            break
        if inside and words[j].text.lower() not in {"he", "she"}:
            continue
        g = pronoun_gender(words[j].text)
        if g != "unknown":
            return g
    return "unknown"


def _decide(votes: Counter[Gender]) -> Gender:
    male, female = votes["male"], votes["female"]
    if male + female >= 1 and max(male, female) >= 2 * min(male, female) + 1:
        return "male" if male > female else "female"
    return "unknown"


def infer_genders(
    layout: Layout, clusters: list[NameCluster], in_quote: list[bool]
) -> tuple[list[Gender], list[int]]:
    """A gender per cluster and how many pronouns voted for it.

    Title and given-name evidence win over pronoun votes.
    """
    starts = {r.word_index for c in clusters for r in c.runs}
    out: list[Gender] = []
    support: list[int] = []
    for c in clusters:
        votes: Counter[Gender] = Counter()
        for r in c.runs:
            g = _vote(layout, r.word_index, len(r.parts) + (1 if r.title else 0), in_quote, starts)
            if g != "unknown":
                votes[g] += 1
        support.append(max(votes["male"], votes["female"]))
        out.append(c.gender if c.gender != "unknown" else _decide(votes))
    return out, support
