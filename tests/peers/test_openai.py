"""The OpenAI peer: real Chat Completions wire format, the SDK, and each fault mode."""

from __future__ import annotations

import itertools
import json
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import trio

from tests.peers._lines import read_line
from tests.peers.openai import OpenAIPeer, Script, open_openai_peer

REPO = Path(__file__).resolve().parents[2]
MESSAGES: list[Any] = [
    {"role": "system", "content": "You are Pierre Bezukhov."},
    {"role": "user", "content": "What do you think of Napoleon?"},
]


@pytest.fixture
async def llm() -> AsyncIterator[OpenAIPeer]:
    async with open_openai_peer() as peer:
        yield peer


@pytest.fixture
async def sdk(llm: OpenAIPeer) -> AsyncIterator[openai.AsyncOpenAI]:
    client = openai.AsyncOpenAI(base_url=llm.base_url, api_key="test", max_retries=0, timeout=5)
    yield client
    await client.close()


@pytest.fixture
async def http(llm: OpenAIPeer) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"authorization": "Bearer test"}
    async with httpx.AsyncClient(base_url=llm.base_url, headers=headers, timeout=5) as client:
        yield client


def _chat(stream: bool = True, **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": MESSAGES, "stream": stream, **extra}


async def _sse_events(response: httpx.Response) -> list[str]:
    return [line[6:] async for line in response.aiter_lines() if line.startswith("data: ")]


async def _sdk_tokens(sdk: openai.AsyncOpenAI) -> list[str]:
    stream = await sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    tokens: list[str] = []
    async with stream:
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                tokens.append(chunk.choices[0].delta.content)
    return tokens


async def test_stream_is_openai_chat_completion_chunks(
    llm: OpenAIPeer, http: httpx.AsyncClient
) -> None:
    llm.script(tokens=["Peace", ",", " war"], finish_reason="length")

    async with http.stream("POST", "/chat/completions", json=_chat()) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert response.headers["transfer-encoding"] == "chunked"
        events = await _sse_events(response)

    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    assert {chunk["object"] for chunk in chunks} == {"chat.completion.chunk"}
    assert len({chunk["id"] for chunk in chunks}) == 1
    assert chunks[0]["id"].startswith("chatcmpl-")
    assert {chunk["model"] for chunk in chunks} == {"gpt-4o-mini"}
    assert [chunk["choices"][0]["delta"] for chunk in chunks] == [
        {"role": "assistant", "content": "", "refusal": None},
        {"content": "Peace"},
        {"content": ","},
        {"content": " war"},
        {},
    ]
    assert [chunk["choices"][0]["finish_reason"] for chunk in chunks] == [None] * 4 + ["length"]


async def test_sdk_streams_unicode_emoji_and_very_long_tokens_in_order(
    llm: OpenAIPeer, sdk: openai.AsyncOpenAI
) -> None:
    tokens = [
        "Ça",
        " va",
        " 🙂",
        "👨‍👩‍👧",
        " «ناصر»",
        "\n\n",
        '"quoted" \\ back',
        "x" * 200_000,
        "end",
    ]
    llm.script(tokens=tokens)

    assert await _sdk_tokens(sdk) == tokens


async def test_slow_reader_gets_every_byte_of_huge_tokens(
    llm: OpenAIPeer, http: httpx.AsyncClient
) -> None:
    tokens = [chr(ord("a") + n) * 1_000_000 for n in range(12)]  # more than socket buffers hold
    llm.script(tokens=tokens)

    async with http.stream("POST", "/chat/completions", json=_chat()) as response:
        await trio.sleep(0.05)  # let the peer fill the socket and wait for room
        events = await _sse_events(response)

    received = [json.loads(event)["choices"][0]["delta"].get("content") for event in events[1:-2]]
    assert received == tokens
    assert llm.streams[0].completed


async def test_sdk_streaming_response_lines_parse_as_chunks(
    llm: OpenAIPeer, sdk: openai.AsyncOpenAI
) -> None:
    llm.script(tokens=["one", " two", " 🌍"])

    content: list[str] = []
    async with sdk.chat.completions.with_streaming_response.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        async for line in response.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            delta = json.loads(line[6:])["choices"][0]["delta"]
            content.append(delta.get("content") or "")

    assert "".join(content) == "one two 🌍"


async def test_non_stream_completion(llm: OpenAIPeer, sdk: openai.AsyncOpenAI) -> None:
    llm.script(tokens=["Hello", " there"])
    llm.script(content="A whole answer.", finish_reason="length")

    joined = await sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    given = await sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert joined.object == "chat.completion"
    assert joined.choices[0].message.role == "assistant"
    assert joined.choices[0].message.content == "Hello there"
    assert joined.choices[0].finish_reason == "stop"
    assert joined.usage is not None and joined.usage.completion_tokens == 2
    assert given.choices[0].message.content == "A whole answer."
    assert given.choices[0].finish_reason == "length"
    assert llm.streams == []


async def test_non_stream_drop_and_stall(llm: OpenAIPeer, sdk: openai.AsyncOpenAI) -> None:
    llm.script(drop_after=0)
    llm.script(stall_after=0)

    with pytest.raises(openai.APIConnectionError):
        await sdk.chat.completions.create(model="m", messages=MESSAGES)
    with pytest.raises(openai.APITimeoutError):
        await sdk.chat.completions.create(model="m", messages=MESSAGES, timeout=0.2)


async def test_usage_chunk_when_asked(llm: OpenAIPeer, sdk: openai.AsyncOpenAI) -> None:
    llm.script(tokens=["a", "b"])

    stream = await sdk.chat.completions.create(
        model="gpt-4o-mini",
        messages=MESSAGES,
        stream=True,
        stream_options={"include_usage": True},
    )
    async with stream:
        chunks = [chunk async for chunk in stream]

    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 2


async def test_models_are_listed(sdk: openai.AsyncOpenAI) -> None:
    page = await sdk.models.list()

    assert [model.id for model in page.data] == ["gpt-4o-mini"]


async def test_missing_bearer_is_401_with_openai_error_body(llm: OpenAIPeer) -> None:
    async with httpx.AsyncClient(base_url=llm.base_url) as anonymous:
        response = await anonymous.post("/chat/completions", json=_chat())

    assert response.status_code == 401
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"
    assert "didn't provide an API key" in error["message"]


async def test_wrong_key_is_an_authentication_error() -> None:
    async with open_openai_peer(api_key="sk-right") as llm:
        client = openai.AsyncOpenAI(base_url=llm.base_url, api_key="sk-wrong", max_retries=0)
        with pytest.raises(openai.AuthenticationError) as caught:
            await client.chat.completions.create(model="m", messages=MESSAGES)
        await client.close()

    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_api_key"


async def test_malformed_request_and_unknown_route(
    llm: OpenAIPeer, http: httpx.AsyncClient
) -> None:
    not_json = await http.post("/chat/completions", content=b"{nope")
    no_messages = await http.post("/chat/completions", json={"model": "m", "messages": []})
    unknown = await http.post("/completions", json=_chat())

    assert not_json.status_code == 400
    assert no_messages.status_code == 400
    assert no_messages.json()["error"]["param"] == "messages"
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"] == "Invalid URL (POST /v1/completions)"


async def test_first_token_delay_and_token_delay_are_kept(
    llm: OpenAIPeer, sdk: openai.AsyncOpenAI
) -> None:
    llm.script(tokens=["a", "b", "c", "d"], first_token_delay=0.15, token_delay=0.05)

    start = trio.current_time()
    arrivals: list[float] = []
    stream = await sdk.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    async with stream:
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                arrivals.append(trio.current_time() - start)

    schedule = [0.15, 0.2, 0.25, 0.3]  # absolute: a late token does not push the next one
    assert all(due <= at for due, at in zip(schedule, arrivals, strict=True)), arrivals
    # Measured from the peer's side, so the client's own set-up time (which
    # a loaded CI machine stretches) does not count against the peer.
    (record,) = llm.streams
    assert record.first_token_at is not None
    assert 0.15 <= record.first_token_at - record.started_at < 0.2
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert all(0.0 < gap < 0.1 for gap in gaps), arrivals
    assert arrivals[-1] - arrivals[0] < 0.15 + 0.05, arrivals
    record = llm.streams[0]
    assert record.first_token_at is not None
    assert 0.15 <= record.first_token_at - record.started_at < 0.2


async def test_headers_delay_holds_back_the_response(
    llm: OpenAIPeer, http: httpx.AsyncClient
) -> None:
    llm.script(tokens=["a"], headers_delay=0.2)

    start = trio.current_time()
    async with http.stream("POST", "/chat/completions", json=_chat()) as response:
        assert trio.current_time() - start >= 0.2
        assert (await _sse_events(response))[-1] == "[DONE]"


async def test_429_before_stream_is_a_rate_limit_error_with_retry_after(
    llm: OpenAIPeer, sdk: openai.AsyncOpenAI
) -> None:
    llm.script(status=429, retry_after=7)

    with pytest.raises(openai.RateLimitError) as caught:
        await _sdk_tokens(sdk)

    assert caught.value.status_code == 429
    assert caught.value.response.headers["retry-after"] == "7"
    assert caught.value.code == "rate_limit_exceeded"
    assert caught.value.type == "requests"
    assert llm.streams[0].status == 429
    assert llm.streams[0].tokens_sent == 0


@pytest.mark.parametrize("status", [500, 503])
async def test_5xx_before_stream_is_an_internal_server_error(
    llm: OpenAIPeer, sdk: openai.AsyncOpenAI, status: int
) -> None:
    llm.script(status=status, error_message="boom")

    with pytest.raises(openai.InternalServerError) as caught:
        await _sdk_tokens(sdk)

    assert caught.value.status_code == status
    assert caught.value.message.endswith("boom")
    assert caught.value.type == "server_error"


async def test_error_status_on_non_stream_request(llm: OpenAIPeer, sdk: openai.AsyncOpenAI) -> None:
    llm.script(status=500)

    with pytest.raises(openai.InternalServerError):
        await sdk.chat.completions.create(model="m", messages=MESSAGES)


async def test_drop_mid_stream_surfaces_as_an_error(
    llm: OpenAIPeer, sdk: openai.AsyncOpenAI, http: httpx.AsyncClient
) -> None:
    llm.script(tokens=["a", "b", "c", "d"], drop_after=2)
    llm.script(tokens=["a", "b", "c", "d"], drop_after=2)

    received: list[str] = []
    with pytest.raises(openai.APIConnectionError):
        stream = await sdk.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        async with stream:
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    received.append(chunk.choices[0].delta.content)
    with pytest.raises(httpx.RemoteProtocolError):
        async with http.stream("POST", "/chat/completions", json=_chat()) as response:
            await _sse_events(response)

    assert received == ["a", "b"]
    for record in llm.streams:
        assert (record.dropped, record.completed, record.tokens_sent) == (True, False, 2)
        assert not record.client_closed


async def test_client_closing_early_is_recorded_within_100ms(
    llm: OpenAIPeer, sdk: openai.AsyncOpenAI
) -> None:
    llm.script(tokens=[f" t{i}" for i in range(100)], token_delay=0.02)

    seen = 0
    stream = await sdk.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    async with stream:
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                seen += 1
            if seen == 3:
                break
        closed_at = trio.current_time()
    record = await llm.wait_client_closed(timeout=1.0)

    assert record.client_closed_at is not None
    assert record.client_closed_at - closed_at < 0.1
    assert record.ended.is_set()
    assert not record.completed
    assert 3 <= record.tokens_sent < 10


async def test_stall_hangs_until_the_client_leaves(
    llm: OpenAIPeer, http: httpx.AsyncClient
) -> None:
    llm.script(tokens=["a", "b", "c"], stall_after=1)

    lines: list[str] = []
    with pytest.raises(httpx.ReadTimeout):
        async with http.stream(
            "POST", "/chat/completions", json=_chat(), timeout=httpx.Timeout(5, read=0.2)
        ) as response:
            async for line in response.aiter_lines():
                lines.append(line)
    record = await llm.wait_client_closed(timeout=1.0)

    assert sum('"content":"' in line for line in lines) == 2  # the role chunk and "a"
    assert (record.stalled, record.tokens_sent, record.completed) == (True, 1, False)


async def test_scripts_are_used_in_order_then_the_default(
    llm: OpenAIPeer, sdk: openai.AsyncOpenAI
) -> None:
    llm.default = Script(tokens=["default"])
    llm.script(Script(tokens=["first"]))
    llm.script(tokens=["second"])

    results = [await _sdk_tokens(sdk) for _ in range(3)]

    assert results == [["first"], ["second"], ["default"]]


async def test_requests_record_prompt_and_headers(llm: OpenAIPeer, sdk: openai.AsyncOpenAI) -> None:
    await _sdk_tokens(sdk)

    (request,) = llm.requests
    assert request.method == "POST"
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer test"
    assert request.messages == MESSAGES
    assert request.json["stream"] is True
    (record,) = llm.streams
    assert record.request is request
    assert record.completed and not record.client_closed


async def test_keep_alive_serves_sequential_streams_on_one_connection(
    llm: OpenAIPeer, sdk: openai.AsyncOpenAI
) -> None:
    for _ in range(3):
        assert await _sdk_tokens(sdk) == ["Hello", ",", " world"]

    assert len({request.connection for request in llm.requests}) == 1


async def test_http10_client_gets_a_stream_ended_by_close(llm: OpenAIPeer) -> None:
    body = json.dumps(_chat()).encode()
    request = b"POST /v1/chat/completions HTTP/1.0\r\nauthorization: Bearer t\r\n"
    request += b"content-length: %d\r\n\r\n%b" % (len(body), body)
    stream = await trio.open_tcp_stream("127.0.0.1", int(llm.url.rsplit(":", 1)[1]))
    received = bytearray()
    with trio.fail_after(5):
        await stream.send_all(request)
        while piece := await stream.receive_some():
            received += piece
    await stream.aclose()

    head, _, rest = bytes(received).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"transfer-encoding" not in head.lower()
    assert rest.count(b"data: ") == 1 + 3 + 1 + 1
    assert rest.endswith(b"data: [DONE]\n\n")


async def test_many_concurrent_streams(llm: OpenAIPeer) -> None:
    llm.default = Script(tokens=[f" w{i}" for i in range(10)], token_delay=0.01)
    counts: list[int] = []
    limits = httpx.Limits(max_connections=100)
    headers = {"authorization": "Bearer test"}

    async def user(client: httpx.AsyncClient) -> None:
        async with client.stream("POST", "/chat/completions", json=_chat()) as response:
            counts.append(len(await _sse_events(response)))

    with trio.fail_after(10):
        async with (
            httpx.AsyncClient(base_url=llm.base_url, headers=headers, limits=limits) as client,
            trio.open_nursery() as nursery,
        ):
            for _ in range(100):
                nursery.start_soon(user, client)

    assert counts == [1 + 10 + 1 + 1] * 100  # role, tokens, finish, [DONE]
    assert len({request.connection for request in llm.requests}) == 100
    assert all(record.completed for record in llm.streams)


async def test_command_line_serves_until_sigterm() -> None:
    command = [sys.executable, "-m", "tests.peers.openai", "--tokens", "5", "--token-rate", "0"]
    process = await trio.lowlevel.open_process(command, cwd=REPO, stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        with trio.fail_after(10):
            line = await read_line(process.stdout)
        assert line.startswith("listening on http://127.0.0.1:")
        client = openai.AsyncOpenAI(
            base_url=line.removeprefix("listening on ") + "/v1", api_key="k", max_retries=0
        )
        tokens = await _sdk_tokens(client)
        await client.close()
        assert tokens == [" It", " was", " the", " best", " of"]

        process.send_signal(signal.SIGTERM)
        with trio.fail_after(5):
            assert await process.wait() == 0
    finally:
        process.kill()
        await process.wait()
