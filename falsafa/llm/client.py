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
from falsafa.llm.base import LLMError
from falsafa.llm.prompt import Prompt
from falsafa.llm.sse import DONE_SENTINEL, StreamError, parse_openai_line
from falsafa.llm.upstream import UpstreamError, UpstreamPool, proxy_applies

__all__ = ["LLMResponder"]

log = logging.getLogger("falsafa.responder")

# Seconds. Reading is bounded by FALSAFA_LLM_TIMEOUT / FALSAFA_LLM_IDLE_TIMEOUT.
CONNECT_TIMEOUT = 5.0
WRITE_TIMEOUT = 10.0
POOL_TIMEOUT = 5.0
CLOSE_TIMEOUT = 1.0
# After ``[DONE]`` the body's end usually follows at once; wait this long for it.
DRAIN_TIMEOUT = 0.5
# Keep-alive connections kept for the next reply, and how long one may idle.
IDLE_CONNECTIONS = 100
IDLE_EXPIRY = 5.0

_EOL = (b"\n", b"\r")
_dumps = json.JSONEncoder(ensure_ascii=False).encode


async def _drain(chunks: AsyncIterator[bytes]) -> None:
    # Reading the body's end lets the connection be reused. Bounded: a
    # server that keeps it open only costs that connection.
    with trio.move_on_after(DRAIN_TIMEOUT):
        async for _ in chunks:
            pass


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
                timeout=httpx.Timeout(
                    connect=CONNECT_TIMEOUT,
                    read=settings.llm_idle_timeout,
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

    def stream(self, prompt: Prompt) -> contextlib.AbstractAsyncContextManager[AsyncIterator[str]]:
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
            with trio.CancelScope(shield=True), trio.move_on_after(CLOSE_TIMEOUT):
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
            raise LLMError(str(exc) or type(exc).__name__, "status") from None
        return (result.choices[0].message.content or "").strip()

    async def aclose(self) -> None:
        if self.upstream is not None:
            await self.upstream.aclose()
        if self.http is not None:
            await self.http.aclose()
        await self.client.close()
