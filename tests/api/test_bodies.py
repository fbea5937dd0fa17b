"""Request body validation, pure."""

from __future__ import annotations

import json
import uuid

import pytest

from falsafa.api.bodies import (
    BAD_CHAPTER,
    BAD_POSITION,
    BOTH_POSITIONS,
    parse_chat,
    parse_processing,
)
from falsafa.errors import ApiError

IDS = {k: str(uuid.uuid4()) for k in ("user_id", "character_id", "book_id", "session_id")}


def test_processing_ok_and_unknown_fields_ignored() -> None:
    body = {
        "book_id": IDS["book_id"],
        "user_id": IDS["user_id"],
        "file_url": " https://x/a.txt ",
        "x": 1,
    }
    parsed = parse_processing(json.dumps(body).encode())
    assert parsed.file_url == "https://x/a.txt" and str(parsed.book_id) == IDS["book_id"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    # JavaScript's JSON.stringify(1.0) is "1": any number is a fraction.
    [
        ("null", None),
        ("0.5", 0.5),
        ("0", 0.0),
        ("0.0", 0.0),
        ("1", 1.0),
        ("1.0", 1.0),
        ("1e0", 1.0),
    ],
)
def test_reading_position_is_a_fraction_whatever_its_spelling(raw: str, expected: object) -> None:
    body = json.dumps({**IDS, "user_message": "hi"})[:-1] + f', "reading_position": {raw}}}'
    parsed = parse_chat(body, max_message_chars=10)
    assert parsed.reading_position == expected and parsed.reading_chapter is None


@pytest.mark.parametrize(("raw", "expected"), [("1", 1), ("61", 61), ("3.0", 3), ("null", None)])
def test_reading_chapter_is_an_ordinal(raw: str, expected: object) -> None:
    body = json.dumps({**IDS, "user_message": "hi"})[:-1] + f', "reading_chapter": {raw}}}'
    parsed = parse_chat(body, max_message_chars=10)
    assert parsed.reading_chapter == expected and parsed.reading_position is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reading_position": 3}, BAD_POSITION),
        ({"reading_position": 1.5}, BAD_POSITION),
        ({"reading_position": -0.1}, BAD_POSITION),
        ({"reading_position": "0.5"}, BAD_POSITION),
        ({"reading_position": True}, BAD_POSITION),
        ({"reading_chapter": 0}, BAD_CHAPTER),
        ({"reading_chapter": 2.5}, BAD_CHAPTER),
        ({"reading_chapter": "3"}, BAD_CHAPTER),
        ({"reading_chapter": False}, BAD_CHAPTER),
        ({"reading_position": 0.5, "reading_chapter": 3}, BOTH_POSITIONS),
        ({"reading_position": 0, "reading_chapter": 1}, BOTH_POSITIONS),
    ],
)
def test_bad_reading_positions_are_400(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ApiError) as info:
        parse_chat(json.dumps({**IDS, "user_message": "hi", **fields}), max_message_chars=10)
    assert (info.value.status, info.value.message) == (400, message)


@pytest.mark.parametrize(
    "raw",
    [b"NaN", b'{"a": NaN}', b'{"a": Infinity}', b"[" * 100_000 + b"]" * 100_000, b'"str"', b"null"],
)
def test_hostile_json_is_400(raw: bytes) -> None:
    with pytest.raises(ApiError) as info:
        parse_processing(raw)
    assert info.value.status == 400
