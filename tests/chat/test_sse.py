"""SSE framing and the LLM stream parser: bytes in, bytes out, no sockets."""

from __future__ import annotations

import json

import pytest

from falsafa.chat.sse import (
    DONE_SENTINEL,
    KEEPALIVE,
    StreamError,
    done_event,
    error_event,
    parse_openai_line,
    token_event,
)


def test_events_are_single_data_lines() -> None:
    assert token_event("Hello") == b'data: {"token": "Hello"}\n\n'
    assert done_event("Hi") == b'data: {"done": true, "full_response": "Hi"}\n\n'
    assert error_event("busy", 429) == b'data: {"error": "busy", "code": 429}\n\n'
    assert KEEPALIVE == b": keep-alive\n\n"


@pytest.mark.parametrize("token", ["a\nb", "data: x\n\n", "ж🌍", "\u2028", '"', "\r"])
def test_tokens_never_break_framing(token: str) -> None:
    event = token_event(token)
    assert event.count(b"\n") == 2 and event.endswith(b"\n\n")
    assert json.loads(event[6:]) == {"token": token}


def test_parse_openai_lines() -> None:
    chunk = {"choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": None}]}
    assert parse_openai_line("data: " + json.dumps(chunk)) == "Hi"
    assert parse_openai_line("data: [DONE]") is DONE_SENTINEL
    assert parse_openai_line("") is None
    assert parse_openai_line(": ping") is None
    role = {"choices": [{"index": 0, "delta": {"role": "assistant"}}]}
    assert parse_openai_line("data: " + json.dumps(role)) is None
    assert parse_openai_line('data: {"choices": []}') is None


def test_parse_errors_in_stream() -> None:
    with pytest.raises(StreamError, match="overloaded"):
        parse_openai_line('data: {"error": {"message": "overloaded"}}')
    with pytest.raises(StreamError, match="malformed"):
        parse_openai_line("data: {nope")
