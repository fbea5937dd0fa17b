"""Structured logs: one JSON object per line, with the request or job id.

Usage::

    configure_logging("INFO")
    log = logging.getLogger("falsafa.chat")
    with log_context(request_id="r-123"):
        log.info("stream started", extra={"session_id": sid})
    # {"ts": "...", "level": "info", "logger": "falsafa.chat",
    #  "msg": "stream started", "request_id": "r-123", "session_id": "..."}

The context lives in a ``contextvars.ContextVar``: trio copies the context
into every task started from a request, so a stream's producer task logs with
its request's id without passing it around.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
import time
from collections.abc import Iterator
from typing import Any

__all__ = ["JsonFormatter", "configure_logging", "log_context", "redact"]

_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "falsafa_log_context", default=None
)

# Attributes every LogRecord has; anything else came from ``extra=``.
_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}

# Keys whose values are never written out, wherever they appear.
_SECRET_KEYS = re.compile(r"(key|secret|token|password|authorization)", re.IGNORECASE)
# Inline credentials, e.g. redis://:pw@host or "Bearer sk-..."
_SECRET_VALUES = re.compile(r"(://[^:/@\s]*:)[^@\s]+(@)|(Bearer\s+)\S+|(sk-)[A-Za-z0-9_-]{6,}")


def _is_secret(key: str, value: Any) -> bool:
    # A number is never a credential: "tokens" (how many a reply streamed) or
    # "key_count" are counts, where "api_key" or "access_token" hold text.
    if isinstance(value, int | float):
        return False
    return bool(_SECRET_KEYS.search(key))


def redact(value: str) -> str:
    """Mask credentials embedded in a string (URLs with passwords, bearer tokens)."""
    return _SECRET_VALUES.sub(
        lambda m: (m.group(1) or m.group(3) or m.group(4) or "") + "***" + (m.group(2) or ""),
        value,
    )


@contextlib.contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add fields to every log line written inside the block (and its tasks)."""
    token = _context.set({**(_context.get() or {}), **fields})
    try:
        yield
    finally:
        _context.reset(token)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        doc.update(_context.get() or {})
        for key, value in record.__dict__.items():
            if key in _RESERVED or key.startswith("_"):
                continue
            if _is_secret(key, value):
                value = "***"
            elif isinstance(value, str):
                # Upstream text (an LLM's error body) may echo a credential.
                value = redact(value)
            doc[key] = value
        if record.exc_info:
            doc["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(doc, default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr for the whole process (idempotent)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Hypercorn's access log duplicates ours (we log every request with its id).
    logging.getLogger("hypercorn.access").setLevel(logging.WARNING)
    for noisy in ("httpx", "httpcore", "hpack", "openai", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
