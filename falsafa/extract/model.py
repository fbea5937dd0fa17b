"""What extraction finds in a book: one data model for every extractor.

Usage::

    from falsafa.extract.model import Extraction
    result: Extraction = extractor.extract(text)
    for character in result.characters:        # ranked, most important first
        print(character.name, character.aliases, character.mention_count)
    json_doc = result.to_score_json()           # the scorer's format

Every offset is a Python ``str`` index into the text exactly as the extractor
received it (end exclusive), so later stages (personas, the passage index,
chat's reading-position filter) can place any fact in the book.

The types are plain frozen dataclasses of plain data: they pickle cheaply
across the worker-process boundary and serialise to JSON without help.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

__all__ = [
    "Character",
    "Extraction",
    "Extractor",
    "ExtractorUnavailable",
    "Mention",
    "Quote",
    "Relation",
]

MentionKind = Literal["proper", "nominal", "pronoun"]
RelationKind = Literal["speaks_to", "co_occurs"]


class ExtractorUnavailable(RuntimeError):
    """The extractor cannot run here (a package or model file is missing).

    The message says exactly what is missing and where it was looked for.
    """


@dataclass(frozen=True, slots=True)
class Mention:
    """One reference to a character in the text."""

    start: int
    end: int
    text: str
    character_id: str
    kind: MentionKind = "proper"


@dataclass(frozen=True, slots=True)
class Quote:
    """One stretch of direct speech, quotation marks included.

    ``speaker`` and ``addressee`` are character ids, or None when unknown.
    ``confidence`` is the speaker scorer's probability that ``speaker`` said
    it (None when the extractor gives none, e.g. BookNLP), so personas and
    chat can prefer lines whose speaker is certain.
    """

    start: int
    end: int
    text: str
    speaker: str | None = None
    addressee: str | None = None
    confidence: float | None = None


@dataclass(frozen=True, slots=True)
class Relation:
    """An undirected (co_occurs) or directed (speaks_to: a -> b) link.

    ``first_offset`` is where the book first shows the link, so that chat can
    leave out relations the reader has not reached yet.
    """

    a: str
    b: str
    kind: RelationKind
    weight: int
    first_offset: int


@dataclass(frozen=True, slots=True)
class Character:
    """A character cluster: one person under all their names.

    ``descriptors`` are words the book uses of them (adjectives, appositives);
    ``actions`` are verbs they are the subject of. Both lists hold
    ``(word, first_offset)`` pairs, most frequent first.
    """

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    mention_count: int = 0
    gender: Literal["female", "male", "unknown"] = "unknown"
    pronouns: str | None = None
    descriptors: tuple[tuple[str, int], ...] = ()
    actions: tuple[tuple[str, int], ...] = ()
    first_offset: int = 0
    rank: int = 0


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything an extractor found, characters ranked by importance."""

    characters: tuple[Character, ...] = ()
    quotes: tuple[Quote, ...] = ()
    mentions: tuple[Mention, ...] = ()
    relations: tuple[Relation, ...] = ()
    extractor: str = "builtin"
    warnings: tuple[str, ...] = field(default=())

    def character(self, character_id: str) -> Character | None:
        for c in self.characters:
            if c.id == character_id:
                return c
        return None

    def to_score_json(self) -> dict[str, Any]:
        """The document ``shared/tools/score_extraction.py`` reads."""
        return {
            "characters": [
                {
                    "id": c.id,
                    "name": c.name,
                    "aliases": list(c.aliases),
                    "mention_count": c.mention_count,
                }
                for c in self.characters
            ],
            "quotes": [
                {"start": q.start, "end": q.end, "speaker": q.speaker, "confidence": q.confidence}
                for q in self.quotes
            ],
        }

    def to_json(self) -> dict[str, Any]:
        """Every field, as plain JSON-ready data."""
        return asdict(self)


class Extractor(Protocol):
    """Anything that turns a book's text into an :class:`Extraction`.

    ``extract`` is synchronous and CPU-bound: the job manager runs it in a
    worker process, never on the event loop.
    """

    name: str

    def extract(self, text: str) -> Extraction: ...
