"""Request bodies: strict JSON parsing and validation, no I/O.

Usage::

    req = parse_processing(raw_bytes)   # ProcessingRequest, or raises ApiError(400)
    req = parse_chat(raw_bytes, max_message_chars=4000)

Rules: the body is a JSON object; required fields are present with the
right types; ids are UUIDs (any case, with or without hyphens is NOT
accepted: the canonical 8-4-4-4-12 form only); unknown fields are ignored so
the frontend can add fields without breaking the backend.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from typing import Any

from falsafa.chat.flow import ChatRequest
from falsafa.errors import ApiError
from falsafa.jobs.intake import ProcessingRequest

__all__ = [
    "BAD_CHAPTER",
    "BAD_POSITION",
    "BOTH_POSITIONS",
    "ChatRequest",
    "ProcessingRequest",
    "parse_chat",
    "parse_processing",
]

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _object(raw: bytes | str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise ApiError(400, "body must be UTF-8 encoded JSON") from None
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError, RecursionError) as exc:
        raise ApiError(400, f"malformed JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ApiError(400, "body must be a JSON object")
    return doc


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _uuid(doc: dict[str, Any], field: str) -> uuid.UUID:
    value = doc.get(field)
    if value is None:
        raise ApiError(400, f"missing field: {field}")
    if not isinstance(value, str):
        raise ApiError(400, f"{field} must be a string UUID")
    # fullmatch: "$" would let a trailing newline through to uuid.UUID (a 500).
    if not _UUID.fullmatch(value):
        raise ApiError(400, f"{field} is not a UUID")
    return uuid.UUID(value)


def _string(doc: dict[str, Any], field: str) -> str:
    value = doc.get(field)
    if value is None:
        raise ApiError(400, f"missing field: {field}")
    if not isinstance(value, str):
        raise ApiError(400, f"{field} must be a string")
    try:
        # JSON's "\ud800" escapes decode to lone surrogates, which no UTF-8
        # consumer downstream (store, LLM, logs, URL quoting) can encode.
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, f"{field} is not valid Unicode (unpaired surrogate)") from None
    return value


def parse_processing(raw: bytes | str) -> ProcessingRequest:
    doc = _object(raw)
    book_id = _uuid(doc, "book_id")
    user_id = _uuid(doc, "user_id")
    file_url = _string(doc, "file_url").strip()
    if not file_url:
        raise ApiError(400, "file_url must not be empty")
    if len(file_url) > 2048:
        raise ApiError(400, "file_url is longer than 2048 characters")
    return ProcessingRequest(book_id=book_id, file_url=file_url, user_id=user_id)


def parse_chat(raw: bytes | str, *, max_message_chars: int) -> ChatRequest:
    doc = _object(raw)
    ids = {f: _uuid(doc, f) for f in ("user_id", "character_id", "book_id", "session_id")}
    message = _string(doc, "user_message")
    if "\x00" in message:
        raise ApiError(400, "user_message must not contain NUL characters")
    if not message.strip():
        raise ApiError(400, "user_message must not be empty")
    if len(message) > max_message_chars:
        raise ApiError(400, f"user_message is longer than {max_message_chars} characters")
    position = _reading_position(doc.get("reading_position"))
    chapter = _reading_chapter(doc.get("reading_chapter"))
    if position is not None and chapter is not None:
        raise ApiError(400, BOTH_POSITIONS)
    return ChatRequest(
        user_message=message, reading_position=position, reading_chapter=chapter, **ids
    )


BAD_POSITION = (
    "reading_position must be a number from 0 to 1, the fraction of the book read"
    " (1 is the end); for a chapter, send reading_chapter"
)
BAD_CHAPTER = (
    "reading_chapter must be a whole number from 1: the ordinal of the last chapter"
    " read in the book's list of chapters"
)
BOTH_POSITIONS = "send reading_position or reading_chapter, not both"


def _number(value: Any) -> float | None:
    # Any JSON number: JavaScript sends 1.0 as 1, Python as 1.0; both are numbers.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _reading_position(value: Any) -> float | None:
    if value is None:
        return None
    number = _number(value)
    if number is None or not 0.0 <= number <= 1.0:
        raise ApiError(400, BAD_POSITION)
    return number


def _reading_chapter(value: Any) -> int | None:
    if value is None:
        return None
    number = _number(value)
    if number is None or number != int(number) or number < 1:
        raise ApiError(400, BAD_CHAPTER)
    # An int as sent: a float would round 10**30 to another number.
    return value if isinstance(value, int) else int(number)
