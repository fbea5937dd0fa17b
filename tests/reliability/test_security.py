"""The trust boundary's guards: the shared-secret header and secrets kept out of logs."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from falsafa.config import Settings
from tests.chat.conftest import ReadyBook
from tests.conftest import StartService
from tests.peers.openai import OpenAIPeer
from tests.reliability.conftest import JsonLines
from tests.support import chat_body

pytestmark = pytest.mark.reliability

SECRET = "shared-Secret-7f3a9c1e5b"
LLM_KEY = "sk-live-9bXq2LmN4pRt6vWy8zA1"
SUPABASE_KEY = "eyJhbGciOiJIUzI1NiJ9.service-role.c2lnbmF0dXJl"
REFUSED = {"error": "missing or wrong X-Falsafa-Secret", "code": 401}


async def test_shared_secret_guards_both_business_endpoints(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    llm: OpenAIPeer,
    ready_book: ReadyBook,
) -> None:
    service = await start_service(
        make_settings(llm=llm, roles=frozenset({"api"}), api_secret=SECRET)
    )
    _book, session = await ready_book(service)
    async with httpx.AsyncClient(base_url=str(service.url)) as client:
        for path, body in (
            ("/character/processing", {}),
            ("/character/chat", chat_body(session, "hi")),
        ):
            wrong: list[dict[bytes, bytes]] = [
                {},
                {b"X-Falsafa-Secret": b""},
                {b"X-Falsafa-Secret": SECRET[:-1].encode()},
                {b"X-Falsafa-Secret": SECRET.encode() + b"x"},
                {b"X-Falsafa-Secret": SECRET.upper().encode()},
                {b"X-Falsafa-Secret": b"\xe9" + SECRET.encode()},
                {b"Authorization": f"Bearer {SECRET}".encode()},
            ]
            for headers in wrong:
                response = await client.post(path, json=body, headers=headers)
                assert (response.status_code, response.json()) == (401, REFUSED), headers
            # Unknown methods on guarded routes are refused before routing, too.
            response = await client.get(path)
            assert (response.status_code, response.json()) == (401, REFUSED)
        ok = {"X-Falsafa-Secret": SECRET}
        response = await client.post("/character/processing", json={}, headers=ok)
        assert (response.status_code, response.json()) == (
            400,
            {"error": "missing field: book_id", "code": 400},
        )
        async with client.stream(
            "POST", "/character/chat", json=chat_body(session, "hi"), headers=ok
        ) as r:
            assert r.status_code == 200 and r.headers["content-type"].startswith(
                "text/event-stream"
            )
            await r.aread()
        # Probes and scrapers stay open.
        assert (await client.get("/health")).status_code == 200
        assert (await client.get("/metrics")).status_code == 200


async def test_secrets_never_reach_the_logs(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    llm: OpenAIPeer,
    ready_book: ReadyBook,
    json_logs: JsonLines,
) -> None:
    settings = make_settings(
        llm=llm,
        roles=frozenset({"api"}),
        api_secret=SECRET,
        openai_api_key=LLM_KEY,
        supabase_key=SUPABASE_KEY,
    )
    assert SECRET not in repr(settings) and LLM_KEY not in repr(settings)
    assert SUPABASE_KEY not in repr(settings)
    service = await start_service(settings)
    _book, session = await ready_book(service)
    # The upstream echoes the key in its error, as OpenAI's 401 does.
    llm.script(status=401, error_message=f"Incorrect API key provided: {LLM_KEY}.")
    async with httpx.AsyncClient(
        base_url=str(service.url), headers={"X-Falsafa-Secret": SECRET}
    ) as client:
        async with client.stream("POST", "/character/chat", json=chat_body(session, "hi")) as r:
            raw = (await r.aread()).decode()
        assert LLM_KEY not in raw
        await client.post("/character/processing", json={}, headers={"X-Falsafa-Secret": LLM_KEY})
    assert llm.requests[-1].headers["authorization"] == f"Bearer {LLM_KEY}", "the key was used"
    logged = "\n".join(json_logs.lines)
    assert '"msg": "llm failed"' in logged, "the failure was logged..."
    for secret in (SECRET, LLM_KEY, SUPABASE_KEY):
        assert secret not in logged, "...without the secret"
