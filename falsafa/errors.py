"""The errors an endpoint returns, as one exception type with a JSON body.

Usage::

    raise ApiError(422, "file must be .txt or .md")
    # -> HTTP 422, {"error": "file must be .txt or .md", "code": 422}

Every documented client error is an ``ApiError``; anything else reaching the
app's error handler is our fault and becomes a 500 with a generic body (the
details go to the log, never to the client).
"""

from __future__ import annotations

import json
from typing import Any

from quart import Response

__all__ = ["ApiError", "error_body", "json_response"]


class ApiError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.message, **self.extra)


def error_body(status: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": message, "code": status, **extra}


def json_response(body: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/json",
        headers=headers,
    )
