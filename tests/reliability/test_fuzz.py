"""Property-based fuzzing of both business endpoints on a real running service.

Hypothesis generates request bodies (raw bytes, arbitrary JSON, and
well-shaped bodies whose fields are drawn from hostile values mixed with the
real ids of a book and a session); each is sent over HTTP to the service
running in the test, under a per-request deadline. The properties: never a
5xx, never a hang, and every answer has the documented shape (an error JSON
whose ``code`` is the status, a 202 job, or an SSE stream that ends in a
``done`` or error event).

Hypothesis runs in a worker thread and sends each request through
``trio.from_thread.run``, so the service, the peers and the deadlines all
live in the test's trio loop. ``derandomize`` keeps CI runs identical.
"""

from __future__ import annotations

import json
import string
import uuid
from collections import Counter
from typing import Any

import pytest
import trio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.conftest import Hostile
from tests.support import sse_events

pytestmark = pytest.mark.reliability

EXAMPLES = 1500
REQUEST_DEADLINE = 10.0

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

_surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
_specials = st.sampled_from(
    [
        "\x00",
        "\r",
        "\n",
        "\t",
        "\x1b",
        "\u200b",
        "\u200d",
        "\u202e",
        "\ufeff",
        "\uffff",
        "🌍",
        "@",
        "\\",
        "%",
        "#",
        "?",
        "/",
        ":",
        ".",
        "'",
        '"',
    ]
)
hostile_text = st.text(alphabet=st.one_of(st.characters(), _surrogates, _specials), max_size=80)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    hostile_text,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(hostile_text, inner, max_size=4)
    ),
    max_leaves=12,
)
uuid_like = st.one_of(
    st.uuids().map(str),
    st.uuids().map(lambda u: str(u).upper()),
    st.uuids().map(lambda u: u.hex),
    st.uuids().map(lambda u: f"{{{u}}}"),
    st.uuids().map(lambda u: f"{u}\n"),
    st.uuids().map(lambda u: f"urn:uuid:{u}"),
    st.uuids().map(lambda u: str(u)[:-1] + "g"),
)


def _raw_bodies() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=200),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.text(alphabet=string.printable, max_size=60).map(str.encode),
    )


def _encode(doc: dict[str, Any]) -> bytes:
    # ensure_ascii keeps lone surrogates as \\udxxx escapes: valid JSON text
    # that decodes to a string no UTF-8 encoder accepts.
    return json.dumps(doc).encode()


def _fields(known: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    value = st.one_of(json_values, uuid_like)
    entries = {name: st.one_of(strategy, value) for name, strategy in known.items()}
    return st.fixed_dictionaries({}, optional={**entries, "extra": json_values})


async def _run_fuzz(
    h: Hostile, path: str, bodies: st.SearchStrategy[bytes], check: Any
) -> Counter[int]:
    statuses: Counter[int] = Counter()

    async def send(body: bytes) -> tuple[int, str, bytes]:
        with trio.fail_after(REQUEST_DEADLINE):
            response = await h.client.post(
                path, content=body, headers={"content-type": "application/json"}
            )
        return response.status_code, response.headers.get("content-type", ""), response.content

    @FUZZ
    @given(body=bodies)
    def prop(body: bytes) -> None:
        status, content_type, content = trio.from_thread.run(send, body)
        statuses[status] += 1
        assert status < 500, (body, content)
        check(status, content_type, content)

    await trio.to_thread.run_sync(prop)
    return statuses


def _error_shape(status: int, content_type: str, content: bytes) -> None:
    assert content_type == "application/json", content
    doc = json.loads(content)
    assert doc["code"] == status and isinstance(doc["error"], str) and doc["error"]


async def test_fuzz_processing(hostile: Hostile) -> None:
    h = hostile
    real = {"book_id": str(h.book.id), "user_id": str(h.book.user_id)}
    port = h.storage_hostport.rsplit(":", 1)[1]
    url_parts = st.tuples(
        st.sampled_from(["http://", "https://", "file://", "HTTP://", "gopher://", "//", ""]),
        st.one_of(
            st.sampled_from(
                [
                    h.storage_hostport,
                    f"localhost:{port}",
                    f"[::1]:{port}",
                    f"2130706433:{port}",
                    "169.254.169.254",
                    f"user@{h.storage_hostport}",
                    f"{h.storage_hostport}@evil.com",
                    "evil.com\\@127.0.0.1",
                    "ｅｖｉｌ.com",
                    f"127.0.0.1:{port}\\x",
                ]
            ),
            hostile_text,
        ),
        st.one_of(st.just("/storage/v1/object/public/books/"), hostile_text),
        hostile_text,
        st.sampled_from([".txt", ".md", ".TXT", ".pdf", "", ".txt?x=1", ".txt#@evil", ".txt\x00"]),
    ).map("".join)
    well_shaped = _fields(
        {
            "book_id": st.just(real["book_id"]),
            "user_id": st.just(real["user_id"]),
            "file_url": st.one_of(url_parts, st.just(h.book_url)),
        }
    ).map(lambda d: {**real, **d})
    bodies = st.one_of(
        _raw_bodies(),
        _fields({}).map(_encode),
        well_shaped.map(_encode),
        st.fixed_dictionaries({"file_url": url_parts}).map(lambda d: _encode({**real, **d})),
        st.fixed_dictionaries({"file_url": url_parts}).map(lambda d: _encode({**real, **d})),
    )

    def check(status: int, content_type: str, content: bytes) -> None:
        if status == 202:
            doc = json.loads(content)
            assert doc["status"] == "accepted"
            uuid.UUID(doc["job_id"])
        else:
            assert status in {400, 422}, content
            _error_shape(status, content_type, content)

    statuses = await _run_fuzz(h, "/character/processing", bodies, check)
    print(f"processing fuzz: {sum(statuses.values())} requests, statuses {dict(statuses)}")
    assert sum(statuses.values()) >= EXAMPLES
    assert not any(s >= 500 for s in statuses)
    # The generator reaches every layer: parsing, the book check, the URL check.
    assert statuses[400] and statuses[422] and statuses[202]


async def test_fuzz_chat(hostile: Hostile) -> None:
    h = hostile
    session = await h.open_chat()
    real = {
        "user_id": str(session.user_id),
        "character_id": str(session.character_id),
        "book_id": str(session.book_id),
        "session_id": str(session.id),
    }
    message = st.one_of(
        hostile_text.filter(lambda s: s.strip()),
        st.builds(lambda c, n: c * n, st.characters(), st.sampled_from([3999, 4000, 4001, 9000])),
    )
    position = st.one_of(
        st.none(),
        st.floats(allow_nan=False),
        st.integers(min_value=-5, max_value=10**20),
        st.booleans(),
        hostile_text,
    )
    valid_session = st.fixed_dictionaries(
        {"user_message": message}, optional={"reading_position": position, "extra": json_values}
    ).map(lambda d: {**real, **d})
    unknown_session = st.fixed_dictionaries(
        {**{k: st.uuids().map(str) for k in real}, "user_message": message}
    )
    bodies = st.one_of(
        _raw_bodies(),
        _fields({k: st.just(v) for k, v in real.items()}).map(_encode),
        unknown_session.map(_encode),
        valid_session.map(_encode),
        valid_session.map(_encode),
    )
    streams: Counter[str] = Counter()

    def check(status: int, content_type: str, content: bytes) -> None:
        if status == 200:
            assert content_type.startswith("text/event-stream")
            events = sse_events(content.decode())
            last = events[-1]
            assert last.get("done") is True or last.get("code") in {409, 429, 502, 503}, events
            streams["done" if last.get("done") else f"error {last['code']}"] += 1
        else:
            assert status in {400, 404}, content
            _error_shape(status, content_type, content)

    statuses = await _run_fuzz(h, "/character/chat", bodies, check)
    print(
        f"chat fuzz: {sum(statuses.values())} requests, statuses {dict(statuses)}, streams {dict(streams)}"
    )
    assert sum(statuses.values()) >= EXAMPLES
    assert not any(s >= 500 for s in statuses)
    assert statuses[400] and statuses[404] and statuses[200] >= 100
    assert streams["done"] == statuses[200], "every accepted message was answered"
    assert not h.service.services.streams.active
