"""A loopback OpenAI-compatible Chat Completions peer, scriptable per request.

Usage::

    async with open_openai_peer() as llm:
        client = openai.AsyncOpenAI(base_url=llm.base_url, api_key="test")
        llm.script(tokens=["Hel", "lo", " 🌍"], first_token_delay=0.05, token_delay=0.01)
        llm.script(status=429, retry_after=2)     # the request after that: rate limited
        llm.script(tokens=["a", "b", "c"], drop_after=2)   # TCP closed after 2 tokens
        llm.script(first_token_delay=20, ping_interval=0.5)  # `: ping` lines, no token
        llm.script(done_delay=math.inf)           # finish_reason, then silence
        llm.default = Script(tokens=["fine"])     # when no script is queued
        ...
        llm.requests[0].messages                  # the prompt the client sent
        record = await llm.wait_client_closed(timeout=1.0)
        record.tokens_sent, record.client_closed_at  # trio.current_time() values

From the command line, for benchmarks (every request gets the same script)::

    python -m tests.peers.openai --port 9001 --tokens 200 --first-token-delay 0.05 --token-rate 50

Endpoints: ``POST /v1/chat/completions`` (``"stream": true`` gives
``text/event-stream`` with one ``data: {chat.completion.chunk}`` event per
token, a role chunk first and a ``finish_reason`` chunk last, then ``data:
[DONE]``; without it a ``chat.completion`` object) and ``GET /v1/models``.
Both need ``Authorization: Bearer ...`` (401 with OpenAI's error body
otherwise). Errors have OpenAI's shape: ``{"error": {"message", "type",
"param", "code"}}``.

What real servers send besides that, as script options (see ``Script``):
comment lines before and between tokens (``ping_interval``), a first chunk
with the role and the first token together (``role_with_content``), a usage
chunk with non-empty ``choices`` (``usage_with_choices``), an error object
inside the stream with a string ``code`` and no ``[DONE]`` after it
(``stream_error``), every event in an HTTP chunk of its own with ``[DONE]``
apart (``done_apart``), and a pause or silence after the finish chunk
(``done_delay``).

Tokens are paced against absolute deadlines (first token at
``first_token_delay`` after the request, then one per ``token_delay``, each
at most 1 ms late and never early), so a stream keeps its rate when the peer
is busy. One task writes every stream's due tokens, each event pre-encoded
and written in one system call: ~20 µs of CPU per token, against ~70 µs for a
task per stream sleeping between tokens.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import math
import re
import secrets
import signal
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

import trio

from tests.peers._http import Exchange, Header, serve_http

__all__ = [
    "OpenAIPeer",
    "RecordedRequest",
    "Script",
    "StreamRecord",
    "main",
    "open_openai_peer",
]

_SSE_HEADERS: list[Header] = [
    ("content-type", "text/event-stream; charset=utf-8"),
    ("cache-control", "no-cache"),
]
_JSON = ("content-type", "application/json")
_TOKEN_TAIL = b'},"logprobs":null,"finish_reason":null}]}\n\n'
_DONE = b"data: [DONE]\n\n"

_ERRORS: dict[int, tuple[str, str, str | None]] = {
    400: ("Invalid request.", "invalid_request_error", None),
    401: ("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
    403: ("You are not allowed to sample from this model.", "invalid_request_error", None),
    404: ("The model does not exist.", "invalid_request_error", "model_not_found"),
    429: (
        "Rate limit reached for requests. Please try again later.",
        "requests",
        "rate_limit_exceeded",
    ),
    500: (
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        None,
    ),
    502: ("Bad gateway.", "server_error", None),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None),
}


@dataclass(frozen=True, kw_only=True)
class Script:
    """What the peer does for one chat completion request."""

    tokens: Sequence[str] = ("Hello", ",", " world")
    first_token_delay: float = 0.0
    """Seconds from the request to the first content token (headers go at once)."""
    token_delay: float = 0.0
    """Seconds between two tokens."""
    headers_delay: float = 0.0
    """Seconds before the status line (an upstream slow to answer at all)."""
    status: int | None = None
    """Answer with this error status and OpenAI's error body instead of a stream."""
    retry_after: float | None = 1.0
    """``retry-after`` header sent with a 429."""
    error_message: str | None = None
    drop_after: int | None = None
    """Close the TCP connection after this many tokens: no final chunk, no ``[DONE]``."""
    stall_after: int | None = None
    """Stop after this many tokens and hang, connection open, until the client leaves."""
    finish_reason: str = "stop"
    ping_interval: float | None = None
    """Send a ``: ping`` comment line every this many seconds from the headers
    on, before and between tokens and while stalled (LiteLLM's keepalive;
    OpenRouter sends ``: OPENROUTER PROCESSING``). The stream is then written
    by its own task instead of the pacer."""
    role_with_content: bool = False
    """The first chunk carries the role and the first token together, with no
    role-only chunk before it."""
    usage_with_choices: bool = False
    """After the finish chunk, a usage chunk whose ``choices`` is not empty
    (an empty delta, ``finish_reason: null``), asked for or not."""
    stream_error: str | None = None
    """After the tokens, ``data: {"error": {"message": this, "type":
    "server_error", "code": "upstream_error"}}`` and the body's end: no finish
    chunk, no ``[DONE]``."""
    done_apart: bool = False
    """The finish chunk, the usage chunk and ``[DONE]`` each in an HTTP chunk of
    its own (tokens always are), the body's end after them."""
    done_delay: float = 0.0
    """Seconds between the finish chunk and ``[DONE]`` (implies ``done_apart``);
    ``math.inf``: no ``[DONE]`` ever comes and the connection stays open until
    the client leaves (finish_reason, then silence)."""
    content: str | None = None
    """The non-streaming answer (default: the tokens joined)."""

    @cached_property
    def _token_events(self) -> list[bytes]:
        events = [
            b'"content":' + json.dumps(token, ensure_ascii=False).encode() + _TOKEN_TAIL
            for token in self.tokens
        ]
        if self.role_with_content and events:
            events[0] = b'"role":"assistant",' + events[0]
        return events


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """A request as the peer saw it (header names in lower case)."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any
    """The parsed JSON body, or None when there was none or it was invalid."""
    connection: int
    at: float

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The chat messages of a chat completion request."""
        body = self.json if isinstance(self.json, dict) else {}
        messages = body.get("messages", [])
        return messages if isinstance(messages, list) else []


@dataclass(eq=False)
class StreamRecord:
    """What happened on one streaming request; times are ``trio.current_time()``."""

    request: RecordedRequest
    script: Script
    started_at: float
    status: int = 200
    tokens_sent: int = 0
    first_token_at: float | None = None
    completed: bool = False
    """The final chunk and ``[DONE]`` were sent."""
    finish_sent: bool = False
    """The chunk with the ``finish_reason`` was sent."""
    pings_sent: int = 0
    """``: ping`` comment lines sent (``Script.ping_interval``)."""
    dropped: bool = False
    stalled: bool = False
    client_closed: bool = False
    """The client left before the response was complete."""
    client_closed_at: float | None = None
    ended_at: float | None = None
    ended: trio.Event = field(default_factory=trio.Event)


class OpenAIPeer:
    """The running peer; see the module docstring. Create with ``open_openai_peer``."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        models: Sequence[str] = ("gpt-4o-mini",),
        record: bool = True,
    ) -> None:
        self.url = ""
        self.default = Script()
        self.requests: list[RecordedRequest] = []
        self.streams: list[StreamRecord] = []
        self.record = record
        self._api_key = api_key
        self._models = tuple(models)
        self._scripts: list[Script] = []
        self._changed = trio.Event()
        self._pacer = _Pacer()

    @property
    def base_url(self) -> str:
        """``{url}/v1``, what ``openai.AsyncOpenAI(base_url=...)`` wants."""
        return f"{self.url}/v1"

    def script(self, script: Script | None = None, /, **fields: Any) -> Script:
        """Queue a script for the next chat completion (FIFO); return it.

        ``llm.script(Script(...))``, or the fields directly: ``llm.script(status=500)``.
        """
        chosen = replace(script or Script(), **fields) if fields else (script or Script())
        self._scripts.append(chosen)
        return chosen

    async def wait_client_closed(self, timeout: float = 1.0) -> StreamRecord:
        """Return the first stream the client left early; ``trio.TooSlowError`` on timeout.

        The timeout is built in so that a test waiting for a disconnect that
        never comes fails instead of hanging.
        """
        with trio.fail_after(timeout):
            while True:
                for stream in self.streams:
                    if stream.client_closed:
                        return stream
                await self._changed.wait()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = trio.Event()

    async def _handle(self, exchange: Exchange) -> None:
        request = exchange.request
        try:
            body: Any = json.loads(request.body) if request.body else None
        except ValueError:
            body = None
        recorded = RecordedRequest(
            request.method,
            request.path,
            request.headers,
            body,
            request.connection,
            request.received_at,
        )
        if self.record:
            self.requests.append(recorded)
        route = (request.method, request.path.rstrip("/"))
        if route not in (("POST", "/v1/chat/completions"), ("GET", "/v1/models")):
            message = f"Invalid URL ({request.method} {request.path})"
            await _error(exchange, 404, message=message, code=None)
            return
        if not await self._authorized(exchange):
            return
        if route == ("GET", "/v1/models"):
            await self._list_models(exchange)
            return
        problem = _invalid(request.body, body)
        if problem is not None:
            await _error(exchange, 400, message=problem[1], param=problem[0], code=None)
            return
        script = self._scripts.pop(0) if self._scripts else self.default
        if body.get("stream") is True:
            await self._stream(exchange, recorded, body, script)
        else:
            await self._complete(exchange, body, script)

    async def _authorized(self, exchange: Exchange) -> bool:
        scheme, _, key = exchange.request.headers.get("authorization", "").partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            message = (
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
            )
            await _error(exchange, 401, message=message, code=None)
            return False
        if self._api_key is not None and key != self._api_key:
            message = f"Incorrect API key provided: {key[:3]}***{key[-4:]}."
            await _error(exchange, 401, message=message)
            return False
        return True

    async def _list_models(self, exchange: Exchange) -> None:
        data = [
            {"id": model, "object": "model", "created": 1700000000, "owned_by": "falsafa-peer"}
            for model in self._models
        ]
        body = json.dumps({"object": "list", "data": data}).encode()
        await exchange.respond(200, [_JSON], body)

    async def _stream(
        self, exchange: Exchange, recorded: RecordedRequest, body: dict[str, Any], script: Script
    ) -> None:
        record = StreamRecord(recorded, script, started_at=exchange.request.received_at)
        if self.record:
            self.streams.append(record)
        try:
            await self._stream_events(exchange, record, body, script)
        finally:
            record.client_closed = exchange.client_closed.is_set()
            record.client_closed_at = exchange.client_closed_at
            record.ended_at = trio.current_time()
            record.ended.set()
            self._notify()

    async def _stream_events(
        self, exchange: Exchange, record: StreamRecord, body: dict[str, Any], script: Script
    ) -> None:
        start = exchange.request.received_at
        if script.headers_delay:
            await trio.sleep_until(start + script.headers_delay)
        if script.status is not None:
            record.status = script.status
            await _script_error(exchange, script)
            return
        completion_id = _completion_id()
        await exchange.start(200, [*_SSE_HEADERS, ("x-request-id", _request_id())])
        pings = _Pings(exchange, record, script.ping_interval, start + script.headers_delay)
        prefix = b'data: {"id":"%b","object":"chat.completion.chunk","created":%d,"model":%b,' % (
            completion_id.encode(),
            int(time.time()),
            json.dumps(str(body.get("model", ""))).encode(),
        )
        prefix += b'"system_fingerprint":null,'
        head = prefix + b'"choices":[{"index":0,"delta":{'
        if not (script.role_with_content and script.tokens):
            role = b'"role":"assistant","content":"","refusal":null'
            await exchange.send(head + role + _TOKEN_TAIL)
        feed = _Feed(exchange, record, head, script, start + script.headers_delay)
        try:
            if script.ping_interval is not None:
                action = await _write_pinging(feed, pings)
            else:
                action = await self._write_paced(feed)
        finally:
            feed.active = False
        if action == "drop":
            record.dropped = True
            await exchange.abort()
        if action == "stall":
            record.stalled = True
            await pings.until(math.inf)
        if script.stream_error is not None:
            error = {
                "message": script.stream_error,
                "type": "server_error",
                "param": None,
                "code": "upstream_error",
            }
            await exchange.end(b"data: %b\n\n" % json.dumps({"error": error}).encode())
            return
        await self._finish(exchange, record, body, script, prefix, head, pings)

    async def _write_paced(self, feed: _Feed) -> Action:
        action = feed.next_action()
        while action == "token":
            self._pacer.schedule(feed)
            action = await feed.wait()
            if action == "blocked":
                await feed.exchange.send_frame(feed.pending)
                feed.advance()
                action = feed.next_action()
        return action

    async def _finish(
        self,
        exchange: Exchange,
        record: StreamRecord,
        body: dict[str, Any],
        script: Script,
        prefix: bytes,
        head: bytes,
        pings: _Pings,
    ) -> None:
        last = (
            head
            + b'},"logprobs":null,"finish_reason":%b}]}\n\n'
            % json.dumps(script.finish_reason).encode()
        )
        usage = b""
        options = body.get("stream_options")
        if script.usage_with_choices or (
            isinstance(options, dict) and options.get("include_usage")
        ):
            numbers = json.dumps(_usage(body, script.tokens)).encode()
            choices = (
                b'[{"index":0,"delta":{},"logprobs":null,"finish_reason":null}]'
                if script.usage_with_choices
                else b"[]"
            )
            usage = prefix + b'"choices":%b,"usage":%b}\n\n' % (choices, numbers)
        if script.done_apart or script.done_delay:
            await exchange.send(last)
            record.finish_sent = True
            await exchange.send(usage)
            await pings.until(trio.current_time() + script.done_delay)
            await exchange.send(_DONE)
            record.completed = True
            await exchange.end()
            return
        record.finish_sent = True
        record.completed = True  # before the write: the client may look as soon as it lands
        try:
            await exchange.end(last + usage + _DONE)
        except BaseException:
            record.completed = False
            raise

    async def _complete(self, exchange: Exchange, body: dict[str, Any], script: Script) -> None:
        await trio.sleep(script.headers_delay + script.first_token_delay)
        if script.status is not None:
            await _script_error(exchange, script)
            return
        if script.drop_after is not None:
            await exchange.abort()
        if script.stall_after is not None:
            await trio.sleep_forever()
        content = "".join(script.tokens) if script.content is None else script.content
        completion = {
            "id": _completion_id(),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": str(body.get("model", "")),
            "system_fingerprint": None,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "logprobs": None,
                    "finish_reason": script.finish_reason,
                }
            ],
            "usage": _usage(body, script.tokens),
        }
        headers = [_JSON, ("x-request-id", _request_id())]
        await exchange.respond(200, headers, json.dumps(completion, ensure_ascii=False).encode())


Action = Literal["token", "blocked", "drop", "stall", "done"]


class _Feed:
    """The token schedule of one stream, written by the pacer on the stream's behalf."""

    __slots__ = (
        "_action",
        "_wake",
        "active",
        "deadline",
        "events",
        "exchange",
        "head",
        "index",
        "pending",
        "record",
        "script",
    )

    def __init__(
        self, exchange: Exchange, record: StreamRecord, head: bytes, script: Script, start: float
    ) -> None:
        self.exchange = exchange
        self.record = record
        self.head = head
        self.script = script
        self.events = script._token_events
        self.index = 0
        self.deadline = start + script.first_token_delay
        self.pending = b""
        self.active = True
        self._action: Action = "token"
        self._wake = trio.Event()

    def next_action(self) -> Action:
        script, index = self.script, self.index
        if script.drop_after is not None and index >= script.drop_after:
            return "drop"
        if script.stall_after is not None and index >= script.stall_after:
            return "stall"
        return "done" if index == len(self.events) else "token"

    def advance(self) -> None:
        """Count the token just written and move the deadline to the next one."""
        self.pending = b""
        self.record.tokens_sent += 1
        if self.index == 0:
            self.record.first_token_at = trio.current_time()
        self.index += 1
        self.deadline += self.script.token_delay

    def notify(self, action: Action) -> None:
        self._action = action
        self._wake.set()

    async def wait(self) -> Action:
        await self._wake.wait()
        self._wake = trio.Event()
        return self._action


class _Pacer:
    """Writes every stream's due tokens from one task, on a grid of ``quantum`` seconds.

    A task per stream sleeping and writing per token costs ~70 µs of CPU per
    token in trio (a cancel scope per sleep, two checkpoints per send, a task
    switch); writing due tokens straight to the non-blocking sockets from one
    task costs a fraction of that. Deadlines are rounded up to the grid so that
    tokens are never early and at most ``quantum`` late. A stream whose socket
    is full falls back to its own task until the frame is out.
    """

    def __init__(self, quantum: float = 0.001) -> None:
        self._quantum = quantum
        self._heap: list[tuple[float, int, _Feed]] = []
        self._order = itertools.count()
        self._sooner = trio.Event()

    def schedule(self, feed: _Feed) -> None:
        due = math.ceil(feed.deadline / self._quantum) * self._quantum
        if not self._heap or due < self._heap[0][0]:
            self._sooner.set()
        heapq.heappush(self._heap, (due, next(self._order), feed))

    async def run(self) -> None:
        heap = self._heap
        while True:
            if not heap or heap[0][0] > trio.current_time():
                with trio.move_on_at(heap[0][0] if heap else math.inf):
                    await self._sooner.wait()
                self._sooner = trio.Event()
                continue
            now = trio.current_time()
            while heap and heap[0][0] <= now:
                self._write(heapq.heappop(heap)[2])
            await trio.lowlevel.checkpoint()

    def _write(self, feed: _Feed) -> None:
        if not feed.active:
            return
        try:
            rest = feed.exchange.send_nowait(feed.head + feed.events[feed.index])
        except trio.BrokenResourceError:
            return  # the exchange has cancelled the stream's task
        if rest:
            feed.pending = rest
            feed.notify("blocked")
            return
        feed.advance()
        action = feed.next_action()
        if action == "token":
            self.schedule(feed)
        else:
            feed.notify(action)


class _Pings:
    """``: ping`` comment lines every ``interval`` seconds (None: none) while
    the stream waits for its next event."""

    def __init__(
        self, exchange: Exchange, record: StreamRecord, interval: float | None, start: float
    ) -> None:
        self.exchange = exchange
        self.record = record
        self.interval = interval
        self.next = start + interval if interval else math.inf

    async def until(self, when: float) -> None:
        """Sleep until ``when`` (``math.inf``: until cancelled), pinging when due."""
        while self.interval and self.next < when:
            await trio.sleep_until(self.next)
            await self.exchange.send(b": ping\n\n")
            self.record.pings_sent += 1
            self.next += self.interval
        await trio.sleep_until(when)


async def _write_pinging(feed: _Feed, pings: _Pings) -> Action:
    """Write the tokens from the stream's own task, pinging between them (the
    pacer writes tokens only: a ping could land inside one of its frames)."""
    action = feed.next_action()
    while action == "token":
        await pings.until(feed.deadline)
        await feed.exchange.send(feed.head + feed.events[feed.index])
        feed.advance()
        action = feed.next_action()
    return action


@asynccontextmanager
async def open_openai_peer(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    api_key: str | None = None,
    models: Sequence[str] = ("gpt-4o-mini",),
    default: Script | None = None,
    record: bool = True,
) -> AsyncIterator[OpenAIPeer]:
    """Run an OpenAI peer for the duration of the block.

    ``api_key``: when set, only this bearer key is accepted (any key otherwise).
    ``record=False`` keeps no request or stream records (long benchmark runs).
    """
    peer = OpenAIPeer(api_key=api_key, models=models, record=record)
    if default is not None:
        peer.default = default
    background = [peer._pacer.run]
    async with serve_http(peer._handle, host=host, port=port, background=background) as server:
        peer.url = server.url
        yield peer


def _invalid(raw: bytes, body: Any) -> tuple[str | None, str] | None:
    if not isinstance(body, dict):
        if raw:
            return None, "We could not parse the JSON body of your request."
        return None, "you must provide a model parameter"
    if not isinstance(body.get("model"), str):
        return "model", "you must provide a model parameter"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages", "'messages' must be a non-empty array"
    return None


async def _script_error(exchange: Exchange, script: Script) -> None:
    assert script.status is not None
    headers: list[Header] = []
    if script.status == 429 and script.retry_after is not None:
        value = script.retry_after
        headers.append(("retry-after", str(int(value)) if value == int(value) else str(value)))
        headers.append(("retry-after-ms", str(int(value * 1000))))
    await _error(exchange, script.status, message=script.error_message, headers=headers)


_UNSET: Any = object()


async def _error(
    exchange: Exchange,
    status: int,
    *,
    message: str | None = None,
    param: str | None = None,
    code: str | None = _UNSET,
    headers: list[Header] | None = None,
) -> None:
    default_message, kind, default_code = _ERRORS.get(
        status, ("Error.", "server_error" if status >= 500 else "invalid_request_error", None)
    )
    error = {
        "message": message or default_message,
        "type": kind,
        "param": param,
        "code": default_code if code is _UNSET else code,
    }
    all_headers = [_JSON, ("x-request-id", _request_id()), *(headers or [])]
    await exchange.respond(status, all_headers, json.dumps({"error": error}).encode())


def _usage(body: dict[str, Any], tokens: Sequence[str]) -> dict[str, int]:
    prompt = sum(
        len(str(message.get("content", "")).split())
        for message in body.get("messages", [])
        if isinstance(message, dict)
    )
    return {
        "prompt_tokens": prompt,
        "completion_tokens": len(tokens),
        "total_tokens": prompt + len(tokens),
    }


def _completion_id() -> str:
    return "chatcmpl-" + secrets.token_urlsafe(21)


def _request_id() -> str:
    return "req_" + secrets.token_hex(16)


_BENCH_TEXT = " It was the best of times, it was the worst of times, it was the age of wisdom"
_BENCH_WORDS = tuple(re.findall(r" \S+", _BENCH_TEXT))


async def _serve_forever(args: argparse.Namespace) -> None:
    tokens = [_BENCH_WORDS[i % len(_BENCH_WORDS)] for i in range(args.tokens)]
    default = Script(
        tokens=tokens,
        first_token_delay=args.first_token_delay,
        token_delay=1.0 / args.token_rate if args.token_rate > 0 else 0.0,
    )
    async with open_openai_peer(
        host=args.host, port=args.port, default=default, record=False
    ) as llm:
        print(f"listening on {llm.url}", flush=True)
        with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for _ in signals:
                break


def main(argv: list[str] | None = None) -> None:
    """Command line: serve one script for every request until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.peers.openai",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tokens", type=int, default=200, help="tokens per completion")
    parser.add_argument("--first-token-delay", type=float, default=0.05, help="seconds")
    parser.add_argument("--token-rate", type=float, default=50.0, help="tokens/s (0: no pause)")
    trio.run(_serve_forever, parser.parse_args(argv))


if __name__ == "__main__":
    main()
