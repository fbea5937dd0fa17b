"""The cast of a book: its name clusters, and which of them are people.

Usage::

    from falsafa.extract.cast import find_cast, candidates
    cast = find_cast(layout, in_quote)        # people only, with their genders
    cast.clusters[0].display, cast.genders[0]
    every = candidates(layout, in_quote)      # before the person-or-not choice

The stages: name mentions (``name_runs``), clustered into people by name
(``names``, ``name_merges``), names side by side folded together
(``appositions``), a woman's "Miss X" and "Mrs X" folded into her name
(``family_names``), characters known by a description ("the Time
Traveller", ``descriptions``), genders (``gender``), then the person-or-not
scorer (``persons``) for named clusters and ``described_person`` for
descriptions. Training (``training.cast``) reads :func:`candidates` so that
it learns from exactly what the extractor decides on.
"""

from __future__ import annotations

from dataclasses import dataclass

from falsafa.extract.appositions import merge_appositions
from falsafa.extract.descriptions import described_person, find_descriptions
from falsafa.extract.family_names import merge_family_names
from falsafa.extract.gender import given_name_genders, infer_genders
from falsafa.extract.lexicon import Gender
from falsafa.extract.names import NameCluster, cluster_names, find_names
from falsafa.extract.persons import is_person
from falsafa.extract.text import Layout

__all__ = ["Cast", "candidates", "find_cast"]


@dataclass(slots=True)
class Cast:
    """Name clusters with their genders and pronoun support, index for index."""

    clusters: list[NameCluster]
    genders: list[Gender]
    votes: list[int]


def candidates(layout: Layout, in_quote: list[bool]) -> Cast:
    """Every name cluster and description of the book, people or not."""
    runs = find_names(layout)
    learned = given_name_genders(layout, runs, in_quote)
    clusters = merge_appositions(layout, cluster_names(runs, learned))
    clusters = merge_family_names(layout.text, clusters)
    clusters += find_descriptions(layout, clusters)
    clusters = [c for c in clusters if c.runs]  # a name a description took whole
    genders, votes = infer_genders(layout, clusters, in_quote)
    return Cast(clusters, genders, votes)


def find_cast(layout: Layout, in_quote: list[bool]) -> Cast:
    """The clusters that are people (see the module docstring)."""
    every = candidates(layout, in_quote)
    keep = [
        i
        for i, c in enumerate(every.clusters)
        if (
            described_person(c, layout, every.votes[i])
            if c.described
            else is_person(c, layout, every.votes[i], in_quote)
        )
    ]
    return Cast(
        [every.clusters[i] for i in keep],
        [every.genders[i] for i in keep],
        [every.votes[i] for i in keep],
    )
