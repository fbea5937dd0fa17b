"""How sure we are that a character said a quote: the frame beside it, then the scorer.

Usage::

    names = SpeakerNames.of(extraction.characters)
    frame = names.frame_speakers(text, quote)  # {"c1"} for '"...," said Elizabeth.'
    certainty(quote, frame)                     # 1.0 framed, the scorer's probability else

A persona's voice lines are a promise to the reader ("this is how Elizabeth
speaks"), so they are drawn from the quotes whose speaker is most certain.
The surest evidence is the book's own frame: a speech verb with a name right
beside the quote ("said Elizabeth", "Mr. Darcy replied:"). A frame naming the
speaker makes the attribution certain; a frame naming someone else makes it
certainly wrong, whatever the scorer thought. Without a frame we have the
speaker scorer's probability, and without that (``confidence`` None, as with
BookNLP or before a scorer is trained) nothing: such a quote is never a voice
line.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from falsafa.extract.lexicon import HONORIFICS, SPEECH_VERBS
from falsafa.extract.model import Character, Quote

__all__ = ["FRAMED", "SpeakerNames", "certainty"]

# The certainty of a quote whose frame names its speaker.
FRAMED = 1.0
# Speech verbs that open a frame; "put" and "began" only with a name after them.
_VERBS = "|".join(sorted((v for v in SPEECH_VERBS if v.isalpha()), key=len, reverse=True))
_TITLE = (
    r"(?:(?:Mr|Mrs|Ms|Miss|Dr|Sir|Lady|Lord|Madame|Monsieur|Colonel|Captain|Master|Mistress)\.?\s+)"
)
_NAME = rf"(?:the\s+)?{_TITLE}?[A-Z][\w-]*(?:\s+(?:de\s+)?[A-Z][\w-]*){{0,2}}(?![\w'’-]|\s+s\b)"
# '"...," said Elizabeth' / '"...," Elizabeth replied' / '"...," Elizabeth, after a pause, replied'
_AFTER_VERB_NAME = re.compile(rf"^[\s,.!?;—–-]*(?:{_VERBS})\s+(?P<name>{_NAME})")
_AFTER_NAME_VERB = re.compile(
    rf"^[\s,.!?;—–-]*(?P<name>{_NAME})\s*(?:,[^,.;:\"“”]{{1,40}},\s*)?(?:\w+ly\s+)?(?:{_VERBS})\b"
)
# 'Elizabeth replied, "..."' / 'Mr. Darcy said:'
_BEFORE = re.compile(
    rf"(?P<name>{_NAME})\s*(?:,[^,.;:\"“”]{{1,40}},\s*)?(?:\w+ly\s+)?(?:{_VERBS})"
    rf"(?:\s+[a-z]+){{0,3}}\s*[,:]?\s*$"
)
# "said Catherine and Lydia", "Kitty and Lydia cried": several speakers.
_GROUP_AFTER = re.compile(r"\s*(?:and|&)\s+[A-Z]")
_GROUP_BEFORE = re.compile(r"[A-Z][\w.]*\s+(?:and|&)\s+$")
# Reported speech after the verb: "replied that it was".
_INDIRECT = re.compile(r"\s+(?:that|whether|if)\b")
_SPAN = 90


def _key(phrase: str) -> str:
    return " ".join(w.strip(".").casefold() for w in phrase.split())


def _tokens(phrase: str) -> list[str]:
    return [w for w in _key(phrase).split() if w not in HONORIFICS]


@dataclass(frozen=True, slots=True)
class SpeakerNames:
    """Which character a name in a frame belongs to, if exactly one."""

    full: dict[str, str]  # "mr darcy" -> id, for names and aliases of one character
    token: dict[str, frozenset[str]]  # "darcy" -> every character with that name word

    @classmethod
    def of(cls, characters: Iterable[Character]) -> SpeakerNames:
        full: dict[str, set[str]] = defaultdict(set)
        token: dict[str, set[str]] = defaultdict(set)
        for c in characters:
            for name in (c.name, *c.aliases):
                full[_key(name)].add(c.id)
                for t in _tokens(name):
                    token[t].add(c.id)
        return cls(
            {k: next(iter(v)) for k, v in full.items() if len(v) == 1},
            {k: frozenset(v) for k, v in token.items()},
        )

    def owners(self, phrase: str) -> frozenset[str]:
        """The characters ``phrase`` may name: one for "Mr. Darcy" or "Elizabeth",
        every bearer for a shared word ("Darcy"), none for a stranger."""
        key = _key(phrase)
        if key in self.full:
            return frozenset((self.full[key],))
        for t in _tokens(phrase):
            if t in self.token:
                return self.token[t]
        return frozenset()

    def frame_speakers(self, text: str, quote: Quote) -> frozenset[str] | None:
        """Who a speech frame right beside ``quote`` may name: None when there
        is no frame with a name, else the characters the name fits (empty for
        a name no character bears, or for several people: "said Kitty and
        Lydia")."""
        after = text[quote.end : quote.end + _SPAN]
        after = re.split(r"\n\s*\n|[\"“”]", after, maxsplit=1)[0]
        for pattern in (_AFTER_VERB_NAME, _AFTER_NAME_VERB):
            if m := pattern.match(after):
                return self._named(after, m)
        before = text[max(0, quote.start - _SPAN) : quote.start]
        before = re.split(r"\n\s*\n|[\"“”]", before)[-1]
        if (m := _BEFORE.search(before)) is not None:
            return self._named(before, m)
        return None

    def _named(self, frame: str, m: re.Match[str]) -> frozenset[str] | None:
        if _GROUP_AFTER.match(frame, m.end("name")) or _GROUP_BEFORE.search(frame, 0, m.start()):
            return frozenset()  # a group speaks: no one character's line
        if _INDIRECT.match(frame, m.end()):
            return None  # '"Is it true?" Elizabeth replied that it was.': no frame
        return self.owners(m.group("name"))


def certainty(quote: Quote, frame: frozenset[str] | None) -> float:
    """How sure we are that ``quote.speaker`` said ``quote``, from 0 to 1.

    A frame naming the speaker: :data:`FRAMED`; a frame naming another: 0;
    else the scorer's ``confidence``, and 0 when there is none.
    """
    if quote.speaker is None:
        return 0.0
    if frame is not None:
        return FRAMED if quote.speaker in frame else 0.0
    return quote.confidence if quote.confidence is not None else 0.0
