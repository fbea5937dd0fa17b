"""Reading the peers' command-line output in tests."""

from __future__ import annotations

import trio

__all__ = ["read_line"]


async def read_line(stream: trio.abc.ReceiveStream) -> str:
    """One line (e.g. ``listening on http://...``) from a child process's stdout."""
    data = b""
    while not data.endswith(b"\n"):
        piece = await stream.receive_some()
        if not piece:
            break
        data += piece
    return data.decode().strip()
