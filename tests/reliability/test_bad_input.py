"""The bad-input catalogue: hostile requests to both business endpoints.

One table, one row per request, each with the exact status and body the
service must answer. No row may produce a 5xx: every one of them is the
client's mistake. Rows marked ``raw`` are written byte by byte over a socket
(httpx refuses to send them); the HTTP layer (Hypercorn/h11) rejects broken
framing before the app sees it, with an empty 400 and the connection closed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import h11
import pytest
import trio

from falsafa.api.bodies import BAD_POSITION, BOTH_POSITIONS
from tests.reliability.conftest import REPLY, Hostile
from tests.support import sse_events

pytestmark = pytest.mark.reliability

P = "/character/processing"
C = "/character/chat"

Body = Callable[[Hostile], bytes]
Expected = Callable[[Hostile], Any]


def js(build: Callable[[Hostile], Any]) -> Body:
    """A JSON body built from the running service's context."""
    return lambda h: json.dumps(build(h)).encode()


def raw_json(text: str) -> Body:
    return lambda _h: text.encode("utf-8", "surrogatepass")


def err(status: int, message: str) -> Expected:
    return lambda _h: {"error": message, "code": status}


def err_of(status: int, message: Callable[[Hostile], str]) -> Expected:
    return lambda h: {"error": message(h), "code": status}


ACCEPTED = "accepted"
STREAMED = [{"token": t} for t in REPLY] + [{"done": True, "full_response": "".join(REPLY)}]


@dataclass(frozen=True)
class Row:
    name: str
    path: str
    body: Body
    status: int
    expected: Expected | None
    """The JSON body (or for a 200 on chat, the SSE events); None: empty body."""
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    raw: Callable[[Hostile], bytes] | None = None
    """The whole request as bytes, sent over a plain socket."""
    setup: Callable[[Hostile], None] | None = None


def _redirect(target: str) -> Callable[[Hostile], None]:
    def setup(h: Hostile) -> None:
        h.storage.put("books/hop.txt", b"", status=302, redirect_to=target)

    return setup


def _hop(h: Hostile) -> dict[str, Any]:
    return h.processing(file_url=h.storage.public_url("books/hop.txt"))


def _http(h: Hostile, path: str, headers: list[tuple[str, bytes]], body: bytes) -> bytes:
    lines = [f"POST {path} HTTP/1.1".encode(), f"Host: {h.url.split('://')[1]}".encode()]
    lines += [name.encode() + b": " + value for name, value in headers]
    lines += [b"Content-Length: " + str(len(body)).encode(), b"Connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _raw(
    path: str, headers: list[tuple[str, bytes]], body: Body | None = None
) -> Callable[[Hostile], bytes]:
    return lambda h: _http(h, path, headers, body(h) if body else b"{}")


OUTSIDE = "file_url is outside the allowed storage origin"
ADDRESS = "file_url points to an address that is not the storage service"
CREDENTIALS = "file_url must not contain credentials"
SCHEME = "file_url must be an http(s) URL of the storage service"
CONTROL = "file_url contains whitespace or control characters"
NOT_FOUND = "session not found"


def _port(h: Hostile) -> str:
    return h.storage_hostport.rsplit(":", 1)[1]


ROWS: list[Row] = [
    # -- framing and JSON ---------------------------------------------------------
    Row(
        "p-not-json",
        P,
        raw_json("{not json"),
        400,
        err(
            400,
            "malformed JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        ),
    ),
    Row(
        "p-empty-body",
        P,
        raw_json(""),
        400,
        err(400, "malformed JSON: Expecting value: line 1 column 1 (char 0)"),
    ),
    Row("p-json-array", P, raw_json("[]"), 400, err(400, "body must be a JSON object")),
    Row("p-json-null", P, raw_json("null"), 400, err(400, "body must be a JSON object")),
    Row("p-json-string", P, raw_json('"book"'), 400, err(400, "body must be a JSON object")),
    Row(
        "p-trailing-garbage",
        P,
        raw_json("{} {}"),
        400,
        err(400, "malformed JSON: Extra data: line 1 column 4 (char 3)"),
    ),
    Row(
        "p-nan",
        P,
        raw_json('{"book_id": NaN}'),
        400,
        err(400, "malformed JSON: NaN is not valid JSON"),
    ),
    Row(
        "p-not-utf8",
        P,
        lambda _h: b'{"book_id": "\xff\xfe"}',
        400,
        err(400, "body must be UTF-8 encoded JSON"),
    ),
    Row(
        "p-utf16",
        P,
        lambda _h: '{"book_id": 1}'.encode("utf-16"),
        400,
        err(400, "body must be UTF-8 encoded JSON"),
    ),
    Row(
        "p-utf8-bom",
        P,
        lambda _h: b"\xef\xbb\xbf{}",
        400,
        err(
            400,
            "malformed JSON: Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)",
        ),
    ),
    Row(
        "p-deep-nesting",
        P,
        raw_json("[" * 30_000 + "]" * 30_000),
        400,
        err(
            400,
            "malformed JSON: maximum recursion depth exceeded while decoding a JSON array from a unicode string",
        ),
    ),
    Row(
        "p-huge-integer",
        P,
        raw_json('{"book_id": ' + "9" * 5000 + "}"),
        400,
        err(
            400,
            "malformed JSON: Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits; use sys.set_int_max_str_digits() to increase the limit",
        ),
    ),
    Row(
        "p-huge-body",
        P,
        lambda _h: b'{"x": "' + b"a" * 200_000 + b'"}',
        400,
        err(400, "request body over 65536 bytes"),
    ),
    Row(
        "p-huge-body-chunked",
        P,
        lambda _h: b"",
        400,
        err(400, "request body over 65536 bytes"),
        raw=lambda h: (
            f"POST {P} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".encode()
            + b"".join(b"4000\r\n" + b"a" * 0x4000 + b"\r\n" for _ in range(8))
            + b"0\r\n\r\n"
        ),
    ),
    # -- wrong types and values -----------------------------------------------------
    Row("p-missing-all", P, raw_json("{}"), 400, err(400, "missing field: book_id")),
    Row(
        "p-book-id-int",
        P,
        js(lambda h: h.processing(book_id=5)),
        400,
        err(400, "book_id must be a string UUID"),
    ),
    Row(
        "p-book-id-object",
        P,
        js(lambda h: h.processing(book_id={"$ne": None})),
        400,
        err(400, "book_id must be a string UUID"),
    ),
    Row(
        "p-book-id-no-hyphens",
        P,
        js(lambda h: h.processing(book_id=h.book.id.hex)),
        400,
        err(400, "book_id is not a UUID"),
    ),
    Row(
        "p-book-id-trailing-newline",
        P,
        js(lambda h: h.processing(book_id=f"{h.book.id}\n")),
        400,
        err(400, "book_id is not a UUID"),
    ),
    Row(
        "p-user-id-zero-width",
        P,
        js(lambda h: h.processing(user_id=f"\u200b{h.book.user_id}")),
        400,
        err(400, "user_id is not a UUID"),
    ),
    Row(
        "p-user-id-missing",
        P,
        js(lambda h: {"book_id": str(h.book.id), "file_url": h.book_url}),
        400,
        err(400, "missing field: user_id"),
    ),
    Row(
        "p-file-url-list",
        P,
        js(lambda h: h.processing(file_url=[h.book_url])),
        400,
        err(400, "file_url must be a string"),
    ),
    Row(
        "p-file-url-empty",
        P,
        js(lambda h: h.processing(file_url="  ")),
        400,
        err(400, "file_url must not be empty"),
    ),
    Row(
        "p-file-url-long",
        P,
        js(lambda h: h.processing(file_url=h.book_url + "?" + "a" * 3000)),
        400,
        err(400, "file_url is longer than 2048 characters"),
    ),
    Row(
        "p-file-url-lone-surrogate",
        P,
        lambda h: json.dumps(h.processing()).replace(".txt", ".\\ud800").encode(),
        400,
        err(400, "file_url is not valid Unicode (unpaired surrogate)"),
    ),
    Row(
        "p-missing-book",
        P,
        js(lambda h: h.processing(book_id="00000000-0000-4000-8000-000000000000")),
        422,
        err(422, "book not found"),
    ),
    Row(
        "p-someone-elses-book",
        P,
        js(lambda h: h.processing(user_id="00000000-0000-4000-8000-000000000000")),
        422,
        err(422, "book not found"),
    ),
    Row(
        "p-form-encoded",
        P,
        lambda h: f"book_id={h.book.id}&user_id={h.book.user_id}".encode(),
        400,
        err(400, "malformed JSON: Expecting value: line 1 column 1 (char 0)"),
        headers={"content-type": "application/x-www-form-urlencoded"},
    ),
    Row(
        "p-multipart",
        P,
        lambda _h: b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b--\r\n',
        400,
        err(400, "malformed JSON: Expecting value: line 1 column 1 (char 0)"),
        headers={"content-type": "multipart/form-data; boundary=b"},
    ),
    # Hostile but acceptable: answered 202 (the fragment is never sent to storage).
    Row(
        "p-url-with-fragment-and-query",
        P,
        js(lambda h: h.processing(file_url=h.book_url + "?download=1#@evil.example.com")),
        202,
        lambda _h: ACCEPTED,
    ),
    # -- file names -----------------------------------------------------------------
    Row(
        "p-pdf",
        P,
        js(
            lambda h: h.processing(file_url=h.storage.url + "/storage/v1/object/public/books/a.pdf")
        ),
        422,
        err(422, "file must be .txt or .md (got .pdf)"),
    ),
    Row(
        "p-txt-in-query-only",
        P,
        js(lambda h: h.processing(file_url=h.storage.url + "/books/a.exe?name=a.txt")),
        422,
        err(422, "file must be .txt or .md (got .exe)"),
    ),
    Row(
        "p-double-extension",
        P,
        js(lambda h: h.processing(file_url=h.storage.url + "/books/a.txt.sh")),
        422,
        err(422, "file must be .txt or .md (got .sh)"),
    ),
    Row(
        "p-nul-in-url",
        P,
        js(lambda h: h.processing(file_url=h.book_url.replace(".txt", "\x00.txt"))),
        422,
        err(422, CONTROL),
    ),
    Row(
        "p-crlf-in-url",
        P,
        js(lambda h: h.processing(file_url=h.book_url + "\r\nX-Injected: 1")),
        422,
        err(422, CONTROL),
    ),
    # -- SSRF -------------------------------------------------------------------------
    Row(
        "ssrf-other-host",
        P,
        js(lambda h: h.processing(file_url="https://evil.example.com/books/a.txt")),
        422,
        err(422, OUTSIDE),
    ),
    Row(
        "ssrf-other-port",
        P,
        js(lambda h: h.processing(file_url="http://127.0.0.1:6379/a.txt")),
        422,
        err(422, ADDRESS),
    ),
    Row(
        "ssrf-https-instead-of-http",
        P,
        js(lambda h: h.processing(file_url=h.book_url.replace("http:", "https:"))),
        422,
        err(422, ADDRESS),
    ),
    Row(
        "ssrf-file-scheme",
        P,
        js(lambda h: h.processing(file_url="file:///etc/passwd.txt")),
        422,
        err(422, SCHEME),
    ),
    Row(
        "ssrf-gopher",
        P,
        js(lambda h: h.processing(file_url=f"gopher://{h.storage_hostport}/_a.txt")),
        422,
        err(422, SCHEME),
    ),
    Row(
        "ssrf-metadata-ip",
        P,
        js(lambda h: h.processing(file_url="http://169.254.169.254/latest/meta-data.txt")),
        422,
        err(422, ADDRESS),
    ),
    Row(
        "ssrf-decimal-ip",
        P,
        js(lambda h: h.processing(file_url=f"http://2130706433:{_port(h)}/a.txt")),
        422,
        err(422, ADDRESS),
    ),
    Row(
        "ssrf-hex-ip",
        P,
        js(lambda h: h.processing(file_url=f"http://0x7f000001:{_port(h)}/a.txt")),
        422,
        err(422, ADDRESS),
    ),
    Row(
        "ssrf-octal-ip",
        P,
        js(lambda h: h.processing(file_url=f"http://0177.0.0.1:{_port(h)}/a.txt")),
        422,
        err(422, ADDRESS),
    ),
    Row(
        "ssrf-short-ip",
        P,
        js(lambda h: h.processing(file_url=f"http://127.1:{_port(h)}/a.txt")),
        422,
        err(422, ADDRESS),
    ),
    Row(
        "ssrf-ipv6-loopback",
        P,
        js(lambda h: h.processing(file_url=f"http://[::1]:{_port(h)}/a.txt")),
        422,
        err(422, ADDRESS),
    ),
    Row(
        "ssrf-ipv4-mapped-ipv6",
        P,
        js(lambda h: h.processing(file_url=f"http://[::ffff:127.0.0.1]:{_port(h)}/a.txt")),
        422,
        err(422, ADDRESS),
    ),
    Row(
        "ssrf-localhost",
        P,
        js(lambda h: h.processing(file_url=f"http://localhost:{_port(h)}/a.txt")),
        422,
        err(422, ADDRESS),
    ),
    Row(
        "ssrf-dot-localhost",
        P,
        js(lambda h: h.processing(file_url=f"http://api.localhost:{_port(h)}/a.txt")),
        422,
        err(422, ADDRESS),
    ),
    Row(
        "ssrf-trailing-dot",
        P,
        js(lambda h: h.processing(file_url=f"http://localhost.:{_port(h)}/a.txt")),
        422,
        err(422, ADDRESS),
    ),
    Row(
        "ssrf-userinfo-allowed-then-evil",
        P,
        js(lambda h: h.processing(file_url=f"http://{h.storage_hostport}@evil.example.com/a.txt")),
        422,
        err(422, CREDENTIALS),
    ),
    Row(
        "ssrf-userinfo-on-allowed-host",
        P,
        js(lambda h: h.processing(file_url=f"http://admin:pw@{h.storage_hostport}/a.txt")),
        422,
        err(422, CREDENTIALS),
    ),
    Row(
        "ssrf-backslash-at",
        P,
        js(
            lambda h: h.processing(file_url=f"http://evil.example.com\\@{h.storage_hostport}/a.txt")
        ),
        422,
        err(422, CREDENTIALS),
    ),
    Row(
        "ssrf-backslash-host",
        P,
        js(lambda h: h.processing(file_url=f"http://{h.storage_hostport}\\evil.example.com/a.txt")),
        422,
        err_of(
            422,
            lambda h: (
                f"file_url is not a valid URL: Port could not be cast to integer value as '{_port(h)}\\\\evil.example.com'"
            ),
        ),
    ),
    Row(
        "ssrf-fullwidth-host",
        P,
        js(lambda h: h.processing(file_url="http://ｅｖｉｌ.example.com/a.txt")),
        422,
        err(422, OUTSIDE),
    ),
    Row(
        "ssrf-cyrillic-localhost",
        P,
        js(lambda h: h.processing(file_url=f"http://lоcalhost:{_port(h)}/a.txt")),
        422,
        err(422, OUTSIDE),
    ),
    Row(
        "ssrf-nfkc-at-sign",
        P,
        js(
            lambda h: h.processing(
                file_url=f"http://evil.example.com\uff20{h.storage_hostport}/a.txt"
            )
        ),
        422,
        err_of(
            422,
            lambda h: (
                f"file_url is not a valid URL: netloc 'evil.example.com\uff20{h.storage_hostport}' contains invalid characters under NFKC normalization"
            ),
        ),
    ),
    Row(
        "ssrf-rtl-override-host",
        P,
        js(lambda h: h.processing(file_url="http://\u202etxt.live/a.txt")),
        422,
        err(422, OUTSIDE),
    ),
    Row(
        "ssrf-redirect-to-metadata",
        P,
        js(_hop),
        422,
        err(422, ADDRESS),
        setup=_redirect("http://169.254.169.254/latest/meta-data.txt"),
    ),
    Row(
        "ssrf-redirect-to-other-host",
        P,
        js(_hop),
        422,
        err(422, OUTSIDE),
        setup=_redirect("https://evil.example.com/a.txt"),
    ),
    Row(
        "ssrf-redirect-to-file",
        P,
        js(_hop),
        422,
        err(422, SCHEME),
        setup=_redirect("file:///etc/passwd"),
    ),
    Row(
        "ssrf-redirect-userinfo",
        P,
        js(_hop),
        422,
        err(422, CREDENTIALS),
        setup=_redirect("http://user@evil.example.com/a.txt"),
    ),
    # -- methods and headers --------------------------------------------------------------
    Row("p-get", P, lambda _h: b"", 405, err(405, "method not allowed"), method="GET"),
    Row(
        "p-put", P, js(lambda h: h.processing()), 405, err(405, "method not allowed"), method="PUT"
    ),
    Row("c-get", C, lambda _h: b"", 405, err(405, "method not allowed"), method="GET"),
    Row("c-delete", C, lambda _h: b"", 405, err(405, "method not allowed"), method="DELETE"),
    Row("c-options", C, lambda _h: b"", 405, err(405, "method not allowed"), method="OPTIONS"),
    Row(
        "p-request-id-rtl",
        P,
        raw_json("[]"),
        400,
        err(400, "body must be a JSON object"),
        raw=_raw(P, [("X-Request-Id", "a\u202eb".encode())], raw_json("[]")),
    ),
    Row(
        "p-request-id-bare-cr",
        P,
        raw_json("{}"),
        400,
        None,
        raw=_raw(P, [("X-Request-Id", b"abc\rSet-Cookie: x=1")]),
    ),
    Row(
        "p-request-id-nul",
        P,
        raw_json("{}"),
        400,
        None,
        raw=_raw(P, [("X-Request-Id", b"abc\x00def")]),
    ),
    # h11 unfolds the obsolete line folding into one value, which is not a
    # clean request id: it is replaced, never echoed.
    Row(
        "p-header-obs-fold",
        P,
        raw_json("{}"),
        400,
        err(400, "missing field: book_id"),
        raw=lambda h: _http(h, P, [("X-Request-Id", b"abc\r\n Injected: 1")], b"{}"),
    ),
    # Transfer-Encoding wins over Content-Length (RFC 9112 6.3): the body is
    # the empty chunked one and nothing is left over to smuggle.
    Row(
        "p-smuggling-cl-te",
        P,
        raw_json("{}"),
        400,
        err(400, "malformed JSON: Expecting value: line 1 column 1 (char 0)"),
        raw=lambda h: (
            f"POST {P} HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
            "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        ).encode(),
    ),
    Row(
        "p-bad-content-length",
        P,
        raw_json("{}"),
        400,
        None,
        raw=lambda h: f"POST {P} HTTP/1.1\r\nHost: x\r\nContent-Length: 2x\r\n\r\n{{}}".encode(),
    ),
    Row(
        "p-space-in-header-name",
        P,
        raw_json("{}"),
        400,
        None,
        raw=_raw(P, [("X Request-Id", b"abc")]),
    ),
    # -- chat -------------------------------------------------------------------------------
    Row(
        "c-not-json",
        C,
        raw_json("{"),
        400,
        err(
            400,
            "malformed JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        ),
    ),
    Row(
        "c-huge-body",
        C,
        js(lambda h: h.chat(user_message="a" * 70_000)),
        400,
        err(400, "request body over 65536 bytes"),
    ),
    Row(
        "c-message-int",
        C,
        js(lambda h: h.chat(user_message=5)),
        400,
        err(400, "user_message must be a string"),
    ),
    Row(
        "c-message-null",
        C,
        js(lambda h: h.chat(user_message=None)),
        400,
        err(400, "missing field: user_message"),
    ),
    Row(
        "c-message-nul",
        C,
        js(lambda h: h.chat(user_message="hi\x00there")),
        400,
        err(400, "user_message must not contain NUL characters"),
    ),
    Row(
        "c-message-lone-surrogate",
        C,
        lambda h: json.dumps(h.chat(user_message="hi X")).replace("X", "\\udc80").encode(),
        400,
        err(400, "user_message is not valid Unicode (unpaired surrogate)"),
    ),
    Row(
        "c-message-blank",
        C,
        js(lambda h: h.chat(user_message=" \t\n\u3000")),
        400,
        err(400, "user_message must not be empty"),
    ),
    Row(
        "c-message-too-long",
        C,
        js(lambda h: h.chat(user_message="é" * 4001)),
        400,
        err(400, "user_message is longer than 4000 characters"),
    ),
    Row(
        "c-session-id-int",
        C,
        js(lambda h: h.chat(session_id=1)),
        400,
        err(400, "session_id must be a string UUID"),
    ),
    Row(
        "c-session-id-sql",
        C,
        js(lambda h: h.chat(session_id="' OR 1=1 --")),
        400,
        err(400, "session_id is not a UUID"),
    ),
    Row(
        "c-book-id-trailing-newline",
        C,
        js(lambda h: h.chat(book_id=f"{h.session.book_id}\n")),
        400,
        err(400, "book_id is not a UUID"),
    ),
    Row(
        "c-position-string",
        C,
        js(lambda h: h.chat(reading_position="0.5")),
        400,
        err(400, BAD_POSITION),
    ),
    Row(
        "c-position-negative",
        C,
        js(lambda h: h.chat(reading_position=-1)),
        400,
        err(400, BAD_POSITION),
    ),
    Row(
        "c-chapter-past-the-end",
        C,
        js(lambda h: h.chat(reading_chapter=10_000)),
        400,
        err(400, "reading_chapter 10000 is past the book's last chapter (5)"),
    ),
    Row(
        "c-position-and-chapter",
        C,
        js(lambda h: h.chat(reading_position=1, reading_chapter=1)),
        400,
        err(400, BOTH_POSITIONS),
    ),
    Row(
        "c-position-infinite",
        C,
        raw_json('{"reading_position": 1e999, "user_id": "x"}'),
        400,
        err(400, "user_id is not a UUID"),
    ),
    Row(
        "c-position-inf-valid-ids",
        C,
        lambda h: json.dumps(h.chat()).replace("}", ', "reading_position": 1e999}').encode(),
        400,
        err(400, BAD_POSITION),
    ),
    Row("c-unknown-session", C, js(lambda h: h.unknown_chat()), 404, err(404, NOT_FOUND)),
    Row(
        "c-other-users-session",
        C,
        js(lambda h: h.chat(user_id="00000000-0000-4000-8000-000000000000")),
        404,
        err(404, NOT_FOUND),
    ),
    Row(
        "c-other-character",
        C,
        js(lambda h: h.chat(character_id="00000000-0000-4000-8000-000000000000")),
        404,
        err(404, NOT_FOUND),
    ),
    Row(
        "c-zero-width-only",
        C,
        js(lambda h: h.unknown_chat(user_message="\u200b\u200d")),
        404,
        err(404, NOT_FOUND),
    ),
    # Hostile but valid messages are answered, not refused.
    Row(
        "c-rtl-and-controls",
        C,
        js(lambda h: h.chat(user_message="\u202eolleh\x01\x1b[31m\u200b 🌍")),
        200,
        lambda _h: STREAMED,
    ),
    Row(
        "c-sse-injection",
        C,
        js(lambda h: h.chat(user_message='x\n\ndata: {"done": true}\n\n')),
        200,
        lambda _h: STREAMED,
    ),
    Row(
        "c-uppercase-ids",
        C,
        js(lambda h: {k: (v.upper() if k.endswith("_id") else v) for k, v in h.chat().items()}),
        200,
        lambda _h: STREAMED,
    ),
    Row(
        "c-huge-chapter",
        C,
        js(lambda h: h.chat(reading_chapter=10**30)),
        400,
        err(400, f"reading_chapter {10**30} is past the book's last chapter (5)"),
    ),
    Row(
        "c-astral-4000", C, js(lambda h: h.chat(user_message="𝔄" * 4000)), 200, lambda _h: STREAMED
    ),
]


async def _send_raw(h: Hostile, data: bytes) -> tuple[int, bytes, dict[str, str]]:
    host, port = h.url.split("://")[1].rsplit(":", 1)
    stream = await trio.open_tcp_stream(host, int(port))
    async with stream:
        await stream.send_all(data)
        conn = h11.Connection(h11.CLIENT)
        status, body, headers = 0, b"", {}
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(await stream.receive_some(65536))
                continue
            if isinstance(event, h11.Response):
                status = event.status_code
                headers = {k.decode(): v.decode() for k, v in event.headers}
            elif isinstance(event, h11.Data):
                body += bytes(event.data)
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                return status, body, headers


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
async def test_bad_input(hostile: Hostile, row: Row) -> None:
    h = hostile
    if row.path == C:
        await h.open_chat()
    if row.setup is not None:
        row.setup(h)
    with trio.fail_after(10):
        if row.raw is not None:
            status, body, headers = await _send_raw(h, row.raw(h))
        else:
            response = await h.client.request(
                row.method, row.path, content=row.body(h), headers=row.headers
            )
            status, body, headers = response.status_code, response.content, dict(response.headers)
    assert status < 500, (status, body)
    assert status == row.status, body
    if row.expected is None:
        assert body == b""
    elif status == 202:
        doc = json.loads(body)
        assert doc["status"] == row.expected(h) and str(uuid.UUID(doc["job_id"])) == doc["job_id"]
        assert h.service.services.redis.client.llen("processing_queue") == 1
    elif status == 200:
        assert sse_events(body.decode()) == row.expected(h)
    else:
        assert headers.get("content-type", "application/json") == "application/json"
        assert json.loads(body) == row.expected(h)
    if body:
        # The request id is echoed only when it is short and printable.
        request_id = headers["x-request-id"]
        assert request_id.isascii() and request_id.replace("-", "").isalnum(), request_id
        assert "injected" not in headers and "set-cookie" not in headers
    if row.path == P and status != 202:
        assert h.service.services.redis.client.llen("processing_queue") == 0
    if status == 422 and row.name.startswith("ssrf") and row.setup is None:
        assert not h.storage.requests, "a refused URL is never fetched"


def test_catalogue_is_large_enough() -> None:
    assert len(ROWS) >= 30
    assert {r.path for r in ROWS} == {P, C}
