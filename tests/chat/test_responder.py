"""LLMResponder: the request it sends, and what it keeps while a reply streams."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

import httpx

from falsafa.chat.context import Prompt
from falsafa.chat.responder import LLMResponder
from falsafa.config import Settings

SSE = (
    b'data: {"choices": [{"delta": {"content": "Bah"}}]}\n\n'
    b'data: {"choices": [{"delta": {"content": " humbug"}}]}\n\n'
    b"data: [DONE]\n\n"
)


async def test_body_is_sent_whole_then_dropped(make_settings: Callable[..., Settings]) -> None:
    settings = dataclasses.replace(
        make_settings(), openai_api_key="k", openai_base_url="http://llm.test/v1"
    )
    seen: list[httpx.Request] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        await request.aread()
        seen.append(request)
        return httpx.Response(200, content=SSE, headers={"Content-Type": "text/event-stream"})

    responder = LLMResponder(settings)
    await responder.http.aclose()
    responder.http = httpx.AsyncClient(
        base_url="http://llm.test/v1/", transport=httpx.MockTransport(answer)
    )
    prompt = Prompt(
        messages=[{"role": "user", "content": "Christmas?"}], character_name="S", user_message="?"
    )
    try:
        reply = responder.stream(prompt)
        async with reply as tokens:
            body = seen[0].content
            assert seen[0].headers["Content-Length"] == str(len(body))
            assert "Transfer-Encoding" not in seen[0].headers
            sent = json.loads(body)
            assert sent["messages"] == prompt.messages and sent["stream"] is True
            # Nothing of the encoded prompt stays referenced while it streams.
            assert reply.gen.ag_frame.f_locals["body"].data == b""  # type: ignore[attr-defined]
            assert [t async for t in tokens] == ["Bah", " humbug"]
    finally:
        await responder.aclose()
