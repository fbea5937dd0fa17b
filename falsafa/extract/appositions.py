"""Two names of one person set side by side: "John Clayton, Lord Greystoke".

Usage::

    from falsafa.extract.appositions import merge_appositions
    clusters = merge_appositions(layout, cluster_names(find_names(layout)))

A peerage ("Lord Greystoke", "Baron Rassendyll") shares no word with the
personal name of its holder, so clustering by names cannot link them. Books
introduce the title as an apposition to the name, and we trust exactly that
shape: a personal name, a comma, then the titled name, optionally after an
ordinal and another title of the same man ("James, fifth Earl of Burlesdon
and twenty-second Baron Rassendyll"). Lists of people have the same commas
("Pierre, Prince Bolkónski and Natásha"), so the titled cluster must be known
by nothing but that title (no given name anywhere in the book), and the
surname of the title must be nobody's family name.

A married woman is linked the same way: "Mrs Verloc ... Winnie Verloc was
a young woman" names her by title and then in full in the next breath.
Clustering alone must keep "Mrs X" apart from a woman "F X" who may be her
daughter; a full name that follows "Mrs X" at once, with nobody named and no
kinship word ("her daughter") between, re-describes her.
"""

from __future__ import annotations

import re

from falsafa.extract.lexicon import MALE_NAMES
from falsafa.extract.names import NameCluster, NameRun, merge_cluster
from falsafa.extract.text import Layout

__all__ = ["merge_appositions"]

_PEERAGE = frozenset(
    "lord lady earl countess baron baroness baronet viscount viscountess marquis marquess "
    "marchioness duke duchess".split()
)
_ORDINAL = (
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth"
    r"|\w+teenth|(?:twenty|thirty|forty|fifty)(?:-\w+)?|\d+(?:st|nd|rd|th))"
)
_BETWEEN = re.compile(
    rf",\s+(?:the\s+)?(?:{_ORDINAL}\s+)?"
    rf"(?:[A-Z]\w+\s+of\s+[A-Z][\w'’-]*\s+and\s+(?:the\s+)?(?:{_ORDINAL}\s+)?)?",
    re.IGNORECASE,
)
_LOOKAHEAD = 3  # runs after a name that may be its apposition


def merge_appositions(layout: Layout, clusters: list[NameCluster]) -> list[NameCluster]:
    """Fold each peerage cluster into the person it is set beside, and each
    "Mrs X" into the woman named in full right after her; returns the
    clusters that are left, in their order."""
    owner: dict[int, int] = {}
    runs: list[NameRun] = []
    for ci, c in enumerate(clusters):
        for r in c.runs:
            owner[r.start] = ci
            runs.append(r)
    runs.sort(key=lambda r: r.start)
    _merge_peers(layout.text, clusters, runs, owner)
    _merge_wives(layout.text, clusters, runs, owner)
    return [c for c in clusters if c.runs]


def _merge_peers(
    text: str, clusters: list[NameCluster], runs: list[NameRun], owner: dict[int, int]
) -> None:
    families = {w for c in clusters if c.firsts and not c.group for w in c.lasts}
    for i, r in enumerate(runs):
        a = clusters[owner[r.start]]
        if r.title or not a.firsts or a.group or _after_comma(text, r.start):
            continue
        for t in runs[i + 1 : i + 1 + _LOOKAHEAD]:
            if t.para != r.para or not t.title or t.title.lower() not in _PEERAGE:
                continue
            if not _BETWEEN.fullmatch(text[r.end : t.start]):
                continue
            b = clusters[owner[t.start]]
            if b is a or b.firsts or b.group or b.lasts & families or not _same_sex(a, t):
                continue
            _merge(clusters, owner, owner[r.start], b)
            break


_WIFE_GAP = 250  # characters: the rest of the sentence and the next one
_KIN_WORDS = re.compile(
    r"\b(?:daughters?|sons?|child(?:ren)?|girls?|sisters?|nieces?|mother|step\w*)\b",
    re.IGNORECASE,
)


def _merge_wives(
    text: str, clusters: list[NameCluster], runs: list[NameRun], owner: dict[int, int]
) -> None:
    has_miss = {w for c in clusters if c.tclass == "miss" for w in c.lasts}
    for i, r in enumerate(runs[:-1]):
        a = clusters[owner[r.start]]
        t = runs[i + 1]
        b = clusters[owner[t.start]]
        if (
            a.tclass != "mrs"
            or a.firsts
            or len(a.lasts) != 1
            or b is a
            or len(t.parts) < 2
            or t.title
            or t.start - r.end > _WIFE_GAP
            or b.gender == "male"
            or b.group
            or b.tclass not in ("", "mrs")
        ):
            continue
        surname = next(iter(a.lasts))
        if (
            t.parts[-1] != surname
            or surname in has_miss
            or _KIN_WORDS.search(text[r.end : t.start])
        ):
            continue
        women = [
            c for c in clusters if c.runs and surname in c.lasts and c.firsts and c.gender != "male"
        ]
        if women == [b]:
            _merge(clusters, owner, owner[t.start], a)


def _merge(
    clusters: list[NameCluster], owner: dict[int, int], into: int, other: NameCluster
) -> None:
    merge_cluster(clusters[into], other)
    for moved in clusters[into].runs:
        owner[moved.start] = into


def _after_comma(text: str, start: int) -> bool:
    """Is the name the second item of a list ("Eliza, John, and Georgiana")?"""
    i = start - 1
    while i >= 0 and text[i].isspace():
        i -= 1
    return i >= 0 and text[i] == ","


_WOMEN_PEERS = frozenset("lady countess baroness viscountess marchioness duchess".split())


def _same_sex(a: NameCluster, title: NameRun) -> bool:
    """Lady and Countess are women's titles, Lord and Earl men's."""
    female = (title.title or "").lower() in _WOMEN_PEERS
    if a.gender != "unknown":
        return (a.gender == "female") == female
    return not (female and any(f.lower() in MALE_NAMES for f in a.firsts))
