"""SSE framing of chat events: bytes out, no sockets."""

from __future__ import annotations

import json

import pytest

from falsafa.chat.sse import KEEPALIVE, done_event, error_event, token_event


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
