"""The OpenAI peer sending what real servers send besides plain tokens:
comment lines, role and text in one chunk, usage with choices, an error
object inside the stream, events in chunks of their own, silence after the
finish chunk. Each as it appears on the wire."""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import trio

from falsafa.llm.upstream import UpstreamPool
from tests.peers.openai import OpenAIPeer, Script, open_openai_peer

BODY: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "stream": True,
    "messages": [{"role": "user", "content": "Who are you?"}],
}


@pytest.fixture
async def llm() -> AsyncIterator[OpenAIPeer]:
    async with open_openai_peer() as peer:
        yield peer


async def _lines(llm: OpenAIPeer, script: Script, *, within: float = 5) -> list[tuple[float, str]]:
    """Every non-blank line of one streamed answer, with the seconds since
    the request; ``trio.TooSlowError`` if it takes longer than ``within``
    (a read timeout would not do: every ping renews it)."""
    llm.script(script)
    headers = {"authorization": "Bearer test"}
    async with httpx.AsyncClient(base_url=llm.base_url, headers=headers, timeout=5) as http:
        started = trio.current_time()
        with trio.fail_after(within):
            async with http.stream("POST", "/chat/completions", json=BODY) as r:
                assert r.status_code == 200
                return [(trio.current_time() - started, x) async for x in r.aiter_lines() if x]


def _chunks(lines: list[tuple[float, str]]) -> list[dict[str, Any]]:
    return [json.loads(x[6:]) for _, x in lines if x.startswith("data: {")]


async def test_ping_comments_come_before_and_between_tokens(llm: OpenAIPeer) -> None:
    script = Script(tokens=["a", "b"], first_token_delay=0.5, token_delay=0.3, ping_interval=0.1)
    lines = await _lines(llm, script)
    texts = [x for _, x in lines]
    first_token = next(i for i, x in enumerate(texts) if '"content":"a"' in x)
    second = next(i for i, x in enumerate(texts) if '"content":"b"' in x)
    assert 4 <= texts[:first_token].count(": ping") <= 5
    assert 2 <= texts[first_token:second].count(": ping") <= 3
    assert lines[first_token][0] >= 0.5
    assert texts[-1] == "data: [DONE]"
    assert llm.streams[-1].pings_sent == texts.count(": ping")


async def test_pings_go_on_while_stalled(llm: OpenAIPeer) -> None:
    script = Script(tokens=["a", "b"], stall_after=1, ping_interval=0.05)
    with pytest.raises(trio.TooSlowError):
        await _lines(llm, script, within=0.3)
    record = await llm.wait_client_closed(timeout=1.0)
    assert record.stalled and record.tokens_sent == 1
    assert record.pings_sent >= 3, "a stalled stream still sends comments"


async def test_role_and_first_token_in_one_chunk(llm: OpenAIPeer) -> None:
    chunks = _chunks(await _lines(llm, Script(tokens=["Hi", "!"], role_with_content=True)))
    assert [c["choices"][0]["delta"] for c in chunks] == [
        {"role": "assistant", "content": "Hi"},
        {"content": "!"},
        {},
    ]


async def test_usage_chunk_with_choices(llm: OpenAIPeer) -> None:
    lines = await _lines(llm, Script(tokens=["Hi"], usage_with_choices=True))
    chunks = _chunks(lines)
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    usage = chunks[-1]
    assert usage["usage"]["completion_tokens"] == 1
    assert usage["choices"] == [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": None}]
    assert lines[-1][1] == "data: [DONE]"


async def test_error_inside_the_stream_has_a_string_code_and_no_done(llm: OpenAIPeer) -> None:
    lines = await _lines(llm, Script(tokens=["a"], stream_error="model overloaded (node 7)"))
    texts = [x for _, x in lines]
    assert json.loads(texts[-1][6:]) == {
        "error": {
            "message": "model overloaded (node 7)",
            "type": "server_error",
            "param": None,
            "code": "upstream_error",
        }
    }
    assert '"content":"a"' in texts[-2]
    assert "data: [DONE]" not in texts and 'finish_reason":"stop' not in "".join(texts)


async def test_each_event_in_its_own_http_chunk_with_done_apart(llm: OpenAIPeer) -> None:
    pool = UpstreamPool(llm.base_url, {"Authorization": "Bearer test"})
    llm.script(tokens=["a", "b"], done_apart=True, usage_with_choices=True)
    response = await pool.post("chat/completions", json.dumps(BODY).encode(), answer_timeout=5)
    try:
        # h11 hands out a chunked body chunk by chunk, never two in one piece.
        pieces = [piece async for piece in response.body(idle_timeout=5)]
    finally:
        await response.aclose()
        await pool.aclose()
    assert all(piece.count(b"data: ") == 1 for piece in pieces), pieces
    assert pieces[-1] == b"data: [DONE]\n\n"
    assert b'"finish_reason":"stop"' in pieces[-3] and b'"usage"' in pieces[-2]


async def test_done_after_a_pause_and_silence_after_finish(llm: OpenAIPeer) -> None:
    lines = await _lines(llm, Script(tokens=["a"], done_delay=0.3))
    finish_at = next(t for t, x in lines if '"finish_reason":"stop"' in x)
    done_at = next(t for t, x in lines if x == "data: [DONE]")
    assert 0.3 <= done_at - finish_at < 0.5

    with pytest.raises(trio.TooSlowError):
        await _lines(llm, Script(tokens=["a"], done_delay=math.inf), within=0.3)
    record = await llm.wait_client_closed(timeout=1.0)
    assert record.finish_sent and not record.completed
