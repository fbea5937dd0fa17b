"""Who writes the replies: an OpenAI-compatible LLM, or the offline responder.

Usage::

    responder = open_responder(settings, store)        # LLM when OPENAI_API_KEY is set
    async with responder.stream(prompt) as tokens:      # prompt: falsafa.chat.context.Prompt
        async for token in tokens:
            ...
    await responder.aclose()

Both speak the same interface so chat has one code path. Failures raise
``LLMError`` (kind: ``status``, ``timeout``, ``connection``, ``dropped``),
which chat turns into a ``code: 502`` event.

The LLM responder posts the streaming request with a lean h11 client
(``falsafa.chat.upstream``; httpx when a proxy applies) and parses the SSE
bytes itself (``falsafa.chat.sse``): the SDK's request path costs
milliseconds before the first token and its chunk objects ~250 µs per token.
The SDK client remains for short completions. The stream is always closed on
exit, so a cancelled chat closes the upstream connection at once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator, Sequence
from typing import Protocol

import httpx
import openai
import trio

from falsafa import metrics
from falsafa.chat.context import Prompt
from falsafa.chat.sse import DONE_SENTINEL, StreamError, parse_openai_line
from falsafa.chat.upstream import UpstreamError, UpstreamPool, proxy_applies
from falsafa.config import Settings
from falsafa.store.base import CharacterRecord, Store

__all__ = ["LLMError", "LLMResponder", "OfflineResponder", "Responder", "open_responder"]

log = logging.getLogger("falsafa.responder")

_EOL = (b"\n", b"\r")
_dumps = json.JSONEncoder(ensure_ascii=False).encode


async def _drain(chunks: AsyncIterator[bytes]) -> None:
    # After ``[DONE]`` the body's end (the last chunk) usually follows at
    # once; reading it lets the connection be reused. Bounded: a server that
    # keeps it open only costs that connection.
    with trio.move_on_after(0.5):
        async for _ in chunks:
            pass


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

    async def refine_characters(
        self, characters: list[CharacterRecord]
    ) -> list[CharacterRecord]: ...

    async def aclose(self) -> None: ...


def open_responder(settings: Settings, store: Store) -> Responder:
    if settings.offline:
        log.info("no OPENAI_API_KEY: replies come from the offline responder")
        return OfflineResponder()
    return LLMResponder(settings)


class LLMResponder:
    name = "llm"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = openai.AsyncOpenAI(
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url,
            # Retries would hide failures behind long waits; chat reports 502
            # and the user retries.
            max_retries=0,
            timeout=openai.Timeout(
                connect=5.0,
                read=settings.llm_idle_timeout,
                write=10.0,
                pool=5.0,
            ),
        )
        # Replies stream through a lean h11 client (``falsafa.chat.upstream``):
        # the SDK's request path costs ~2-3 ms of CPU before the first token,
        # and httpx ~110 µs per streamed chunk against ~17 µs. httpx takes
        # over when a proxy applies to the URL (the lean client has none).
        # The SDK client stays for short completions (persona descriptions).
        headers = {
            "Authorization": f"Bearer {settings.openai_api_key}",
            "Content-Type": "application/json",
            "Accept": "text/event-stream",
        }
        self.upstream: UpstreamPool | None = None
        self.http: httpx.AsyncClient | None = None
        if proxy_applies(settings.openai_base_url):
            log.info("a proxy applies to OPENAI_BASE_URL: replies stream through httpx")
            self.http = httpx.AsyncClient(
                base_url=settings.openai_base_url.rstrip("/") + "/",
                headers=headers,
                timeout=httpx.Timeout(
                    connect=5.0, read=settings.llm_idle_timeout, write=10.0, pool=5.0
                ),
                limits=httpx.Limits(
                    max_connections=max(settings.max_streams, 100),
                    max_keepalive_connections=100,
                    keepalive_expiry=5.0,
                ),
            )
        else:
            self.upstream = UpstreamPool(
                settings.openai_base_url,
                headers,
                connect_timeout=5.0,
                max_idle=100,
                idle_expiry=5.0,
            )

    def stream(self, prompt: Prompt) -> contextlib.AbstractAsyncContextManager[AsyncIterator[str]]:
        settings = self.settings
        body = _dumps(
            {
                "model": settings.openai_model,
                "messages": prompt.messages,
                "stream": True,
                "max_tokens": prompt.max_tokens,
                "temperature": 0.8,
            }
        ).encode()
        # One context manager per transport, not one wrapping the other:
        # every layer is a generator frame kept for as long as the reply
        # streams, by every open stream.
        if self.upstream is not None:
            return self._stream_lean(body)
        return self._stream_httpx(body)

    @contextlib.asynccontextmanager
    async def _stream_lean(self, body: bytes) -> AsyncIterator[AsyncIterator[str]]:
        assert self.upstream is not None
        try:
            response = await self.upstream.post(
                "chat/completions", body, answer_timeout=self.settings.llm_timeout
            )
            del body  # sent: not kept while the reply streams
        except trio.TooSlowError:
            raise LLMError("the language model did not answer in time", "timeout") from None
        except UpstreamError as exc:
            raise LLMError(f"the language model is unreachable: {exc}", "connection") from None
        try:
            if response.status >= 400:
                raise LLMError(f"the language model answered HTTP {response.status}", "status")
            yield self._tokens(response.body(idle_timeout=self.settings.llm_idle_timeout))
        finally:
            # Closing drops the upstream connection when the stream is cut
            # short (shielded inside), so a cancelled chat closes it at once.
            await response.aclose()

    @contextlib.asynccontextmanager
    async def _stream_httpx(self, body: bytes) -> AsyncIterator[AsyncIterator[str]]:
        assert self.http is not None
        request = self.http.build_request("POST", "chat/completions", content=body)
        try:
            with trio.fail_after(self.settings.llm_timeout):
                response = await self.http.send(request, stream=True)
        except trio.TooSlowError:
            raise LLMError("the language model did not answer in time", "timeout") from None
        except httpx.HTTPError as exc:
            raise LLMError(
                f"the language model is unreachable: {type(exc).__name__}", "connection"
            ) from None
        try:
            if response.status_code >= 400:
                raise LLMError(f"the language model answered HTTP {response.status_code}", "status")
            yield self._tokens(response.aiter_raw())
        finally:
            with trio.CancelScope(shield=True), trio.move_on_after(1):
                await response.aclose()

    async def _tokens(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[str]:
        # Bytes straight from the transport, split and parsed here: the SDK's
        # line iterator decodes to text and splits in Python per chunk.
        pending = b""
        try:
            async for chunk in chunks:
                if pending:
                    chunk = pending + chunk
                    pending = b""
                if chunk[-1:] not in _EOL:
                    cut = max(chunk.rfind(b"\n"), chunk.rfind(b"\r")) + 1
                    chunk, pending = chunk[:cut], chunk[cut:]
                    if not chunk:
                        continue
                for line in chunk.splitlines():
                    item = parse_openai_line(line)
                    if item is None:
                        continue
                    if item is DONE_SENTINEL:
                        await _drain(chunks)
                        return
                    if item:
                        yield item  # type: ignore[misc]
            if pending and parse_openai_line(pending) is DONE_SENTINEL:
                return
            raise LLMError("the language model's stream ended early", "dropped")
        except StreamError as exc:
            raise LLMError(str(exc), "dropped") from None
        except trio.TooSlowError:
            raise LLMError("the language model went silent mid-reply", "timeout") from None
        except UpstreamError as exc:
            raise LLMError(f"the language model's stream broke: {exc}", "dropped") from None
        except Exception as exc:
            if isinstance(exc, LLMError):
                raise
            if isinstance(exc, httpx.ReadTimeout):
                raise LLMError("the language model went silent mid-reply", "timeout") from None
            # Transport errors from the layers below httpx share no base class we import.
            if isinstance(exc, OSError) or type(exc).__module__.startswith(
                ("httpx", "httpcore", "h11", "anyio")
            ):
                raise LLMError(
                    f"the language model's stream broke: {type(exc).__name__}", "dropped"
                ) from None
            raise

    async def complete(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        """A short non-streamed completion (persona descriptions)."""
        with trio.fail_after(self.settings.llm_timeout):
            result = await self.client.chat.completions.create(
                model=self.settings.openai_model,
                messages=messages,  # type: ignore[arg-type]
                max_tokens=max_tokens,
                temperature=0.4,
            )
        return (result.choices[0].message.content or "").strip()

    async def refine_characters(self, characters: list[CharacterRecord]) -> list[CharacterRecord]:
        from falsafa.persona import apply_refined_description, refine_description

        refined = []
        for character in characters:
            description = await refine_description(
                character.facts, self.complete_messages, timeout=self.settings.llm_timeout
            )
            refined.append(apply_refined_description(character, description))
        return refined

    async def complete_messages(self, messages: list[dict[str, str]]) -> str:
        from falsafa.persona import REFINE_MAX_TOKENS

        try:
            return await self.complete(messages, max_tokens=REFINE_MAX_TOKENS)
        except (openai.APIError, trio.TooSlowError) as exc:
            metrics.LLM_ERRORS.labels(kind="persona").inc()
            raise LLMError(str(exc), "status") from None

    async def aclose(self) -> None:
        if self.upstream is not None:
            await self.upstream.aclose()
        if self.http is not None:
            await self.http.aclose()
        await self.client.close()


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

    def stream(self, prompt: Prompt) -> contextlib.AbstractAsyncContextManager[AsyncIterator[str]]:
        return self._stream(compose_offline_reply(prompt))

    @contextlib.asynccontextmanager
    async def _stream(self, reply: str) -> AsyncIterator[AsyncIterator[str]]:
        yield self._tokens(reply)

    async def _tokens(self, reply: str) -> AsyncIterator[str]:
        for token in re.findall(r"\S+\s*", reply):
            # Yield to the scheduler between tokens, as a network stream would.
            await trio.lowlevel.checkpoint()
            yield token

    async def refine_characters(self, characters: list[CharacterRecord]) -> list[CharacterRecord]:
        return characters

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
