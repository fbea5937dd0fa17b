"""Who gets a persona: the people a reader would name, one slot each.

Usage::

    evidence = Evidence.of(extraction, confident_counts)
    cast = choose_cast(extraction.characters, evidence, top_n=12)

A reader ranks a novel's people by what they do in it: how much they say,
how often the narration names them, how often others speak to them. The
extraction's clusters also hold things that are no person to talk to: a
second cluster for a nickname ("Lizzy" beside Elizabeth), a bare form of
address ("Ma'am"), a family ("the Lucases"), a place taken for a person
(no sex and not one line of its own: "Highbury"), a surname with a title that
fits several people already chosen ("Miss Bennet" beside Jane and
Elizabeth Bennet), or someone only talked about (a dead father). Each of
those is skipped, so the slots go to different people who take part.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from falsafa.extract.lexicon import HONORIFICS, NICKNAMES
from falsafa.extract.model import Character, Extraction
from falsafa.persona._voice import ADDRESS_WORDS, words_of

__all__ = ["Evidence", "choose_cast"]

# Weights of the evidence: a line a reader can hear the character say (and
# a line addressed to them) tells more of their part than one more naming.
_SPOKEN_WEIGHT = 2.0
_CONFIDENT_WEIGHT = 3.0
_ADDRESSED_WEIGHT = 1.0
_MENTION_WEIGHT = 1.0
_MISS_TITLES = frozenset({"miss", "ms", "mlle", "mademoiselle"})
# Below this many lines said or heard, a character takes no part in the
# story's present: mentioned, remembered, written about.
_MIN_EXCHANGES = 3


@dataclass(frozen=True, slots=True)
class Evidence:
    """Per character id: lines spoken, confidently spoken, addressed to them."""

    spoken: Mapping[str, int]
    confident: Mapping[str, int]
    addressed: Mapping[str, int]

    @classmethod
    def of(cls, extraction: Extraction, confident: Mapping[str, int]) -> Evidence:
        spoken = Counter(q.speaker for q in extraction.quotes if q.speaker)
        addressed = Counter(q.addressee for q in extraction.quotes if q.addressee)
        return cls(dict(spoken), dict(confident), dict(addressed))

    def weight(self, c: Character) -> float:
        return (
            _MENTION_WEIGHT * c.mention_count
            + _SPOKEN_WEIGHT * self.spoken.get(c.id, 0)
            + _CONFIDENT_WEIGHT * self.confident.get(c.id, 0)
            + _ADDRESSED_WEIGHT * self.addressed.get(c.id, 0)
        )

    def takes_part(self, c: Character) -> bool:
        said_or_heard = self.spoken.get(c.id, 0) + self.addressed.get(c.id, 0)
        return said_or_heard >= _MIN_EXCHANGES


def _name_words(c: Character) -> list[list[str]]:
    return [words_of(n) for n in (c.name, *c.aliases)]


def _bare_words(words: Iterable[str]) -> list[str]:
    return [w for w in words if w not in HONORIFICS and w not in ADDRESS_WORDS]


def is_title_word(c: Character) -> bool:
    """ "Ma'am", "Sir", "the Colonel": a form of address, no name."""
    return not any(_bare_words(ws) for ws in _name_words(c))


def is_group(c: Character, surnames: set[str]) -> bool:
    """ "the Lucases", "Miss Bennets": the plural of a family's name, with
    no sex (a man called "Sikes" is no plural of "Sike")."""
    last = words_of(c.name)[-1:] or [""]
    word = last[0]
    if not word.endswith("s") or c.gender != "unknown":
        return False
    return any(stem in surnames for stem in (word[:-1], word[:-2]) if stem)


def _given(c: Character) -> set[str]:
    return {ws[0] for ws in (_bare_words(n) for n in _name_words(c)) if ws}


def same_person(c: Character, chosen: Sequence[Character]) -> Character | None:
    """The chosen character ``c`` is another name of: "Lizzy" for Elizabeth
    (a diminutive of their given name, either way), or "Miss Bennet" when a
    chosen woman already bears "Bennet" with a given name or as "Miss"."""
    mine = _given(c)
    for other in chosen:
        if other.gender not in (c.gender, "unknown") and c.gender != "unknown":
            continue
        theirs = _given(other)
        if any(theirs & NICKNAMES.get(g, frozenset()) for g in mine) or any(
            mine & NICKNAMES.get(g, frozenset()) for g in theirs
        ):
            return other
    words = words_of(c.name)
    # Only an unmarried woman's title is shared by sisters under one surname;
    # "Mr. Knightley" beside "John Knightley" may well be his brother.
    if len(words) == 2 and words[0] in _MISS_TITLES:
        title, surname = words
        for other in chosen:
            if other.gender == c.gender and any(
                n[-1:] == [surname] and (len(n) > 2 or n[0] not in HONORIFICS or n[0] == title)
                for n in _name_words(other)
                if len(n) >= 2
            ):
                return other
    return None


def choose_cast(characters: Sequence[Character], evidence: Evidence, top_n: int) -> list[Character]:
    """Up to ``top_n`` characters, most evidence first, each a different
    person who speaks or is spoken to."""
    surnames = {ws[-1] for c in characters for ws in _name_words(c) if len(ws) >= 2}
    ranked = sorted(characters, key=lambda c: (-evidence.weight(c), c.rank))
    chosen: list[Character] = []
    for c in ranked:
        if len(chosen) == top_n:
            break
        if is_title_word(c) or is_group(c, surnames) or not evidence.takes_part(c):
            continue
        if c.gender == "unknown" and not evidence.confident.get(c.id):
            continue  # no sex and not one sure line: a place ("Highbury"), not a person
        if same_person(c, chosen) is None:
            chosen.append(c)
    return chosen
