"""The LLM's own SSE stream (OpenAI chat completions), one line at a time. No I/O.

Usage::

    parse_openai_line(b'data: {"choices": [{"delta": {"content": "Hi"}}]}')   # "Hi"
    parse_openai_line(b"data: [DONE]") is DONE_SENTINEL                       # True
    parse_openai_line(b": ping")                                              # None
    parse_openai_line(b'data: {"choices": [{"delta": {"content": "."},'
                      b' "finish_reason": "length"}]}')     # Finish("length", ".")
    finish_label("tool_calls"), finish_label("eos")         # "tool_calls", "other"

It is on the hot path of every relayed token, so it avoids building the
SDK's chunk objects and only does what is needed to find ``delta.content``
and ``finish_reason``. What real servers send besides tokens is read as
nothing: comment lines (``: ping``, ``: OPENROUTER PROCESSING``), role-only
and empty deltas, usage chunks with or without ``choices``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "DONE_SENTINEL",
    "FINISH_REASONS",
    "Finish",
    "StreamError",
    "finish_label",
    "parse_openai_line",
]

DONE_SENTINEL = object()

# The finish reasons OpenAI documents, and what OpenAI-compatible servers
# commonly add. Anything else is counted and saved as ``other``: the value
# labels a metric and fills a column, so it comes from this fixed set.
FINISH_REASONS: Final = frozenset(
    {"stop", "length", "content_filter", "tool_calls", "function_call", "other"}
)

_loads = json.loads


class StreamError(Exception):
    """The LLM's stream said something other than tokens (an error object,
    malformed JSON). The message is upstream detail: for logs only."""


@dataclass(frozen=True, slots=True)
class Finish:
    """A chunk with a ``finish_reason``: the reply is complete. ``content``
    is text the same chunk carried ("" when none)."""

    reason: str
    content: str = ""


def finish_label(reason: str) -> str:
    """``reason`` if it is one of ``FINISH_REASONS``, else ``other``."""
    return reason if reason in FINISH_REASONS else "other"


def parse_openai_line(line: str | bytes) -> str | Finish | object | None:
    """One line of an OpenAI chat-completions stream (text, or UTF-8 bytes).

    Returns the content text of a chunk (possibly ""), a ``Finish`` for a
    chunk with a ``finish_reason``, ``DONE_SENTINEL`` for ``data: [DONE]``,
    or None for lines that carry nothing (comments, blank lines, other
    fields, chunks without choices). Raises ``StreamError`` for an in-stream
    error or a payload that is not a JSON object.
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
        raise StreamError(f"malformed JSON in LLM stream: {payload[:200]!r}") from None
    if not isinstance(doc, dict):
        raise StreamError(f"unexpected LLM stream payload: {payload[:200]!r}")
    if "error" in doc:
        raise StreamError(f"LLM stream error: {json.dumps(doc['error'])[:500]}")
    try:
        choice = doc["choices"][0]
        # Some servers leave ``delta`` out of the finishing chunk.
        content = (choice.get("delta") or {}).get("content")
        reason = choice.get("finish_reason")
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    text = content if isinstance(content, str) else ""
    if reason:
        return Finish(finish_label(str(reason)), text)
    return text if isinstance(content, str) else None
