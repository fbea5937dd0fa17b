"""The LLM's SSE stream parser: lines in, tokens out, no sockets."""

from __future__ import annotations

import json

import pytest

from falsafa.llm.sse import DONE_SENTINEL, StreamError, parse_openai_line


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
