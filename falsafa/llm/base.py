"""What every responder offers, and how the LLM fails. No I/O.

Usage::

    async with responder.stream(prompt) as tokens:   # responder: Responder
        async for token in tokens:
            ...
    text = await completer.complete(messages, max_tokens=220, temperature=0.4)

``LLMError.kind`` is ``status``, ``timeout``, ``connection`` or ``dropped``;
chat turns it into a ``code: 502`` event, the job pipeline into the
deterministic fallback.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Protocol

from falsafa.llm.prompt import Prompt

__all__ = ["Completer", "LLMError", "Responder"]


class LLMError(Exception):
    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class Responder(Protocol):
    name: str

    def stream(self, prompt: Prompt) -> contextlib.AbstractAsyncContextManager[AsyncIterator[str]]:
        """The reply's tokens. Takes what it needs from ``prompt`` when
        called and keeps no reference to it: a reply streams for minutes,
        and the prompt (persona, passages, history) is several KB a stream."""
        ...

    async def aclose(self) -> None: ...


class Completer(Protocol):
    async def complete(
        self, messages: list[dict[str, str]], *, max_tokens: int, temperature: float
    ) -> str:
        """A short non-streamed completion; raises ``LLMError``."""
        ...
