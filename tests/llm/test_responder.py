"""The LLM responder's two transports: the lean client, and httpx when a
proxy applies (through a real forward proxy on loopback)."""

from __future__ import annotations

import functools
import math
import urllib.parse
from collections.abc import Callable

import pytest
import trio

from falsafa.config import Settings
from falsafa.llm import PUBLIC_MESSAGES, LLMError, LLMResponder, Prompt
from tests.peers.openai import OpenAIPeer, Script

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
    llm.script(tokens=["Bah", " humbug"], finish_reason="content_filter", done_delay=math.inf)
    assert await _timed_reply(responder) == (
        ["Bah", " humbug"],
        "content_filter",
        pytest.approx(0, abs=0.1),
    )
    assert proxy.targets == [f"{llm.base_url}/chat/completions"]
    llm.script(status=500)
    with pytest.raises(LLMError, match="answered HTTP 500"):
        await _reply(responder)
    await responder.aclose()


async def _timed_reply(responder: LLMResponder) -> tuple[list[str], str | None, float]:
    started = trio.current_time()
    async with responder.stream(PROMPT) as tokens:
        got = [token async for token in tokens]
    return got, tokens.finish_reason, trio.current_time() - started


async def test_the_reply_is_complete_at_its_finish_reason(
    make_settings: Callable[..., Settings], llm: OpenAIPeer, clear_proxies: pytest.MonkeyPatch
) -> None:
    responder = LLMResponder(make_settings(llm=llm, llm_timeout=2, llm_idle_timeout=2))
    # finish_reason, then silence: no [DONE], the connection kept open
    llm.script(tokens=["Bah", "."], finish_reason="length", done_delay=math.inf)
    assert await _timed_reply(responder) == (["Bah", "."], "length", pytest.approx(0, abs=0.1))
    # the finish chunk and [DONE] in HTTP chunks of their own
    llm.script(tokens=["Humbug"], done_apart=True)
    got, reason, _ = await _timed_reply(responder)
    assert (got, reason) == (["Humbug"], "stop")
    await responder.aclose()


@pytest.mark.parametrize(
    ("script", "kind"),
    [
        (Script(first_token_delay=5, ping_interval=0.05), "timeout"),
        (Script(tokens=["a", "b"], stall_after=1, ping_interval=0.05), "idle"),
    ],
    ids=["before-the-first-token", "mid-reply"],
)
async def test_comment_lines_renew_no_deadline(
    make_settings: Callable[..., Settings],
    llm: OpenAIPeer,
    clear_proxies: pytest.MonkeyPatch,
    script: Script,
    kind: str,
) -> None:
    responder = LLMResponder(make_settings(llm=llm, llm_timeout=0.4, llm_idle_timeout=0.3))
    llm.script(script)
    started = trio.current_time()
    with pytest.raises(LLMError) as info:
        await _reply(responder)
    elapsed = trio.current_time() - started
    assert info.value.kind == kind
    assert 0.3 <= elapsed < 0.7, elapsed
    assert llm.streams[-1].pings_sent >= 5, "the peer kept pinging all along"
    await responder.aclose()


async def test_an_unreachable_model_is_named_without_its_address(
    make_settings: Callable[..., Settings], clear_proxies: pytest.MonkeyPatch
) -> None:
    with trio.socket.socket() as probe:
        await probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: refused
        settings = make_settings(openai_api_key="k", openai_base_url=f"http://127.0.0.1:{port}/v1")
        responder = LLMResponder(settings)
        with pytest.raises(LLMError) as info:
            await _reply(responder)
    assert str(info.value) == "the language model is unreachable"
    assert f"127.0.0.1:{port}" in info.value.detail, "the detail, for the log, has it"
    await responder.aclose()


def test_an_llm_error_says_only_its_public_message() -> None:
    error = LLMError("status", '{"error": {"message": "quota of org-42 exceeded"}}', status=429)
    assert str(error) == "the language model answered HTTP 429"
    assert "org-42" in error.detail and error.status == 429
    assert set(PUBLIC_MESSAGES) == {
        "status",
        "timeout",
        "idle",
        "connection",
        "dropped",
        "stream_error",
        "completion",
    }
    with pytest.raises(ValueError, match="unknown LLM error kind"):
        LLMError("mystery")
