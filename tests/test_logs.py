"""JSON log lines: context fields, extras, and secrets never written."""

from __future__ import annotations

import json
import logging

import pytest

from falsafa.logs import JsonFormatter, log_context, redact


def _format(record: logging.LogRecord) -> dict[str, object]:
    return json.loads(JsonFormatter().format(record))  # type: ignore[no-any-return]


def _record(msg: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("falsafa.test", logging.INFO, __file__, 1, msg, None, None)
    record.__dict__.update(extra)
    return record


def test_context_and_extras_are_fields() -> None:
    with log_context(request_id="r1"), log_context(job_id="j1"):
        doc = _format(_record("hello", book_id="b1"))
    assert doc["msg"] == "hello" and doc["level"] == "info"
    assert (doc["request_id"], doc["job_id"], doc["book_id"]) == ("r1", "j1", "b1")
    assert "request_id" not in _format(_record("after"))


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("redis://:hunter2@db:6379/0", "redis://:***@db:6379/0"),
        ("Authorization: Bearer abc.def", "Authorization: Bearer ***"),
        ("key sk-abcdefghijkl1234", "key sk-***"),
    ],
)
def test_redact(raw: str, shown: str) -> None:
    assert redact(raw) == shown


def test_secret_fields_and_messages_are_masked() -> None:
    doc = _format(_record("using redis://u:pw@h/0", api_key="sk-live-123456789", authorization="x"))
    assert "pw" not in json.dumps(doc) and "sk-live" not in json.dumps(doc)
    assert doc["api_key"] == "***" and doc["authorization"] == "***"


def test_counts_under_secret_sounding_names_are_shown() -> None:
    # "chat stream ended" logs how many tokens a reply streamed: a count.
    doc = _format(_record("chat stream ended", tokens=42, access_token="abc", key_count=3.5))
    assert doc["tokens"] == 42 and doc["key_count"] == 3.5
    assert doc["access_token"] == "***"


def test_credentials_inside_text_fields_are_masked() -> None:
    # An LLM's 401 body, logged as the failure's detail, quotes the key.
    detail = '{"error": {"message": "Incorrect API key provided: sk-live-9bXq2LmN4pRt."}}'
    doc = _format(_record("llm failed", detail=detail, kind="status"))
    assert doc["detail"] == '{"error": {"message": "Incorrect API key provided: sk-***."}}'
    assert doc["kind"] == "status"
