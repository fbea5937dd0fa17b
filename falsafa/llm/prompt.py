"""What a responder is asked for one reply: a value, no I/O.

Usage::

    prompt = Prompt(
        messages=[{"role": "system", "content": persona}, {"role": "user", "content": "Hi"}],
        character_name="Scrooge",
        user_message="Hi",
        quotes=("Bah! Humbug!",),       # the character's lines, for the offline responder
    )
    prompt.max_tokens, prompt.temperature    # REPLY_MAX_TOKENS, REPLY_TEMPERATURE

``falsafa.chat.context.build_prompt`` lays the messages out; the LLM reads
``messages``, the offline responder the quotes and passages.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["REPLY_MAX_TOKENS", "REPLY_TEMPERATURE", "Prompt"]

# A chat reply is a few spoken paragraphs at most.
REPLY_MAX_TOKENS = 400
# Warm enough that a character does not repeat itself word for word.
REPLY_TEMPERATURE = 0.8


@dataclass(frozen=True, slots=True)
class Prompt:
    messages: list[dict[str, str]]
    character_name: str
    user_message: str
    quotes: tuple[str, ...] = ()
    passages: tuple[str, ...] = ()
    dropped_turns: int = 0
    max_tokens: int = REPLY_MAX_TOKENS
    temperature: float = REPLY_TEMPERATURE
