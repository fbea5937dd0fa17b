"""Personas: who a character is, how they speak, whom they know. Pure.

Usage::

    from falsafa.persona import build_character_records, render_persona

    chapters = detect_chapters(text)           # falsafa.book
    records = build_character_records(book_id, extraction, text, chapters, top_n=12,
                                      book_title="A Christmas Carol")
    records[0].persona_prompt                      # for a reader who finished the book
    limit = position_to_offset(3, len(text), chapters)
    prompt = render_persona(records[0].facts, before_offset=limit, position_label="Stave III")

    # Optional, when an LLM is configured (never worse than the template):
    records = await refine_records(records, llm_call, timeout=20)
    text = await refine_description(records[0].facts, llm_call, timeout=20)
    records[0] = apply_refined_description(records[0], text)

Everything comes from the extraction of this book, not from what a model may
remember of famous novels. ``CharacterRecord.facts`` (JSON) holds, version 1::

    name, extractor_id, book_title, gender, pronouns, mention_count
    first_seen         {start, chapter}
    aliases            [{text, start, chapter}]            where the name first appears
    addressed_as       [{text, count, start, chapter}]     vocatives: "Mr. Scrooge", "sir"
    descriptors        [{text, start, chapter}]            words the book uses of them
    actions            [{text, start, chapter}]
    quotes             [{text, start, end, chapter, to, confidence}]  the surest, spread over the book
    speech             {quotes, mean_words, contractions_per_100_words,   (confident lines only)
                        exclamation_share, question_share}
    speech_baseline    the same over every sure quote of the book
    favourite_words    [{text, count, start, chapter}]     said far more than the book does
    relations          [{name, character_id, kind, weight, start, chapter}]
                       kind: speaks_to | spoken_to_by | speaks_about | co_occurs
    description        deterministic, whole book
    refined_description  {text, based_on_offset}           only after an LLM refinement

``start`` is where the book first shows the fact; render_persona leaves out
every fact at or after the reader's position.
"""

from falsafa.persona._facts import (
    FACTS_VERSION,
    PersonaConfig,
    PersonaFacts,
    build_character_records,
)
from falsafa.persona._refine import (
    REFINE_MAX_TOKENS,
    REFINE_TEMPERATURE,
    LlmCall,
    apply_refined_description,
    refine_description,
    refine_records,
    refinement_messages,
)
from falsafa.persona._render import describe, render_persona, visible

__all__ = [
    "FACTS_VERSION",
    "REFINE_MAX_TOKENS",
    "REFINE_TEMPERATURE",
    "LlmCall",
    "PersonaConfig",
    "PersonaFacts",
    "apply_refined_description",
    "build_character_records",
    "describe",
    "refine_description",
    "refine_records",
    "refinement_messages",
    "render_persona",
    "visible",
]
