"""The offline responder: replies in the character's own words, without any model.

Usage::

    responder = OfflineResponder()
    async with responder.stream(prompt) as tokens:   # prompt: falsafa.llm.Prompt
        async for token in tokens:
            ...
    compose_offline_reply(prompt)                     # the whole reply at once

With no ``OPENAI_API_KEY`` the whole flow still runs locally: the reply is
made of the character's quotes and the retrieved passages, never invented.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Sequence

import trio

from falsafa.llm.base import TokenStream
from falsafa.llm.prompt import Prompt

__all__ = ["OfflineResponder", "compose_offline_reply"]

_WORD = re.compile(r"[A-Za-z']+")
_STOP = frozenset(
    "a an and are as at be but by do for from had has have he her him his how i if in is it "
    "its me my no not of on or our she so than that the their them then there they this to "
    "up us was we were what when where which who why will with would you your".split()
)


class OfflineResponder:
    """Replies in the character's own words, without any model.

    It scores the character's quotes (already filtered to the reader's
    position) and the retrieved passages against the message's words, and
    streams the best few lines word by word through the same path as the
    LLM. It cannot converse, but it shows the whole flow working locally and
    answers with material from the book, never invented.
    """

    name = "offline"

    def stream(self, prompt: Prompt) -> contextlib.AbstractAsyncContextManager[TokenStream]:
        return self._stream(compose_offline_reply(prompt))

    @contextlib.asynccontextmanager
    async def _stream(self, reply: str) -> AsyncIterator[TokenStream]:
        stream = TokenStream()
        stream.tokens = self._tokens(reply, stream)
        yield stream

    async def _tokens(self, reply: str, stream: TokenStream) -> AsyncIterator[str]:
        for token in re.findall(r"\S+\s*", reply):
            # Yield to the scheduler between tokens, as a network stream would.
            await trio.lowlevel.checkpoint()
            yield token
        stream.finish_reason = "stop"

    async def aclose(self) -> None:
        return None


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if w.lower() not in _STOP and len(w) > 2}


def compose_offline_reply(prompt: Prompt) -> str:
    wanted = _words(prompt.user_message)
    quotes: Sequence[str] = prompt.quotes
    scored = sorted(
        ((len(wanted & _words(q)), -i, q) for i, q in enumerate(quotes)),
        reverse=True,
    )
    chosen = [q for _score, _i, q in scored[:3]]
    lines = []
    if chosen:
        lines.append(" ".join(q.strip().strip("\"“”‘’'").strip() for q in chosen))
    if prompt.passages:
        passage = prompt.passages[0].strip().replace("\n", " ")
        excerpt = passage[:280].rsplit(" ", 1)[0] if len(passage) > 280 else passage
        lines.append(f"I remember this: {excerpt}…")
    if not lines:
        lines.append(
            f"I am {prompt.character_name}, but the book has not given me words for that yet."
        )
    return " ".join(lines)
