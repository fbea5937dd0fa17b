"""Folding one person's clusters together once names are clustered.

Usage::

    from falsafa.extract.name_merges import merge_cluster, merge_nicknames
    merge_nicknames(clusters)          # "Lizzy" into Elizabeth's cluster
    merge_cluster(into, other)         # ``other`` is left empty

:func:`falsafa.extract.names.cluster_names` groups mentions by the names they
share; the passes here link names that share no word with the full name:
diminutives ("Lizzy", "Harry" for Lord Henry), a name's first words
("Wendy Moira Angela") and a clipped name ("Tink" for Tinker Bell).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from falsafa.extract.lexicon import NICKNAMES, Gender
from falsafa.extract.name_runs import is_first_name

if TYPE_CHECKING:
    from falsafa.extract.names import NameCluster

__all__ = [
    "compatible",
    "merge_clipped_names",
    "merge_cluster",
    "merge_name_prefixes",
    "merge_nicknames",
]


def compatible(a: Gender, b: Gender) -> bool:
    """Two genders that may be one person's: equal, or either unknown."""
    return a == "unknown" or b == "unknown" or a == b


def merge_cluster(into: NameCluster, other: NameCluster) -> None:
    """Move every name and mention of ``other`` into ``into`` (``other`` is left empty)."""
    into.surfaces.update(other.surfaces)
    into.hidden |= other.hidden
    into.runs.extend(other.runs)
    into.runs.sort(key=lambda r: r.start)
    into.firsts |= other.firsts
    into.lasts |= other.lasts
    into.middles |= other.middles
    if into.gender == "unknown":
        into.gender = other.gender
    into.tclass = into.tclass or other.tclass
    other.runs = []
    other.surfaces = Counter()


def merge_name_prefixes(clusters: list[NameCluster]) -> None:
    """Fold an untitled name of two or more words into the one longer name it
    begins ("Wendy Moira Angela" is "Wendy Moira Angela Darling")."""
    longest: dict[tuple[str, ...], list[NameCluster]] = defaultdict(list)
    for c in clusters:
        for parts in {r.parts for r in c.runs if len(r.parts) >= 3}:
            for n in range(2, len(parts)):
                longest[parts[:n]].append(c)
    for c in clusters:
        if not c.runs or c.tclass or any(r.title for r in c.runs):
            continue
        own = max((r.parts for r in c.runs), key=len)
        if len(own) < 2 or any(r.parts != own for r in c.runs if len(r.parts) >= 2):
            continue
        targets = {id(d): d for d in longest.get(own, []) if d is not c and d.runs}
        if len(targets) == 1:
            merge_cluster(next(iter(targets.values())), c)


def merge_clipped_names(clusters: list[NameCluster]) -> None:
    """Fold a clipped name into the one full name it begins: "Tink" (said
    three times or more) is "Tinker Bell", "Karp" is "Karpúshka Chigírin".

    Only an untitled word the name lists do not know, and only into an
    untitled name of two words or more, so that "Peter" never becomes
    "Peterkin" and "London" no "Londoners"."""
    for c in clusters:
        if len(c.firsts) != 1 or c.lasts or c.tclass or c.group or len(c.runs) < 3:
            continue
        short = next(iter(c.firsts))
        if len(short) < 3 or is_first_name(short) or short.lower() in NICKNAMES:
            continue
        targets = [
            d
            for d in clusters
            if d is not c
            and d.runs
            and not d.tclass
            and compatible(c.gender, d.gender)
            and any(
                len(r.parts) >= 2 and r.parts[0] != short and r.parts[0].startswith(short)
                for r in d.runs
            )
        ]
        if len(targets) == 1:
            merge_cluster(targets[0], c)


def merge_nicknames(clusters: list[NameCluster]) -> None:
    """Fold a cluster known only by a diminutive ("Lizzy") into its formal
    name, or else into the one more frequent sister form of that name that
    shares its sound ("Eliza": both stand for Elizabeth, and "Bessie", also
    an Elizabeth, shares no three letters with "Lizzy")."""
    for c in clusters:
        # "Miss Lizzy" and "Master Tommy" are still only a diminutive.
        if len(c.firsts) != 1 or c.lasts or c.tclass not in ("", "miss", "master") or not c.runs:
            continue
        nick = next(iter(c.firsts)).lower()
        formal = NICKNAMES.get(nick)
        if not formal:
            continue
        targets = [
            d
            for d in clusters
            if d is not c
            and d.runs
            and any(f.lower() in formal for f in d.firsts)
            and compatible(c.gender, d.gender)
        ]
        if len(targets) > 1:
            # "Harry" beside Lord Henry (591 mentions) and a Sir Henry Ashton
            # named three times is Lord Henry: the one bearer the book is about.
            targets.sort(key=lambda d: len(d.runs), reverse=True)
            if len(targets[0].runs) >= 4 * len(targets[1].runs):
                targets = targets[:1]
        if not targets:
            targets = [
                d
                for d in clusters
                if d is not c
                and len(d.runs) >= len(c.runs)
                and compatible(c.gender, d.gender)
                and any(
                    NICKNAMES.get(f.lower(), frozenset()) & formal and _sounds_alike(nick, f)
                    for f in d.firsts
                )
            ]
        if len(targets) == 1:
            merge_cluster(targets[0], c)


def _sounds_alike(a: str, b: str) -> bool:
    """Do two given names share three letters in a row ("Lizzy", "Eliza")?"""
    b = b.lower()
    return any(a[i : i + 3] in b for i in range(len(a) - 2))
