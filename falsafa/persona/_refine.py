"""Optional LLM refinement of the description, never at the cost of the persona."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import trio

from falsafa.persona._render import describe, render_persona
from falsafa.persona._voice import pick_spread
from falsafa.store.base import CharacterRecord

__all__ = [
    "REFINE_MAX_TOKENS",
    "REFINE_TEMPERATURE",
    "LlmCall",
    "apply_refined_description",
    "refine_description",
    "refine_records",
    "refinement_messages",
]

log = logging.getLogger(__name__)

# What the caller should pass as max_tokens: one paragraph, with room to finish it.
REFINE_MAX_TOKENS = 220
# Cooler than chat: a description should stay close to the facts given.
REFINE_TEMPERATURE = 0.4
_MAX_WORDS = 150

LlmCall = Callable[[list[dict[str, str]]], Awaitable[str]]


def refinement_messages(facts: Mapping[str, Any]) -> list[dict[str, str]]:
    """The chat messages asking for a one-paragraph description from facts only."""
    quotes = [q["text"] for q in pick_spread(facts.get("quotes", []), 6)]

    def listed(key: str) -> str:
        return ", ".join(f["text"] for f in facts.get(key, [])) or "-"

    relations = sorted({r["name"] for r in facts.get("relations", [])})[:8]
    user = "\n".join(
        [
            f"Character: {facts['name']}"
            + (f" in {facts['book_title']}" if facts.get("book_title") else ""),
            f"Also called: {listed('aliases')}",
            f"Pronouns: {facts.get('pronouns') or '-'}",
            f"Descriptors from the text: {listed('descriptors')}",
            f"Actions from the text: {listed('actions')}",
            f"Often with: {', '.join(relations) or '-'}",
            "Some of their lines:",
            *(f'- "{q}"' for q in quotes),
        ]
    )
    system = (
        "You write a one-paragraph character description (at most 120 words) for a "
        "role-play prompt, in the second person ('You are ...'). Use only the facts "
        "given; do not add anything you may know about the book. No preamble."
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _clean(reply: str) -> str:
    words = reply.strip().strip('"').split()
    if len(words) > _MAX_WORDS:
        text = " ".join(words[:_MAX_WORDS])
        cut = max(text.rfind(". "), text.rfind("! "), text.rfind("? "))
        return text[: cut + 1] if cut > 0 else text
    return " ".join(words)


async def refine_description(
    # A timeout argument rather than the caller's cancel scope: expiry must
    # fall back to the template here, not cancel the caller's whole job.
    facts: Mapping[str, Any],
    llm_call: LlmCall,
    timeout: float = 20.0,
) -> str:
    """A paragraph written by the LLM from ``facts``, or the deterministic
    description when the call fails, times out or returns nothing usable.

    ``llm_call`` takes chat messages and returns the reply text; it should cap
    the reply at :data:`REFINE_MAX_TOKENS` tokens.
    """
    fallback = str(facts.get("description") or describe(facts, None))
    with trio.move_on_after(timeout) as scope:
        try:
            reply = await llm_call(refinement_messages(facts))
        except Exception:
            log.warning("persona refinement failed for %s", facts.get("name"), exc_info=True)
            return fallback
        text = _clean(reply) if isinstance(reply, str) else ""
        if len(text.split()) >= 8:
            return text
        log.warning("persona refinement for %s returned too little", facts.get("name"))
    if scope.cancelled_caught:
        log.warning("persona refinement for %s timed out after %ss", facts.get("name"), timeout)
    return fallback


def apply_refined_description(record: CharacterRecord, description: str) -> CharacterRecord:
    """The record with ``description`` as its description and full-book prompt.

    The paragraph is written from facts spanning the whole book, so prompts for
    a reading position before the last of those facts keep the deterministic
    description (see render_persona).
    """
    if description == record.description:
        return record
    facts = dict(record.facts)
    offsets = [
        int(f.get("end", f["start"]))
        for key in ("aliases", "descriptors", "actions", "quotes", "relations")
        for f in facts.get(key, [])
    ]
    facts["refined_description"] = {"text": description, "based_on_offset": max(offsets, default=0)}
    return dataclasses.replace(
        record,
        description=description,
        persona_prompt=render_persona(facts, None),
        facts=facts,
    )


async def refine_records(
    records: list[CharacterRecord], llm_call: LlmCall, timeout: float = 20.0
) -> list[CharacterRecord]:
    """Each record with an LLM-written description (see
    :func:`refine_description`), one character after the other."""
    refined = []
    for record in records:
        description = await refine_description(record.facts, llm_call, timeout=timeout)
        refined.append(apply_refined_description(record, description))
    return refined
