"""The LLM's SSE stream parser: lines in, tokens out, no sockets."""

from __future__ import annotations

import json

import pytest

from falsafa.llm.sse import (
    DONE_SENTINEL,
    FINISH_REASONS,
    Finish,
    StreamError,
    finish_label,
    parse_openai_line,
)


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


def test_a_finish_reason_completes_the_reply_with_any_text_it_carries() -> None:
    last = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    assert parse_openai_line("data: " + json.dumps(last)) == Finish("stop")
    cut = {"choices": [{"index": 0, "delta": {"content": "and"}, "finish_reason": "length"}]}
    assert parse_openai_line("data: " + json.dumps(cut)) == Finish("length", "and")
    no_delta = {"choices": [{"index": 0, "finish_reason": "content_filter"}]}
    assert parse_openai_line("data: " + json.dumps(no_delta)) == Finish("content_filter")
    odd = {"choices": [{"index": 0, "delta": {}, "finish_reason": "eos_token"}]}
    assert parse_openai_line("data: " + json.dumps(odd)) == Finish("other")
    assert finish_label("tool_calls") == "tool_calls" and finish_label("") == "other"
    assert {"stop", "length", "content_filter"} <= FINISH_REASONS


def test_what_real_servers_send_besides_tokens_is_nothing() -> None:
    # LiteLLM's keepalive, OpenRouter's processing notice, a usage chunk with
    # choices, a role chunk with its first token: only the text counts.
    assert parse_openai_line(b": ping") is None
    assert parse_openai_line(b": OPENROUTER PROCESSING") is None
    usage = {
        "choices": [{"index": 0, "delta": {}, "finish_reason": None}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    }
    assert parse_openai_line("data: " + json.dumps(usage)) is None
    both = {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi"}}]}
    assert parse_openai_line("data: " + json.dumps(both)) == "Hi"
    empty = {"choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": None}]}
    assert parse_openai_line("data: " + json.dumps(empty)) == ""


def test_an_error_object_with_a_string_code_keeps_its_detail_for_the_log() -> None:
    line = b'data: {"error": {"message": "node 10.0.0.7 overloaded", "code": "upstream_error"}}'
    with pytest.raises(StreamError) as info:
        parse_openai_line(line)
    assert "10.0.0.7 overloaded" in str(info.value) and "upstream_error" in str(info.value)
    with pytest.raises(StreamError, match="upstream down"):
        parse_openai_line('data: {"error": "upstream down"}')
