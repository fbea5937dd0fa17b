"""The LLM responder's two transports: the lean client, and httpx when a
proxy applies (through a real forward proxy on loopback)."""

from __future__ import annotations

import functools
import urllib.parse
from collections.abc import Callable

import pytest
import trio

from falsafa.config import Settings
from falsafa.llm import LLMError, LLMResponder, Prompt
from tests.peers.openai import OpenAIPeer

PROMPT = Prompt(messages=[{"role": "user", "content": "Hi"}], character_name="X", user_message="Hi")


async def _reply(responder: LLMResponder) -> list[str]:
    async with responder.stream(PROMPT) as tokens:
        return [token async for token in tokens]


class ForwardProxy:
    """An HTTP forward proxy: absolute-form request line rewritten, bytes relayed."""

    def __init__(self) -> None:
        self.targets: list[str] = []

    async def handle(self, client: trio.SocketStream) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            more = await client.receive_some(65536)
            if not more:
                return
            data += more
        line, _, rest = data.partition(b"\r\n")
        method, target, version = line.split(b" ")
        url = urllib.parse.urlsplit(target.decode())
        self.targets.append(target.decode())
        upstream = await trio.open_tcp_stream(url.hostname or "", url.port or 80)
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        # One request per connection (the upstream closes after answering),
        # so no later request line on it needs rewriting.
        head = b" ".join([method, path.encode(), version]) + b"\r\nConnection: close\r\n"
        await upstream.send_all(head + rest)
        async with trio.open_nursery() as nursery:

            async def pump(source: trio.SocketStream, sink: trio.SocketStream) -> None:
                try:
                    while chunk := await source.receive_some(65536):
                        await sink.send_all(chunk)
                except trio.BrokenResourceError:
                    pass
                nursery.cancel_scope.cancel()

            nursery.start_soon(pump, client, upstream)
            nursery.start_soon(pump, upstream, client)
        await upstream.aclose()


@pytest.fixture
def clear_proxies(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


async def test_streams_through_the_lean_client_without_a_proxy(
    make_settings: Callable[..., Settings], llm: OpenAIPeer, clear_proxies: pytest.MonkeyPatch
) -> None:
    responder = LLMResponder(make_settings(llm=llm))
    assert responder.upstream is not None and responder.http is None
    llm.script(tokens=["Bah", " humbug"])
    assert await _reply(responder) == ["Bah", " humbug"]
    await responder.aclose()


async def test_streams_through_httpx_when_a_proxy_applies(
    make_settings: Callable[..., Settings],
    llm: OpenAIPeer,
    clear_proxies: pytest.MonkeyPatch,
    nursery: trio.Nursery,
) -> None:
    proxy = ForwardProxy()
    serve = functools.partial(trio.serve_tcp, host="127.0.0.1")
    listeners = await nursery.start(serve, proxy.handle, 0)
    port = listeners[0].socket.getsockname()[1]
    clear_proxies.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    responder = LLMResponder(make_settings(llm=llm))
    assert responder.http is not None and responder.upstream is None
    llm.script(tokens=["Bah", " humbug"])
    assert await _reply(responder) == ["Bah", " humbug"]
    assert proxy.targets == [f"{llm.base_url}/chat/completions"]
    llm.script(status=500)
    with pytest.raises(LLMError, match="answered HTTP 500"):
        await _reply(responder)
    await responder.aclose()
