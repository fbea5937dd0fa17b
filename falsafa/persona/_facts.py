"""From an Extraction to per-character facts and stored CharacterRecords."""

from __future__ import annotations

import bisect
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from falsafa.book import Chapter
from falsafa.extract.model import Character, Extraction, Quote
from falsafa.index import STOPWORDS
from falsafa.persona._cast import Evidence, choose_cast
from falsafa.persona._certainty import SpeakerNames, certainty
from falsafa.persona._render import describe, render_persona
from falsafa.persona._voice import (
    BookVocabulary,
    Vocative,
    address_gender,
    clean_quote,
    find_vocatives,
    select_quotes,
    speech_traits,
    vocative_candidates,
    words_of,
)
from falsafa.store.base import CharacterRecord, character_uuid

__all__ = ["FACTS_VERSION", "PersonaConfig", "PersonaFacts", "build_character_records"]

FACTS_VERSION = 1

# JSON-ready, stored as CharacterRecord.facts. Every fact carries "start" (a
# character offset) and "chapter" so that chat can drop what the reader has
# not reached. The schema is written out in falsafa.persona's docstring.
PersonaFacts = dict[str, Any]

_TITLE_WORDS = (
    "mr mrs miss ms dr sir lady lord madame monsieur mme prince princess count countess "
    "captain uncle aunt old young little the st"
)
_TITLES = frozenset(_TITLE_WORDS.split())


@dataclass(frozen=True, slots=True)
class PersonaConfig:
    """Knobs of persona building; the defaults suit a novel."""

    top_n: int = 12
    # A quote is the character's voice only this sure (see _certainty): a
    # frame naming them, or the speaker scorer's probability.
    min_certainty: float = 0.99
    quotes_kept: int = 30  # stored, spread over the book, for any position
    quotes_rendered: int = 6
    favourite_words: int = 8
    relations_kept: int = 10
    descriptors_kept: int = 12


class _Book:
    """What every persona of one book shares: chapters, names, vocabulary."""

    def __init__(
        self, extraction: Extraction, text: str, chapters: Sequence[Chapter], min_certainty: float
    ) -> None:
        self.text = text
        self.chapters = list(chapters)
        self._starts = [c.start for c in self.chapters]
        self.by_id = {c.id: c for c in extraction.characters}
        self.vocabulary = BookVocabulary.of([q.text for q in extraction.quotes] or [text])
        # Only the lines whose speaker is certain speak for a character:
        # voice lines, speech habits and favourite words all come from them.
        names = SpeakerNames.of(extraction.characters)
        self.confident: dict[str, list[tuple[Quote, float]]] = defaultdict(list)
        for q in extraction.quotes:
            if q.speaker is None:
                continue
            sure = certainty(q, names.frame_speakers(text, q))
            if sure >= min_certainty:
                self.confident[q.speaker].append((q, sure))
        # A name token belongs to one character only if no other uses it:
        # "Scrooge" identifies Scrooge, "Mr." or a shared surname does not.
        owners: dict[str, set[str]] = defaultdict(set)
        for c in extraction.characters:
            for token in self.name_tokens(c):
                owners[token].add(c.id)
        self.token_owner = {t: next(iter(ids)) for t, ids in owners.items() if len(ids) == 1}
        # Quotes that may call someone by name or title, with those stretches.
        self.vocatives: list[tuple[Quote, list[Vocative]]] = []
        for q in extraction.quotes:
            if candidates := vocative_candidates(q):
                self.vocatives.append((q, candidates))
        self.first_mention: dict[tuple[str, str], int] = {}
        for m in extraction.mentions:
            self.first_mention.setdefault((m.character_id, m.text.casefold()), m.start)

    @staticmethod
    def name_tokens(c: Character) -> set[str]:
        tokens = set()
        for name in (c.name, *c.aliases):
            for w in words_of(name):
                if w not in _TITLES and w not in STOPWORDS and "'" not in w and len(w) > 1:
                    tokens.add(w)
        return tokens

    def chapter(self, offset: int) -> int:
        i = bisect.bisect_right(self._starts, offset) - 1
        return self.chapters[i].number if i >= 0 else 0

    def at(self, offset: int, **fields: Any) -> dict[str, Any]:
        return {**fields, "start": offset, "chapter": self.chapter(offset)}


def _aliases(book: _Book, c: Character) -> list[dict[str, Any]]:
    out = []
    name_words = set(words_of(c.name))
    for alias in c.aliases:
        if set(words_of(alias)) <= name_words:
            continue  # "Scrooge Scrooge" adds nothing to "Scrooge"
        start = book.first_mention.get((c.id, alias.casefold()))
        if start is None:
            found = book.text.find(alias, c.first_offset)
            start = found if found >= 0 else c.first_offset
        out.append(book.at(start, text=alias))
    return sorted(out, key=lambda a: a["start"])


def _addressed_as(book: _Book, c: Character) -> list[dict[str, Any]]:
    mine = book.name_tokens(c)

    def is_name(phrase: str) -> bool:
        return any(book.token_owner.get(w) == c.id for w in words_of(phrase) if w in mine)

    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for q, candidates in book.vocatives:
        # Only a quote spoken to them says what they are called: a "mama"
        # in a line to someone else is that someone's name.
        if q.speaker == c.id or q.addressee != c.id:
            continue
        for phrase, start in find_vocatives(candidates, is_name, addressed=True):
            if address_gender(phrase) not in (c.gender, "unknown") and c.gender != "unknown":
                continue  # "mother" to a man: the addressee is wrong, not the word
            counts[phrase] += 1
            first.setdefault(phrase, start)
    kept = [p for p, _ in counts.most_common(6)]
    return [book.at(first[p], text=p, count=counts[p]) for p in kept]


def _relations(
    book: _Book, extraction: Extraction, c: Character, own: Sequence[Quote], keep: int
) -> list[dict[str, Any]]:
    links: dict[tuple[str, str], list[int]] = {}  # (other, kind) -> [weight, first]

    def add(other: str, kind: str, weight: int, offset: int) -> None:
        if other == c.id or other not in book.by_id or not book.name_tokens(book.by_id[other]):
            return  # not a name at all ("I'll" taken for one)
        link = links.setdefault((other, kind), [0, offset])
        link[0] += weight
        link[1] = min(link[1], offset)

    for r in extraction.relations:
        if c.id not in (r.a, r.b):
            continue
        other = r.b if r.a == c.id else r.a
        kind: str = r.kind if r.kind == "co_occurs" or r.a == c.id else "spoken_to_by"
        add(other, kind, r.weight, r.first_offset)
    for q in own:  # who they talk about: other characters' own names in their lines
        for m in re.finditer(r"[^\W\d_]+", q.text):
            owner = book.token_owner.get(m.group().lower())
            if owner is not None and m.group()[0].isupper():
                add(owner, "speaks_about", 1, q.start + m.start())
    totals: Counter[str] = Counter()
    for (other, _), (weight, _) in links.items():
        totals[other] += weight
    top = [other for other, _ in totals.most_common(keep)]
    out = []
    for other in top:
        for (o, kind), (weight, first) in sorted(links.items()):
            if o == other:
                name = book.by_id[other].name
                out.append(book.at(first, name=name, character_id=other, kind=kind, weight=weight))
    return out


def build_facts(
    book: _Book, extraction: Extraction, c: Character, config: PersonaConfig, title: str
) -> PersonaFacts:
    sure = sorted(book.confident.get(c.id, []), key=lambda qc: qc[0].start)
    own = [q for q, _ in sure]
    exclude = set().union(*(book.name_tokens(x) for x in extraction.characters[:50]))
    facts: PersonaFacts = {
        "version": FACTS_VERSION,
        "extractor_id": c.id,
        "name": c.name,
        "book_title": title,
        "aliases": _aliases(book, c),
        "addressed_as": _addressed_as(book, c),
        "gender": c.gender,
        "pronouns": c.pronouns,
        "mention_count": c.mention_count,
        "first_seen": book.at(c.first_offset),
        "descriptors": [
            book.at(off, text=w) for w, off in c.descriptors[: config.descriptors_kept]
        ],
        "actions": [book.at(off, text=w) for w, off in c.actions[: config.descriptors_kept]],
        "quotes": [
            {
                **book.at(q.start, text=clean_quote(q.text)),
                "end": q.end,
                "to": _name(book, q),
                "confidence": round(confidence, 3),
            }
            for q, confidence in select_quotes(sure, config.quotes_kept)
        ],
        "speech": speech_traits(own),
        "favourite_words": [
            book.at(off, text=w, count=n)
            for w, n, off in book.vocabulary.favourite_words(own, config.favourite_words, exclude)
        ],
        "relations": _relations(book, extraction, c, own, config.relations_kept),
        "quotes_rendered": config.quotes_rendered,
    }
    facts["description"] = describe(facts, None)
    return facts


def _name(book: _Book, q: Quote) -> str | None:
    other = book.by_id.get(q.addressee) if q.addressee else None
    return other.name if other else None


def build_character_records(
    book_id: uuid.UUID,
    extraction: Extraction,
    text: str,
    chapters: Sequence[Chapter],
    top_n: int | None = None,
    *,
    book_title: str = "",
    config: PersonaConfig | None = None,
) -> list[CharacterRecord]:
    """A CharacterRecord (facts + full-book persona prompt) per main character.

    Characters are chosen by :func:`falsafa.persona._cast.choose_cast` (the
    evidence a reader would use, one slot per person). Ids derive from the
    book and the character's name, so re-running a book rewrites the same rows.
    """
    config = config or PersonaConfig()
    top_n = config.top_n if top_n is None else top_n
    book = _Book(extraction, text, chapters, config.min_certainty)
    baseline = speech_traits(q for qs in book.confident.values() for q, _ in qs)
    evidence = Evidence.of(extraction, {k: len(v) for k, v in book.confident.items()})
    chosen = choose_cast(extraction.characters, evidence, top_n)
    names = Counter(c.name.casefold() for c in chosen)
    records = []
    for rank, c in enumerate(chosen, start=1):
        facts = build_facts(book, extraction, c, config, book_title)
        facts["speech_baseline"] = baseline
        key = c.name.casefold() if names[c.name.casefold()] == 1 else f"{c.name}#{c.id}"
        records.append(
            CharacterRecord(
                id=character_uuid(book_id, key),
                book_id=book_id,
                name=c.name,
                aliases=tuple(c.aliases),
                description=facts["description"],
                persona_prompt=render_persona(facts, None),
                gender=c.gender,
                pronouns=c.pronouns,
                mention_count=c.mention_count,
                rank=rank,
                facts=facts,
            )
        )
    return records
