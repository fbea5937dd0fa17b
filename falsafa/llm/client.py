"""The LLM responder: any OpenAI-compatible chat-completions API.

Usage::

    llm = LLMResponder(settings)            # OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL
    async with llm.stream(prompt) as tokens:
        async for token in tokens:
            ...
    text = await llm.complete(messages, max_tokens=220, temperature=0.4)
    await llm.aclose()

Replies stream through a lean h11 client (``falsafa.llm.upstream``; httpx
when a proxy applies) and the SSE bytes are parsed here
(``falsafa.llm.sse``): the SDK's request path costs milliseconds before the
first token and its chunk objects ~250 µs per token. The SDK client remains
for short completions. The stream is always closed on exit, so a cancelled
chat closes the upstream connection at once.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator

import httpx
import openai
import trio

from falsafa import metrics
from falsafa.config import Settings
from falsafa.llm.base import LLMError, TokenStream
from falsafa.llm.prompt import Prompt
from falsafa.llm.sse import DONE_SENTINEL, Finish, StreamError, parse_openai_line
from falsafa.llm.upstream import UpstreamError, UpstreamPool, proxy_applies

__all__ = ["LLMResponder"]

log = logging.getLogger("falsafa.responder")

# Seconds. Reading is bounded by FALSAFA_LLM_TIMEOUT (request to first
# content token) and FALSAFA_LLM_IDLE_TIMEOUT (between content tokens).
CONNECT_TIMEOUT = 5.0
WRITE_TIMEOUT = 10.0
POOL_TIMEOUT = 5.0
CLOSE_TIMEOUT = 1.0
# After ``[DONE]`` the body's end usually follows at once; wait this long for it.
DRAIN_TIMEOUT = 0.5
# After a finish_reason, ``[DONE]`` and the body's end usually follow at once;
# waiting longer would delay ``done`` (the reply is complete): the connection
# is closed instead of reused.
FINISH_DRAIN_TIMEOUT = 0.02
# How much of an error answer's body is logged, and how long it may take.
ERROR_BODY_BYTES = 2048
ERROR_BODY_TIMEOUT = 1.0
# Keep-alive connections kept for the next reply, and how long one may idle.
IDLE_CONNECTIONS = 100
IDLE_EXPIRY = 5.0

_EOL = (b"\n", b"\r")
_dumps = json.JSONEncoder(ensure_ascii=False).encode


async def _drain(chunks: AsyncIterator[bytes], timeout: float) -> None:
    # Reading the body's end lets the connection be reused. Bounded: a
    # server that keeps it open only costs that connection.
    with trio.move_on_after(timeout):
        async for _ in chunks:
            pass


async def _error_text(chunks: AsyncIterator[bytes], api_key: str) -> str:
    """The start of an error answer's body, for the log (never the client),
    without the API key: a 401 body may quote it."""
    text = b""
    with trio.move_on_after(ERROR_BODY_TIMEOUT):
        async for chunk in chunks:
            text += chunk
            if len(text) >= ERROR_BODY_BYTES:
                break
    detail = text[:ERROR_BODY_BYTES].decode("utf-8", "replace")
    return detail.replace(api_key, "***") if api_key else detail


def _no_answer(timeout: float) -> str:
    return f"no content token within {timeout} s of the request"


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
                connect=CONNECT_TIMEOUT,
                read=settings.llm_idle_timeout,
                write=WRITE_TIMEOUT,
                pool=POOL_TIMEOUT,
            ),
        )
        # Replies stream through a lean h11 client (``falsafa.llm.upstream``):
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
                # A backstop only: the reply's own deadlines (``_tokens``)
                # come first, and are not reset by comment bytes.
                timeout=httpx.Timeout(
                    connect=CONNECT_TIMEOUT,
                    read=max(settings.llm_timeout, settings.llm_idle_timeout),
                    write=WRITE_TIMEOUT,
                    pool=POOL_TIMEOUT,
                ),
                limits=httpx.Limits(
                    max_connections=max(settings.max_streams, IDLE_CONNECTIONS),
                    max_keepalive_connections=IDLE_CONNECTIONS,
                    keepalive_expiry=IDLE_EXPIRY,
                ),
            )
        else:
            self.upstream = UpstreamPool(
                settings.openai_base_url,
                headers,
                connect_timeout=CONNECT_TIMEOUT,
                write_timeout=WRITE_TIMEOUT,
                max_idle=IDLE_CONNECTIONS,
                idle_expiry=IDLE_EXPIRY,
            )

    def stream(self, prompt: Prompt) -> contextlib.AbstractAsyncContextManager[TokenStream]:
        settings = self.settings
        body = _dumps(
            {
                "model": settings.openai_model,
                "messages": prompt.messages,
                "stream": True,
                "max_tokens": prompt.max_tokens,
                "temperature": prompt.temperature,
            }
        ).encode()
        # One context manager per transport, not one wrapping the other:
        # every layer is a generator frame kept for as long as the reply
        # streams, by every open stream.
        if self.upstream is not None:
            return self._stream_lean(body)
        return self._stream_httpx(body)

    @contextlib.asynccontextmanager
    async def _stream_lean(self, body: bytes) -> AsyncIterator[TokenStream]:
        assert self.upstream is not None
        # The first-token deadline runs from here, headers included.
        first_token_by = trio.current_time() + self.settings.llm_timeout
        try:
            with trio.fail_at(first_token_by):
                response = await self.upstream.post(
                    "chat/completions", body, answer_timeout=self.settings.llm_timeout
                )
            del body  # sent: not kept while the reply streams
        except trio.TooSlowError:
            raise LLMError("timeout", _no_answer(self.settings.llm_timeout)) from None
        except UpstreamError as exc:
            raise LLMError("connection", str(exc)) from None
        try:
            if response.status >= 400:
                detail = await _error_text(response.body(), self.settings.openai_api_key)
                raise LLMError("status", detail, status=response.status)
            stream = TokenStream()
            stream.tokens = self._tokens(response.body(), stream, first_token_by)
            yield stream
        finally:
            # Closing drops the upstream connection when the stream is cut
            # short (shielded inside), so a cancelled chat closes it at once.
            await response.aclose()

    @contextlib.asynccontextmanager
    async def _stream_httpx(self, body: bytes) -> AsyncIterator[TokenStream]:
        assert self.http is not None
        request = self.http.build_request("POST", "chat/completions", content=body)
        first_token_by = trio.current_time() + self.settings.llm_timeout
        try:
            with trio.fail_at(first_token_by):
                response = await self.http.send(request, stream=True)
        except trio.TooSlowError:
            raise LLMError("timeout", _no_answer(self.settings.llm_timeout)) from None
        except httpx.HTTPError as exc:
            raise LLMError("connection", f"{type(exc).__name__}: {exc}") from None
        try:
            if response.status_code >= 400:
                detail = await _error_text(response.aiter_raw(), self.settings.openai_api_key)
                raise LLMError("status", detail, status=response.status_code)
            stream = TokenStream()
            stream.tokens = self._tokens(response.aiter_raw(), stream, first_token_by)
            yield stream
        finally:
            with trio.CancelScope(shield=True), trio.move_on_after(CLOSE_TIMEOUT):
                await response.aclose()

    async def _tokens(
        self, chunks: AsyncIterator[bytes], stream: TokenStream, deadline: float
    ) -> AsyncIterator[str]:
        # Bytes straight from the transport, split and parsed here: the SDK's
        # line iterator decodes to text and splits in Python per chunk.
        #
        # Two deadlines, one at a time: until the first content token, the
        # first-token deadline (from the request); then the idle deadline,
        # pushed back only when content is parsed. Comment lines, role-only
        # and empty deltas do not push it: a server sending ``: ping`` every
        # second must not hold a reply (its stream slot, its session lock)
        # for ever. Each read gets a cancel scope at the current deadline: an
        # async generator cannot hold one across its yields.
        idle = self.settings.llm_idle_timeout
        receive = chunks.__anext__
        pending = b""
        began = False
        try:
            while True:
                try:
                    with trio.fail_at(deadline):
                        chunk = await receive()
                except StopAsyncIteration:
                    break
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
                    if item.__class__ is str:
                        if item:
                            began = True
                            yield item
                            # From the moment the consumer asks for more: a
                            # slow client is not a silent model.
                            deadline = trio.current_time() + idle
                        continue
                    # Complete at the first finish_reason or [DONE]: a server
                    # may pause long between the two (18 s seen on LiteLLM).
                    if isinstance(item, Finish):
                        stream.finish_reason = item.reason
                        if item.content:
                            yield item.content
                        await _drain(chunks, FINISH_DRAIN_TIMEOUT)
                        return
                    await _drain(chunks, DRAIN_TIMEOUT)  # DONE_SENTINEL
                    return
            if pending:
                item = parse_openai_line(pending)
                if isinstance(item, Finish):
                    stream.finish_reason = item.reason
                    if item.content:
                        yield item.content
                    return
                if item is DONE_SENTINEL:
                    return
            raise LLMError("dropped", "the stream ended without [DONE] or a finish_reason")
        except StreamError as exc:
            kind = "stream_error" if str(exc).startswith("LLM stream error") else "dropped"
            raise LLMError(kind, str(exc)) from None
        except trio.TooSlowError:
            if began:
                raise LLMError("idle", f"no content for {idle} s mid-reply") from None
            raise LLMError("timeout", _no_answer(self.settings.llm_timeout)) from None
        except UpstreamError as exc:
            raise LLMError("dropped", str(exc)) from None
        except Exception as exc:
            if isinstance(exc, LLMError):
                raise
            # Transport errors from the layers below httpx share no base class we import.
            if isinstance(exc, OSError) or type(exc).__module__.startswith(
                ("httpx", "httpcore", "h11", "anyio")
            ):
                raise LLMError("dropped", f"{type(exc).__name__}: {exc}") from None
            raise

    async def complete(
        self, messages: list[dict[str, str]], *, max_tokens: int, temperature: float
    ) -> str:
        """A short non-streamed completion (persona descriptions), through
        the SDK: not on a hot path. Raises ``LLMError``."""
        try:
            with trio.fail_after(self.settings.llm_timeout):
                result = await self.client.chat.completions.create(
                    model=self.settings.openai_model,
                    messages=messages,  # type: ignore[arg-type]
                    max_tokens=max_tokens,
                    temperature=temperature,
                )
        except (openai.APIError, trio.TooSlowError) as exc:
            metrics.LLM_ERRORS.labels(kind="completion").inc()
            raise LLMError("completion", f"{type(exc).__name__}: {exc}") from None
        return (result.choices[0].message.content or "").strip()

    async def aclose(self) -> None:
        if self.upstream is not None:
            await self.upstream.aclose()
        if self.http is not None:
            await self.http.aclose()
        await self.client.close()
