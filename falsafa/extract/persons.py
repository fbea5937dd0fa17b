"""Whether a name cluster is a person, or a place, a firm, a date or a noun.

Usage::

    from falsafa.extract.persons import is_person, person_features
    people = [c for i, c in enumerate(clusters) if is_person(c, layout, votes[i], in_quote)]
    person_features(c, layout, votes[i], in_quote)   # {"speech.ratio": 0.3, ...}

Clustering (``names``) groups capitalised runs by name alone; this decides
which groups behave like people, from how the book uses them. The evidence
is a dict of named features (titles, given names, speech verbs beside the
name, pronouns that follow, acts; against that, mentions after "the" or
"a", a known place named alone or after "in", possessives only ("at
Tellson's"), abstract words, demonyms), weighed by a logistic model trained
on the annotated books (``falsafa/extract/weights/person.json``, written by
``python -m falsafa.extract.training.cast``), whose decision threshold is
chosen in training by cross-validation. A short text (an excerpt, a short
story, less so a novella) gets a twin of every feature, ``excerpt.<name>``,
so its evidence is weighed apart: a name said once in 2,000 words is not one
said once in a novel. Only closed classes are vetoed outright: words that never name a
person ("Chapter", "Providence"), feasts ("Michaelmas") and runs of initials.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

from falsafa.extract.lexicon import (
    CALENDAR,
    COMMON_WORDS,
    DETERMINERS,
    FEMALE_NAMES,
    GAZETTEER,
    LOCATIVES,
    MALE_NAMES,
    NICKNAMES,
    NOT_PERSON,
    SPEECH_VERBS,
    SURNAMES,
    TOWNS,
)
from falsafa.extract.names import NameCluster, NameRun
from falsafa.extract.scoring import LinearModel, load_model
from falsafa.extract.text import Layout

__all__ = [
    "EXCERPT_WORDS",
    "NOVEL_WORDS",
    "is_person",
    "never_a_person",
    "person_features",
    "person_model",
    "shortness",
]


# Calendar words that are no given names ("May", "June", "April" and
# "August" are, though the name lists lack them).
_FEASTS = CALENDAR - MALE_NAMES - FEMALE_NAMES - frozenset("april may june august".split())
_DEMONYM = re.compile(r"(?:ians?|ese|ish|ans|ists?|isms?|ites?)$")
_ABSTRACT = re.compile(r"(?:[aiu]tion|ture|ity|ism|ness|ship|hood|ology)$")
_GIVEN = MALE_NAMES | FEMALE_NAMES
_SHORTEST = 1000
# A text's evidence is weighed by twin weights in proportion to its
# shortness: wholly for an excerpt (the annotated excerpts have 1,600 to
# 3,000 words), not at all for a long novel, and partly for a novella (the
# annotated novels have 22,000 to 170,000 words).
EXCERPT_WORDS = 3_000
NOVEL_WORDS = 100_000


@cache
def person_model() -> LinearModel:
    """The packaged person-or-not weights (``weights/person.json``)."""
    return load_model("person")


def is_person(c: NameCluster, layout: Layout, pronoun_votes: int, in_quote: list[bool]) -> bool:
    """Does this cluster behave like a person rather than a place or a thing?

    The trained model's probability over :func:`person_features` above its
    trained threshold, after the closed-class vetoes of :func:`never_a_person`.
    """
    if never_a_person(c):
        return False
    features = person_features(c, layout, pronoun_votes, in_quote)
    model = person_model()
    return model.probability(features) > model.threshold


def never_a_person(c: NameCluster) -> bool:
    """Words that name no person whatever the book does with them."""
    parts = {p.lower() for r in c.runs for p in r.parts}
    return (
        bool(parts & NOT_PERSON)
        or parts <= _FEASTS  # "till Michaelmas": a date, however often "she" follows it
        or all(len(p) == 1 for p in parts)  # "M.R.C.S.": letters after a name
    )


@dataclass(slots=True)
class _Context:
    """What one mention's neighbourhood says (counts over a cluster's runs)."""

    determined: int = 0  # "the Ayah", "her Ayah": a common noun
    indefinite: int = 0  # "a Florentine", "an Uhlan": a kind of person
    located: int = 0  # "by Temple Bar", "in Kent"
    speech: int = 0  # "said Cantwell", "Cantwell replied"
    addressed: int = 0  # ", Watson," inside a speech
    who: int = 0  # "Bartleby, who was": only people are "who"
    acts: int = 0  # "Cantwell went", "Cantwell looked"
    possessive: int = 0  # "at Tellson's"
    titled: int = 0
    saint: int = 0  # "St. Helena", "Saint Paul": a place or a church as often as a person


def _context(c: NameCluster, layout: Layout, in_quote: list[bool]) -> _Context:
    ctx = _Context()
    for r in c.runs:
        _read_mention(ctx, r, layout, in_quote)
    return ctx


def _word(layout: Layout, k: int) -> str:
    return layout.words[k].text if 0 <= k < len(layout.words) else ""


def _read_mention(ctx: _Context, r: NameRun, layout: Layout, in_quote: list[bool]) -> None:
    words, text = layout.words, layout.text
    k = r.word_index
    prev, prev2 = _word(layout, k - 1).lower(), _word(layout, k - 2).lower()
    last = k + len(r.parts) + (1 if r.title else 0)
    nxt, nxt2 = _word(layout, last).lower(), _word(layout, last + 1).lower()
    # A line break is a space too: "the\nCossacks".
    spaced = k > 0 and text[words[k - 1].end : r.start] in {" ", "\n", "\r\n"}
    if prev in DETERMINERS and not r.title and spaced:
        ctx.determined += 1
        ctx.indefinite += prev in {"a", "an"}
    if prev in LOCATIVES and not (prev == "at" and prev2 in _LOOK_AT):
        ctx.located += 1
    # A verb across a quote mark has another subject: '"... London," said Edward'.
    same_side_next = last < len(words) and in_quote[last] == in_quote[k]
    same_side_prev = k > 0 and in_quote[k - 1] == in_quote[k]
    ctx.speech += (
        (nxt in SPEECH_VERBS and same_side_next)
        or (prev in SPEECH_VERBS and same_side_prev)
        or (prev == "to" and prev2 in _SAID_TO)  # "said to Cantwell"
        or (nxt in {"had", "has"} and nxt2 in SPEECH_VERBS)  # "Cantwell had answered"
    )
    ctx.acts += last < len(words) and words[last].text.islower() and _past_verb(nxt)
    ctx.addressed += in_quote[k] and _vocative_frame(text, r.start, r.end)
    ctx.who += nxt in {"who", "whom", "whose"}
    ctx.possessive += text[r.end : r.end + 2].lower() in {"'s", "’s"}
    # "St. Helena", "Saint Paul": a saint's title is as often a place's.
    saint = bool(r.title and r.title.lower().rstrip(".") in {"st", "saint"})
    ctx.titled += bool(r.title) and not saint
    ctx.saint += saint


def person_features(
    c: NameCluster, layout: Layout, pronoun_votes: int, in_quote: list[bool]
) -> dict[str, float]:
    """The evidence for and against ``c`` being a person, as named numbers.

    Counts are divided by the number of mentions, so a long novel and a
    short story weigh alike; the mention count itself enters as a log. In a
    text shorter than :data:`NOVEL_WORDS` every feature has a twin
    ``excerpt.<name>``, times the text's :func:`shortness`, and ``excerpt``
    is that shortness: the model weighs short texts apart.
    """
    n = len(c.runs)
    ctx = _context(c, layout, in_quote)
    f = {
        "mentions.log": math.log1p(n),
        "mentions.one": float(n == 1),
        # Mentions per thousand words: three in a short story is a character.
        # The shortest training texts are excerpts of about 2,000 words;
        # shorter ones count as that long, so a scene is not all characters.
        "density.log": math.log1p(1000 * n / max(_SHORTEST, len(layout.words))),
        "determiner.ratio": ctx.determined / n,
        "indefinite.ratio": ctx.indefinite / n,
        "located.ratio": ctx.located / n,
        "speech.ratio": ctx.speech / n,
        "speech.any": float(ctx.speech > 0),
        "speech.log": math.log1p(ctx.speech),
        "addressed.ratio": ctx.addressed / n,
        "who.ratio": ctx.who / n,
        "acts.ratio": ctx.acts / n,
        "possessive.ratio": ctx.possessive / n,
        "title.ratio": ctx.titled / n,
        "title.any": float(ctx.titled > 0),
        "saint.ratio": ctx.saint / n,
        "pronouns.log": math.log1p(max(0, pronoun_votes)),
        "pronouns.ratio": min(1.0, max(0, pronoun_votes) / n),
        "group": float(c.group),
        # A name said often that never speaks and is never spoken to
        # ("at Highbury" a hundred times) is a setting, not a character.
        "silent.log": 0.0 if ctx.speech or ctx.addressed else math.log1p(n),
        **_name_features(c),
    }
    f.update(_patterns(f, n))
    if any(v for k, v in f.items() if k.startswith("pattern.")):
        # Prominence speaks for a name that reads like a name: a place the
        # book keeps returning to is no more a person for it.
        f["density.log"] = 0.0
    out = {k: v for k, v in f.items() if v}
    short = shortness(len(layout.words))
    if short:
        out.update({f"excerpt.{k}": short * v for k, v in out.items()} | {"excerpt": short})
    return out


def shortness(words: int) -> float:
    """1 for an excerpt of :data:`EXCERPT_WORDS` words or fewer, 0 from
    :data:`NOVEL_WORDS` on, and in between by the log of the length."""
    ratio = math.log(NOVEL_WORDS / max(words, 1)) / math.log(NOVEL_WORDS / EXCERPT_WORDS)
    return min(1.0, max(0.0, ratio))


def _name_features(c: NameCluster) -> dict[str, float]:
    """What the words of the name say, whatever the book does with them."""
    n = len(c.runs)
    parts = [p.lower() for p in {p for r in c.runs for p in r.parts}]
    given = any(p in _GIVEN or p in NICKNAMES for p in parts)
    first_given = any(f.lower() in _GIVEN or f.lower() in NICKNAMES for f in c.firsts)
    multi = [r for r in c.runs if len(r.parts) >= 2]
    commonness = max((COMMON_WORDS.get(p, 0.0) for p in parts), default=0.0)
    return {
        "given.any": float(given),
        "given.first": float(first_given),
        "surname.known": float(any(p in SURNAMES for p in parts)),
        "place.ratio": _alone_in(c, GAZETTEER) / n,
        "town.ratio": _alone_in(c, TOWNS) / n,
        "place.multi": float(any(p.lower() in GAZETTEER for r in multi for p in r.parts)),
        "full_name": float(bool(c.firsts and c.lasts)),
        "multi.ratio": len(multi) / n,
        "single_word": float(not multi),
        "common.zipf": commonness / 7.0,
        "demonym": float(all(_DEMONYM.search(p) and p not in _GIVEN for p in parts)),
        "abstract": float(all(len(p) >= 6 and _ABSTRACT.search(p) for p in parts)),
    }


def _alone_in(c: NameCluster, words: frozenset[str]) -> int:
    """Mentions that are one untitled word of ``words`` ("Colonel Brandon"
    is a man whatever town is called Brandon)."""
    return sum(
        1 for r in c.runs if not r.title and len(r.parts) == 1 and r.parts[0].lower() in words
    )


def _patterns(f: dict[str, float], n: int) -> dict[str, float]:
    """Conjunctions a linear model cannot draw from the ratios alone: how a
    common noun, a place, a firm or a kind of person reads as a whole."""
    untitled = not f["title.any"]
    # Spoken or spoken to once in ten mentions, twice at least, and with a
    # speech verb once: "Go ahead, Rome!" is a cheer for a team.
    talks = f["speech.any"] and (f["speech.ratio"] + f["addressed.ratio"]) * n >= max(2.0, n / 10)
    return {
        # "the Sentinel", "her Ayah" half the time or more ("the Claytons" is
        # how a family is named, though).
        "pattern.noun": float(f["determiner.ratio"] >= 0.5 and not f["group"]),
        # "by Temple Bar", "in Kent" twice or more, and mostly so.
        "pattern.place": float(
            untitled
            and f["located.ratio"] * n >= 2
            and f["determiner.ratio"] + f["located.ratio"] >= 0.5
            and not talks
        ),
        # "a Florentine", "an Uhlan".
        "pattern.kind": float(untitled and f["single_word"] and f["indefinite.ratio"] >= 0.5),
        # "at Tellson's", never acting.
        "pattern.firm": float(
            untitled and n >= 4 and f["possessive.ratio"] >= 0.75 and f["speech.ratio"] < 0.25
        ),
        # A known place, a demonym or an abstraction, silent.
        "pattern.silent_place": float(
            (f["place.ratio"] >= 0.9 or f["demonym"] or f["abstract"]) and not talks
        ),
    }


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
