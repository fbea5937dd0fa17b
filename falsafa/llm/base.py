"""What every responder offers, and how the LLM fails. No I/O.

Usage::

    async with responder.stream(prompt) as tokens:   # responder: Responder
        async for token in tokens:
            ...
        tokens.finish_reason                         # once read: "stop", "length", ...
    text = await completer.complete(messages, max_tokens=220, temperature=0.4)

``LLMError.kind`` is one of ``LLM_ERROR_KINDS``; ``str(error)`` is the
short, user-safe message for that kind (``PUBLIC_MESSAGES``: no host, port
or upstream wording), ``error.detail`` what the upstream said, for the log
only. Chat turns it into a ``code: 502`` event, the job pipeline into the
deterministic fallback.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Final, Protocol, final

from falsafa.llm.prompt import Prompt

__all__ = [
    "LLM_ERROR_KINDS",
    "PUBLIC_MESSAGES",
    "Completer",
    "LLMError",
    "Responder",
    "TokenStream",
]

# What a reader may be told when the model fails: these words and nothing
# else reach a client (the README's event table lists them). ``{status}`` is
# the upstream's HTTP status, a number.
PUBLIC_MESSAGES: Final[dict[str, str]] = {
    "status": "the language model answered HTTP {status}",
    "timeout": "the language model did not answer in time",
    "idle": "the language model went silent mid-reply",
    "connection": "the language model is unreachable",
    "dropped": "the language model's stream broke",
    "stream_error": "the language model reported an error",
    "completion": "the language model failed",
}
LLM_ERROR_KINDS: Final = frozenset(PUBLIC_MESSAGES)


class LLMError(Exception):
    """The model failed. ``str()`` is the public message of ``kind``;
    ``detail`` is what actually happened (upstream text, host, port): log it,
    never send it.

    >>> error = LLMError("connection", "cannot connect to 10.0.0.7:4000")
    >>> str(error), error.detail
    ('the language model is unreachable', 'cannot connect to 10.0.0.7:4000')
    """

    def __init__(self, kind: str, detail: str = "", *, status: int | None = None) -> None:
        if kind not in PUBLIC_MESSAGES:
            raise ValueError(f"unknown LLM error kind {kind!r}")
        super().__init__(PUBLIC_MESSAGES[kind].format(status=status))
        self.kind = kind
        self.detail = detail or str(self)
        self.status = status


@final
class TokenStream:
    """A reply's tokens, and why the model stopped once they are read.

    ``async for token in stream`` iterates the tokens themselves (no wrapper
    per token); ``finish_reason`` is None until the model said why it
    stopped (one of ``falsafa.llm.sse.FINISH_REASONS``), and stays None for
    a stream that ended with ``[DONE]`` alone.
    """

    __slots__ = ("finish_reason", "tokens")

    def __init__(self, tokens: AsyncIterator[str] | None = None) -> None:
        self.tokens = tokens
        self.finish_reason: str | None = None

    def __aiter__(self) -> AsyncIterator[str]:
        assert self.tokens is not None, "a TokenStream is given its tokens before use"
        return self.tokens


class Responder(Protocol):
    name: str

    def stream(self, prompt: Prompt) -> contextlib.AbstractAsyncContextManager[TokenStream]:
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
