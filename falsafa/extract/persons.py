"""Whether a name cluster is a person, or a place, a firm, a date or a noun.

Usage::

    from falsafa.extract.persons import is_person
    people = [c for i, c in enumerate(clusters) if is_person(c, layout, votes[i], in_quote)]

Clustering (``names``) groups capitalised runs by name alone; this decides
which groups behave like people, from how the book uses them: titles,
given names, speech verbs beside them, pronouns that follow, acts; against
that, mentions after "the" or "a", a known place named alone, possessives
only ("at Tellson's"), abstract or calendar words, demonyms.
"""

from __future__ import annotations

import re

from falsafa.extract.lexicon import (
    CALENDAR,
    DETERMINERS,
    FEMALE_NAMES,
    GAZETTEER,
    LOCATIVES,
    MALE_NAMES,
    NICKNAMES,
    NOT_PERSON,
    SPEECH_VERBS,
)
from falsafa.extract.names import NameCluster
from falsafa.extract.text import Layout

__all__ = ["is_person"]


# Calendar words that are no given names ("May", "June", "April" and
# "August" are, though the name lists lack them).
_FEASTS = CALENDAR - MALE_NAMES - FEMALE_NAMES - frozenset("april may june august".split())
_DEMONYM = re.compile(r"(?:ians?|ese|ish|ans|ists?|isms?|ites?)$")


def is_person(c: NameCluster, layout: Layout, pronoun_votes: int, in_quote: list[bool]) -> bool:
    """Does this cluster behave like a person rather than a place or a thing?

    A title, a common given name, a speech verb beside the name, or
    pronouns that keep following it are evidence; a name mostly read after
    "the", a demonym or a country is not a person.
    """
    words = layout.words
    text = layout.text
    parts = {p.lower() for r in c.runs for p in r.parts}
    if parts & NOT_PERSON:
        return False
    if parts <= _FEASTS:
        return False  # "till Michaelmas": a date, however often "she" follows it
    if all(len(p) == 1 for p in parts):
        return False  # letters after a name ("James Mortimer, M.R.C.S."), not a person
    if c.group:
        first = c.runs[0].word_index
        after_the = first > 0 and layout.words[first - 1].text.lower() == "the"
        return len(c.runs) >= 2 or after_the
    # "St. Helena", "Saint Paul": a saint's title is as often a place's.
    n_titled = sum(
        1 for r in c.runs if r.title and r.title.lower().rstrip(".") not in {"st", "saint"}
    )
    titled = n_titled > 0
    rarely_titled = n_titled * 10 < len(c.runs)  # one "Monsieur Paris" makes no person
    single = all(len(r.parts) == 1 for r in c.runs)
    given = any(p in MALE_NAMES or p in FEMALE_NAMES or p in NICKNAMES for p in parts)
    place_like = (
        rarely_titled and _mostly_gazetteer(c) and not parts & (MALE_NAMES | FEMALE_NAMES)
    ) or (
        not titled
        and single
        and all(_DEMONYM.search(p) and p not in MALE_NAMES | FEMALE_NAMES for p in parts)
    )
    the_count = 0
    located = 0  # "by Temple Bar", "on Temple Bar", "nearest Temple Bar"
    indefinite = 0
    speech = 0
    verbs = 0
    acts = 0
    for r in c.runs:
        k = r.word_index
        prev = words[k - 1].text if k > 0 else ""
        # A line break is a space too: "the\nCossacks".
        spaced = k > 0 and text[words[k - 1].end : r.start] in {" ", "\n", "\r\n"}
        if prev.lower() in DETERMINERS and not r.title and spaced:
            the_count += 1  # "the Ayah", "her Ayah", "a new Ayah": a common noun
            indefinite += prev.lower() in {"a", "an"}
        last = k + len(r.parts) + (1 if r.title else 0)
        nxt = words[last].text.lower() if last < len(words) else ""
        prev2 = words[k - 2].text.lower() if k > 1 else ""
        if prev.lower() in LOCATIVES and not (prev.lower() == "at" and prev2 in _LOOK_AT):
            located += 1
        nxt2 = words[last + 1].text.lower() if last + 1 < len(words) else ""
        # A verb across a quote mark has another subject: '"... London," said Edward'.
        same_side_next = last < len(words) and in_quote[last] == in_quote[k]
        same_side_prev = k > 0 and in_quote[k - 1] == in_quote[k]
        if (
            (nxt in SPEECH_VERBS and same_side_next)
            or (prev.lower() in SPEECH_VERBS and same_side_prev)
            or (prev == "to" and prev2 in _SAID_TO)  # "said to Cantwell"
            or (nxt in {"had", "has"} and nxt2 in SPEECH_VERBS)  # "Cantwell had answered"
        ):
            speech += 1
            verbs += 1
        if last < len(words) and words[last].text.islower() and _past_verb(words[last].text):
            acts += 1
        if in_quote[k] and _vocative_frame(text, r.start, r.end):
            speech += 1
        if nxt in {"who", "whom", "whose"}:
            speech += 1  # "Bartleby, who was a scrivener": only people are "who"
    if place_like and (speech < max(2, len(c.runs) // 10) or not verbs):
        return False  # a country or a nationality, unless it keeps talking ("said Turkey")
    if the_count * 2 >= len(c.runs):
        return False
    if not titled and located >= 2 and (the_count + located) * 2 >= len(c.runs) and speech < 2:
        return False  # "the Temple", "by Temple Bar", "on Temple Bar": a place
    if not titled and single and indefinite * 2 >= len(c.runs) and speech < 2:
        return False  # "a Florentine", "an Uhlan": a noun for a kind of person
    if not titled and single and not given and all(_abstract_noun(p) for p in parts):
        return False  # "Creation", "Literature", "Antiquity": a personified abstraction
    if not titled and len(c.runs) >= 4 and speech * 4 < len(c.runs) and _mostly_possessive(c, text):
        return False  # "at Tellson's", "Tellson's Bank": a house or a firm, never acting
    if titled or speech:
        return True
    if len(c.runs) == 1 and not given:
        return False  # one untitled mention of a word that is no given name: too little
    if any(
        p.lower() in MALE_NAMES or p.lower() in FEMALE_NAMES or p.lower() in NICKNAMES
        for p in c.firsts
    ):
        return True
    if pronoun_votes >= 2 or (pronoun_votes >= 1 and len(c.runs) <= 3) or acts:
        return True
    multi = [r for r in c.runs if len(r.parts) >= 2]
    return bool(multi) and not any(p.lower() in GAZETTEER for r in multi for p in r.parts)


def _mostly_gazetteer(c: NameCluster) -> bool:
    """Are nine in ten mentions one known place's name? A few longer runs
    ("Central Europe", "Napoleonic France") do not make a country a person."""
    known = sum(1 for r in c.runs if len(r.parts) == 1 and r.parts[0].lower() in GAZETTEER)
    return known * 10 >= len(c.runs) * 9


_ABSTRACT = re.compile(r"(?:[aiu]tion|ture|ity|ism|ness|ship|hood|ology)$")


def _abstract_noun(word: str) -> bool:
    """Does ``word`` end like an abstract noun ("Creation", "Antiquity",
    "Christianity")? Given names are excluded by the caller."""
    return len(word) >= 6 and bool(_ABSTRACT.search(word))


def _mostly_possessive(c: NameCluster, text: str) -> bool:
    """Whether three in four mentions are possessives ("Tellson's")."""
    poss = sum(1 for r in c.runs if text[r.end : r.end + 2].lower() in {"'s", "’s"})
    return poss * 4 >= len(c.runs) * 3


_LOOK_AT = frozenset(
    "look looked looking glance glanced glancing stare stared staring gaze gazed gazing "
    "laugh laughed laughing smile smiled smiling nod nodded frown frowned point pointed "
    "wink winked peep peeped peer peered scowl scowled".split()
)
_SAID_TO = frozenset(
    "said say says spoke speak speaks replied answered whispered shouted muttered "
    "murmured remarked cried called observed".split()
)


def _vocative_frame(text: str, start: int, end: int) -> bool:
    """ ", Watson," / "“Lizzy,": a name set off by commas inside a speech."""
    before = text[max(0, start - 2) : start].strip()
    after = text[end : end + 1]
    return (before.endswith(",") or before[-1:] in "“\"‘'") and after in {
        ",",
        "!",
        "?",
        ";",
        "—",
        "-",
    }


_PAST = frozenset(
    "went came saw took made gave knew thought felt told stood sat ran rose fell began spoke "
    "heard found left kept held brought caught drew drove got grew hid hung led lay lost met "
    "paid put read rode sang shook slept spent stole struck swore taught threw understood "
    "woke wore won wrote".split()
)


def _past_verb(w: str) -> bool:
    return w in _PAST or (
        w.endswith("ed") and len(w) > 4 and w not in {"indeed", "need", "seed", "speed"}
    )
