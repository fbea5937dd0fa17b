"""Server-sent events framing for chat, no I/O.

Usage::

    token_event("Hello")            # b'data: {"token": "Hello"}\n\n'
    done_event("Hello world")       # b'data: {"done": true, "full_response": "Hello world"}\n\n'
    error_event("busy", 429)        # b'data: {"error": "busy", "code": 429}\n\n'
    KEEPALIVE                       # b': keep-alive\n\n' (a comment line clients ignore)

JSON is written with ``ensure_ascii=False`` and a payload never contains a
raw newline (JSON escapes it), so one event is always one ``data:`` line.

The parser half (``parse_openai_line``) reads the LLM's own SSE stream: it
is on the hot path of every relayed token, so it avoids building the SDK's
chunk objects and only does what is needed to find ``delta.content``.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "DONE_SENTINEL",
    "KEEPALIVE",
    "done_event",
    "error_event",
    "parse_openai_line",
    "token_event",
]

KEEPALIVE = b": keep-alive\n\n"
DONE_SENTINEL = object()

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
_loads = json.loads


def token_event(token: str) -> bytes:
    return b"data: " + _dumps({"token": token}).encode() + b"\n\n"


def done_event(full_response: str) -> bytes:
    return b"data: " + _dumps({"done": True, "full_response": full_response}).encode() + b"\n\n"


def error_event(message: str, code: int) -> bytes:
    return b"data: " + _dumps({"error": message, "code": code}).encode() + b"\n\n"


class StreamError(Exception):
    """The LLM's stream said something other than tokens (an error object)."""


def parse_openai_line(line: str | bytes) -> str | object | None:
    """One line of an OpenAI chat-completions stream (text, or UTF-8 bytes).

    Returns the content text of a chunk (possibly ""), ``DONE_SENTINEL`` for
    ``data: [DONE]``, or None for lines that carry nothing (comments, blank
    lines, other fields). Raises ``StreamError`` for an in-stream error.
    """
    raw = line.encode() if isinstance(line, str) else line
    if not raw.startswith(b"data:"):
        return None
    payload = raw[5:].strip()
    if payload == b"[DONE]":
        return DONE_SENTINEL
    if not payload:
        return None
    try:
        doc: Any = _loads(payload)
    except ValueError:
        raise StreamError("malformed JSON in LLM stream") from None
    if not isinstance(doc, dict):
        raise StreamError("unexpected LLM stream payload")
    if "error" in doc:
        error = doc["error"]
        message = error.get("message") if isinstance(error, dict) else str(error)
        raise StreamError(f"LLM stream error: {message}")
    try:
        content = doc["choices"][0]["delta"].get("content")
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return content if isinstance(content, str) else None
