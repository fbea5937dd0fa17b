"""Request body validation, pure."""

from __future__ import annotations

import json
import uuid

import pytest

from falsafa.api.bodies import parse_chat, parse_processing
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
    ("position", "expected"),
    [(None, None), (0.5, 0.5), (0.0, 0.0), (1.0, 1.0), (3, 3), (0, 0)],
)
def test_reading_position(position: object, expected: object) -> None:
    body = {**IDS, "user_message": "hi", "reading_position": position}
    assert parse_chat(json.dumps(body), max_message_chars=10).reading_position == expected


@pytest.mark.parametrize(
    "raw",
    [b"NaN", b'{"a": NaN}', b'{"a": Infinity}', b"[" * 100_000 + b"]" * 100_000, b'"str"', b"null"],
)
def test_hostile_json_is_400(raw: bytes) -> None:
    with pytest.raises(ApiError) as info:
        parse_processing(raw)
    assert info.value.status == 400
