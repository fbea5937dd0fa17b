"""Server-sent events framing for chat, no I/O.

Usage::

    token_event("Hello")            # b'data: {"token": "Hello"}\n\n'
    done_event("Hello world")       # b'data: {"done": true, "full_response": "Hello world"}\n\n'
    error_event("busy", 429)        # b'data: {"error": "busy", "code": 429}\n\n'
    KEEPALIVE                       # b': keep-alive\n\n' (a comment line clients ignore)

JSON is written with ``ensure_ascii=False`` and a payload never contains a
raw newline (JSON escapes it), so one event is always one ``data:`` line.

The LLM's own SSE stream is parsed by ``falsafa.llm.sse``.
"""

from __future__ import annotations

import json

__all__ = ["KEEPALIVE", "done_event", "error_event", "token_event"]

KEEPALIVE = b": keep-alive\n\n"

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def token_event(token: str) -> bytes:
    return b"data: " + _dumps({"token": token}).encode() + b"\n\n"


def done_event(full_response: str) -> bytes:
    return b"data: " + _dumps({"done": True, "full_response": full_response}).encode() + b"\n\n"


def error_event(message: str, code: int) -> bytes:
    return b"data: " + _dumps({"error": message, "code": code}).encode() + b"\n\n"
