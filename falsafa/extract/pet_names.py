"""Names only ever said to someone: "God, Kinch, ..." is Stephen's nickname.

Usage::

    from falsafa.extract.pet_names import pet_names
    pairs = pet_names(quotes, mentions, speakers, addressees, genders)
    for named, person in pairs:        # cluster indices
        merge_cluster(clusters[person], clusters[named])

A nickname, a pet name or a given name that only the family uses ("Edna"
for the Mrs. Pontellier of the narration) never appears in the narration:
it is only spoken, to its bearer. Clustering sees a separate person. Once
attribution knows who speaks each turn, the person who answers the quotes
that call that name is its bearer. We trust it only for a name that the
narration never uses (which would show it as a person of its own), that is
answered by one person in at least two exchanges and two thirds of them,
and whose gender, when known, agrees.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from falsafa.extract.lexicon import Gender
from falsafa.extract.quotes import QuoteSpan
from falsafa.extract.sieve import MentionRef

__all__ = ["pet_names"]


def pet_names(
    quotes: Sequence[QuoteSpan],
    mentions: Sequence[MentionRef],
    speakers: Sequence[int | None],
    addressees: Sequence[int | None],
    genders: Sequence[Gender],
    full_names: Sequence[bool],
) -> list[tuple[int, int]]:
    """Pairs (spoken-only name's cluster, the cluster of the person it calls).

    ``full_names[c]`` says whether cluster ``c`` has a given name and a
    surname: a full name ("Dorian Gray") is no pet name, only talked about.
    """
    # Named in the narration, or a speaker of their own: a person, not a pet name.
    own = {m.cluster for m in mentions if not m.in_quote} | {s for s in speakers if s is not None}
    answers: dict[int, Counter[int]] = defaultdict(Counter)
    for qi, called in enumerate(addressees):
        if called is None or called < 0 or called in own or full_names[called]:
            continue
        who = _answerer(quotes, speakers, qi)
        if who is not None:
            answers[called][who] += 1
    pairs = []
    for called, votes in answers.items():
        person, n = votes.most_common(1)[0]
        if n < 2 or n * 3 < sum(votes.values()) * 2:
            continue
        g, h = genders[called], genders[person]
        if g != "unknown" and h != "unknown" and g != h:
            continue
        pairs.append((called, person))
    return pairs


def _answerer(quotes: Sequence[QuoteSpan], speakers: Sequence[int | None], qi: int) -> int | None:
    """Who speaks the turn next to quote ``qi`` (after it, else before it), other than its speaker.

    Never the name called: pet_names only asks for names that speak nowhere.
    """
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
