"""People who name themselves in speech: "My name is Malachi Mulligan."

Usage::

    from falsafa.extract.introductions import self_introductions
    pairs = self_introductions(layout, quote_words, speakers, mentions, genders)
    for named, speaker in pairs:       # cluster indices
        merge_cluster(clusters[speaker], clusters[named])

Clustering works from names alone, so a person first known by a nickname
("Buck Mulligan") and then by the name they give themselves is two
clusters. Once attribution knows who says a quote, a self-introduction in
it links the two. Attribution errs, so we only trust a name that enters
the book at that moment and is never used by the narration (which would
show the speaker and the named one side by side as two people), and that
follows the cue at once or after a colon ("My name is absurd too: Malachi
Mulligan", but not "My name is Sawyer--her's is Dennis").
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from falsafa.extract.lexicon import Gender
from falsafa.extract.sieve import NARRATOR, MentionRef
from falsafa.extract.text import Layout, Word

__all__ = ["self_introductions"]

# Word sequences after which the speaker's own name follows ("my name is",
# "call me", "I am called").
_CUES: tuple[tuple[str, ...], ...] = (
    ("my", "name", "is"),
    ("my", "name's"),
    ("my", "name’s"),
    ("call", "me"),
    ("am", "called"),
    ("am", "named"),
)
_MAX_GAP_WORDS = 3  # "My name is absurd too: Malachi Mulligan"
_SENTENCE_END = frozenset(".!?")


def self_introductions(
    layout: Layout,
    quote_words: Sequence[tuple[int, int]],
    speakers: Sequence[int | None],
    mentions: Sequence[MentionRef],
    genders: Sequence[Gender],
) -> list[tuple[int, int]]:
    """``(named cluster, speaker cluster)`` for each quote whose speaker
    introduces a name that the book has not used before."""
    words = layout.words
    first: dict[int, MentionRef] = {}
    narrated: set[int] = set()
    for ref in mentions:
        first.setdefault(ref.cluster, ref)
        if not ref.in_quote:
            narrated.add(ref.cluster)
    qstarts = [w0 for w0, _ in quote_words]
    pairs: list[tuple[int, int]] = []
    for cluster, ref in first.items():
        if cluster in narrated or not ref.in_quote:
            continue
        qi = bisect.bisect_right(qstarts, ref.w0) - 1
        if qi < 0 or ref.w0 >= quote_words[qi][1]:
            continue
        speaker = speakers[qi]
        if speaker is None or speaker in (NARRATOR, cluster):
            continue
        if _cue_before(layout.text, words, quote_words[qi][0], ref.w0) and _compatible(
            genders[cluster], genders[speaker]
        ):
            pairs.append((cluster, speaker))
    return pairs


def _cue_before(text: str, words: Sequence[Word], q0: int, w: int) -> bool:
    """Does a cue end right before word ``w``, or a few words before it with a
    colon in between ("my name is absurd too: Malachi")?"""
    for after in range(w, max(q0, w - _MAX_GAP_WORDS) - 1, -1):
        between = text[words[after - 1].end : words[w].start].strip() if after < w else ""
        if after < w and not (between.endswith(":") and not _SENTENCE_END & set(between)):
            continue
        for cue in _CUES:
            k = after - len(cue)
            if k >= q0 and tuple(x.text.lower() for x in words[k:after]) == cue:
                return True
    return False


def _compatible(a: Gender, b: Gender) -> bool:
    return a == "unknown" or b == "unknown" or a == b
