"""Names said to someone who answers under another name: "God, Kinch, ..."
is Stephen's nickname, "Maggie" the Mrs. Hilbery of the narration.

Usage::

    from falsafa.extract.pet_names import pet_names
    pairs = pet_names(text, clusters, quotes, speakers, vocatives, named_frames, genders)
    for named, person in pairs:        # cluster indices
        merge_cluster(clusters[person], clusters[named])

A nickname, a pet name, a kinship name ("Uncle Trevor") or a given name that
only the family uses is what people *call* someone; the narration's frames
name the same person otherwise ("said Mr. Hilbery"). Clustering sees two
people. Once attribution knows who speaks each turn, the person who answers
the quotes that call a name is its bearer. The evidence is weighed, not
assumed from where the name appears: the name must be answered by one
person in at least two exchanges and two thirds of them, the speech frames
must name it as a speaker less than half as often as that (a name the
frames use for a speaker of their own is a person, not a pet name), its
gender, when known, must agree, and the narration must not name the two in
one sentence twice (``family_names.two_people``: "Elinor ... Mrs.
Ferrars" in the same breath is two women, however often Elinor answers
when Mrs. Ferrars is called).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from falsafa.extract.family_names import two_people
from falsafa.extract.lexicon import Gender
from falsafa.extract.names import NameCluster
from falsafa.extract.quotes import QuoteSpan

__all__ = ["pet_names"]

_MIN_EXCHANGES = 2


def pet_names(
    text: str,
    clusters: Sequence[NameCluster],
    quotes: Sequence[QuoteSpan],
    speakers: Sequence[int | None],
    vocatives: Sequence[int | None],
    named_frames: Sequence[int | None],
    genders: Sequence[Gender],
) -> list[tuple[int, int]]:
    """Pairs (name called, the cluster of the person who answers to it).

    ``vocatives[qi]`` is the cluster a quote calls by name, ``named_frames[qi]``
    the cluster its speech frame names outright ("said Mr. Hilbery").
    """
    as_speaker = Counter(w for w in named_frames if w is not None and w >= 0)
    answers: dict[int, Counter[int]] = defaultdict(Counter)
    for qi, called in enumerate(vocatives):
        if called is None or called < 0:
            continue
        who = _answerer(quotes, speakers, qi)
        if who is not None and who != called:
            answers[called][who] += 1
    pairs = []
    for called, votes in answers.items():
        person, n = votes.most_common(1)[0]
        if n < _MIN_EXCHANGES or n * 3 < sum(votes.values()) * 2:
            continue
        if as_speaker[called] * 2 >= n:
            continue
        g, h = genders[called], genders[person]
        if g != "unknown" and h != "unknown" and g != h:
            continue
        if two_people(text, clusters[called].runs, clusters[person].runs):
            continue
        pairs.append((called, person))
    return pairs


def _answerer(quotes: Sequence[QuoteSpan], speakers: Sequence[int | None], qi: int) -> int | None:
    """Who speaks the turn next to quote ``qi`` (after it, else before it), other than its speaker."""
    para = quotes[qi].para
    own = speakers[qi]
    for step in (1, -1):
        k = qi + step
        while 0 <= k < len(quotes) and quotes[k].para == para:
            k += step  # the same paragraph is the same turn
        if not 0 <= k < len(quotes) or abs(quotes[k].para - para) != 1:
            continue
        other = speakers[k]
        if other is not None and other >= 0 and other != own:
            return other
    return None
