"""The CPU-heavy part of a job, as one plain function run in a worker process.

Usage::

    analysis = analyse_book(book_id, text, extractor="builtin", personas=12,
                            on_stage=StageFile(path))   # optional: "indexing", "personas"
    analysis.characters, analysis.passages, analysis.layout   # layout: falsafa.book.BookLayout
    analysis.cast                                             # every character found
    analysis.timings                                          # seconds per stage

It runs in a separate process (``trio_parallel``) so that extracting War and
Peace never stalls the event loop that relays chat streams. Everything that
crosses the process boundary is plain picklable data.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from falsafa.book import BookLayout
from falsafa.extract import available_extractor
from falsafa.extract.model import Extraction
from falsafa.index import split_passages
from falsafa.persona import build_character_records
from falsafa.store.base import BookStage, CastMember, CharacterRecord, Passage

__all__ = ["BookAnalysis", "analyse_book", "cast_of"]


@dataclass(frozen=True, slots=True)
class BookAnalysis:
    characters: list[CharacterRecord]
    passages: list[Passage]
    layout: BookLayout
    cast: tuple[CastMember, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    extractor: str = "builtin"
    warnings: tuple[str, ...] = ()


def analyse_book(
    book_id: str,
    text: str,
    *,
    extractor: str = "builtin",
    booknlp_models: str | None = None,
    personas: int = 12,
    title: str = "",
    on_stage: Callable[[BookStage], None] | None = None,
) -> BookAnalysis:
    """``on_stage`` hears each stage after extraction as it begins."""
    book_uuid = uuid.UUID(book_id)
    timings: dict[str, float] = {}
    report = on_stage or (lambda stage: None)

    started = time.perf_counter()
    engine = available_extractor(extractor, Path(booknlp_models) if booknlp_models else None)
    extraction = engine.extract(text)
    timings["extraction"] = time.perf_counter() - started

    report("indexing")
    started = time.perf_counter()
    # The one layout: the index cuts passages along its chapters, personas
    # place facts in them, and chat reads it from the book row.
    layout = BookLayout.of(text)
    passages = split_passages(text, book_uuid, chapters=layout.chapters)
    timings["index"] = time.perf_counter() - started

    report("personas")
    started = time.perf_counter()
    characters = build_character_records(
        book_uuid, extraction, text, layout.chapters, top_n=personas, book_title=title
    )
    timings["personas"] = time.perf_counter() - started

    return BookAnalysis(
        characters=characters,
        passages=passages,
        layout=layout,
        cast=cast_of(extraction, characters),
        timings=timings,
        extractor=engine.name,
        warnings=extraction.warnings,
    )


def cast_of(extraction: Extraction, characters: list[CharacterRecord]) -> tuple[CastMember, ...]:
    """Every character found, by rank, with their lines and, for those with a
    persona, the id of their ``characters`` row."""
    lines = Counter(q.speaker for q in extraction.quotes if q.speaker)
    persona = {str(c.facts.get("extractor_id")): c.id for c in characters}
    return tuple(
        CastMember(
            name=c.name,
            aliases=tuple(a for a in c.aliases if a != c.name),
            lines=lines[c.id],
            mentions=c.mention_count,
            character_id=persona.get(c.id),
        )
        for c in sorted(extraction.characters, key=lambda c: c.rank)
    )
