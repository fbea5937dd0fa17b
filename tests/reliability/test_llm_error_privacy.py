"""What a reader is told when the LLM fails: a short public message, never
the LLM's host, port or the upstream's own words. Those go to the log, with
the request id. Every error path is driven through a real service and its
whole HTTP answer scanned."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import httpx
import pytest
import trio

from falsafa.config import Settings
from falsafa.llm import PUBLIC_MESSAGES
from tests.chat.conftest import ReadyBook
from tests.conftest import StartService
from tests.peers.openai import OpenAIPeer, Script
from tests.reliability.conftest import JsonLines
from tests.support import chat_body, sse_events

pytestmark = pytest.mark.reliability

# Upstream words no reader may see (an internal node, an org id, a quota).
LEAK = "node gpu-7.internal org-4242 quota exceeded"
PUBLIC = {m.format(status=s) for m in PUBLIC_MESSAGES.values() for s in (400, 401, 429, 500, 503)}

PATHS = {
    "http-500": Script(status=500, error_message=LEAK),
    "http-400": Script(status=400, error_message=LEAK),
    "http-401": Script(status=401, error_message=LEAK),
    "http-429": Script(status=429, error_message=LEAK),
    "http-503": Script(status=503, error_message=LEAK),
    "error-inside-the-stream": Script(tokens=["a"], stream_error=LEAK),
    "dropped-mid-stream": Script(tokens=["a", "b"], drop_after=1),
    "silent-before-headers": Script(headers_delay=10),
    "pinging-before-the-first-token": Script(first_token_delay=10, ping_interval=0.05),
    "stalled-mid-stream": Script(tokens=["a", "b"], stall_after=1, ping_interval=0.05),
    "finish-never-comes": Script(tokens=["a"], done_delay=math.inf, finish_reason=""),
}


async def _chat_answer(url: str, body: dict[str, object]) -> tuple[str, str]:
    """The whole HTTP answer (head and body) as text, and its request id."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        with trio.fail_after(10):
            async with client.stream("POST", "/character/chat", json=body) as response:
                raw = (await response.aread()).decode()
        head = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        return f"{response.status_code}\n{head}\n\n{raw}", response.headers["x-request-id"]


def _assert_private(answer: str, host: str, port: int, *, numbers: bool = False) -> None:
    """``numbers``: the text is full of figures (``/metrics``), where the port's
    digits may occur inside a timestamp; there it is looked for as a port."""
    bare = () if numbers else (str(port),)
    for secret in (LEAK, "gpu-7", "org-4242", host, f":{port}", f"port={port}", *bare):
        assert secret not in answer, f"{secret!r} reached the client:\n{answer}"


@pytest.mark.parametrize("path", list(PATHS))
async def test_no_error_path_tells_the_reader_upstream_details(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    llm: OpenAIPeer,
    ready_book: ReadyBook,
    json_logs: JsonLines,
    path: str,
) -> None:
    service = await start_service(
        make_settings(llm=llm, roles=frozenset({"api"}), llm_timeout=0.5, llm_idle_timeout=0.5)
    )
    _book, session = await ready_book(service)
    llm.script(PATHS[path])
    answer, request_id = await _chat_answer(str(service.url), chat_body(session, "Speak"))
    host, port = llm.url.split("://")[1].split(":")
    _assert_private(answer, host, int(port))
    final = sse_events(answer.split("\n\n", 1)[1])[-1]
    assert final["code"] == 502 and final["error"] in PUBLIC, final
    # The detail is in the log, with the request's id.
    [failure] = [json.loads(x) for x in json_logs.lines if '"msg": "llm failed"' in x]
    assert failure["request_id"] == request_id and failure["detail"]
    if path.startswith("http-") or path == "error-inside-the-stream":
        assert LEAK in failure["detail"], failure
    async with httpx.AsyncClient(base_url=str(service.url)) as client:
        _assert_private((await client.get("/metrics")).text, host, int(port), numbers=True)


async def test_an_unreachable_llm_is_not_named_to_the_reader(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    ready_book: ReadyBook,
    json_logs: JsonLines,
) -> None:
    with trio.socket.socket() as probe:
        await probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: refused
        settings = make_settings(
            roles=frozenset({"api"}),
            openai_api_key="test-key",
            openai_base_url=f"http://127.0.0.1:{port}/v1",
        )
        service = await start_service(settings)
        _book, session = await ready_book(service)
        answer, request_id = await _chat_answer(str(service.url), chat_body(session, "Speak"))
    _assert_private(answer, "127.0.0.1", port)
    assert sse_events(answer.split("\n\n", 1)[1]) == [
        {"error": "the language model is unreachable", "code": 502}
    ]
    [failure] = [json.loads(x) for x in json_logs.lines if '"msg": "llm failed"' in x]
    assert failure["request_id"] == request_id
    assert f"127.0.0.1:{port}" in failure["detail"], "the log names the address"
