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

from falsafa.extract.lexicon import Gender
from falsafa.extract.names import NameCluster
from falsafa.extract.text import Layout

__all__ = ["FEMALE_PRONOUNS", "MALE_PRONOUNS", "infer_genders", "pronoun_gender"]

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


def infer_genders(
    layout: Layout, clusters: list[NameCluster], in_quote: list[bool]
) -> tuple[list[Gender], list[int]]:
    """A gender per cluster and how many pronouns voted for it.

    Title and given-name evidence win over pronoun votes.
    """
    words = layout.words
    starts = {r.word_index for c in clusters for r in c.runs}
    out: list[Gender] = []
    support: list[int] = []
    for c in clusters:
        votes: Counter[Gender] = Counter()
        for r in c.runs:
            k = r.word_index
            inside = in_quote[k]
            end = min(len(words), k + len(r.parts) + (1 if r.title else 0) + _WINDOW)
            for j in range(k + len(r.parts) + (1 if r.title else 0), end):
                if words[j].para != r.para or j in starts or in_quote[j] != inside:
                    break
                if inside and words[j].text.lower() not in {"he", "she"}:
                    continue
                g = pronoun_gender(words[j].text)
                if g != "unknown":
                    votes[g] += 1
                    break
        male, female = votes["male"], votes["female"]
        support.append(max(male, female))
        if c.gender != "unknown":
            out.append(c.gender)
        elif male + female >= 1 and max(male, female) >= 2 * min(male, female) + 1:
            out.append("male" if male > female else "female")
        else:
            out.append("unknown")
    return out, support
