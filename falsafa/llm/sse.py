"""The LLM's own SSE stream (OpenAI chat completions), one line at a time. No I/O.

Usage::

    parse_openai_line(b'data: {"choices": [{"delta": {"content": "Hi"}}]}')   # "Hi"
    parse_openai_line(b"data: [DONE]") is DONE_SENTINEL                       # True
    parse_openai_line(b": ping")                                              # None

It is on the hot path of every relayed token, so it avoids building the
SDK's chunk objects and only does what is needed to find ``delta.content``.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["DONE_SENTINEL", "StreamError", "parse_openai_line"]

DONE_SENTINEL = object()

_loads = json.loads


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
