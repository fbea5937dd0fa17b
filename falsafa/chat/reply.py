"""The text of a reply as it streams, kept compact.

Usage::

    reply = ReplyText()
    reply.add("Hel"); reply.add("lo")
    reply.tokens, reply.text()        # (2, "Hello")
    reply.finish_reason               # why the model stopped, once it said so

A reply is held for as long as it streams (minutes at 1 token/s), by every
open stream at once. A list of token strings costs ~70 bytes a token in
object headers alone; one growing text buffer costs about the text itself.
"""

from __future__ import annotations

import io

__all__ = ["ReplyText"]


class ReplyText:
    __slots__ = ("_buffer", "finish_reason", "tokens")

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self.tokens = 0
        self.finish_reason: str | None = None

    def add(self, token: str) -> None:
        self._buffer.write(token)
        self.tokens += 1

    def text(self) -> str:
        return self._buffer.getvalue()
