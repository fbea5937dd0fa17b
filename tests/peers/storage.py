"""A loopback file-storage peer that speaks Supabase Storage's download API.

Usage::

    async with open_storage_peer() as storage:
        url = storage.put("books/abc.txt", b"Call me Ishmael.")
        # url == f"{storage.url}/storage/v1/object/public/books/abc.txt"
        storage.put("books/slow.txt", body, delay=0.5, chunk_delay=0.1, chunk_size=1024)
        storage.put("books/cut.txt", body, drop_after_bytes=100)   # TCP closed mid-body
        storage.put("books/moved.txt", b"", redirect_to=url)        # 302
        storage.fail_next(2, status=503)                            # next two requests fail
        storage.requests[-1].headers["user-agent"]

From the command line, for benchmarks and local runs (serves files of DIR as
objects of the bucket)::

    python -m tests.peers.storage --port 9000 --dir ../shared/data/books --bucket books

Routes, as Supabase Storage has them: ``GET``/``HEAD``
``/storage/v1/object/public/{bucket}/{path}`` (no credentials), and
``/storage/v1/object/{bucket}/{path}`` or ``/storage/v1/object/authenticated/...``
(``Authorization: Bearer ...`` required, 400 without, as Supabase answers).
Errors carry Supabase's JSON body, e.g. ``{"statusCode": "404", "error":
"not_found", "message": "Object not found"}``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import mimetypes
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote, urljoin

import trio

from tests.peers._http import Exchange, Header, serve_http

__all__ = ["StorageObject", "StoragePeer", "StorageRequest", "main", "open_storage_peer"]

_PREFIX = "/storage/v1/object/"
_LAST_MODIFIED = "Mon, 01 Jan 2024 00:00:00 GMT"


@dataclass(frozen=True, slots=True, kw_only=True)
class StorageObject:
    """One stored object and how to (mis)serve it."""

    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    status: int = 200
    delay: float = 0.0
    """Seconds to wait before sending the status line and headers."""
    chunk_delay: float = 0.0
    """Seconds to wait between two chunks of the body."""
    chunk_size: int = 65536
    redirect_to: str | None = None
    """Answer 302 with this ``Location`` (a full URL or a path on this peer)."""
    drop_after_bytes: int | None = None
    """Close the TCP connection after this many body bytes, without finishing."""
    content_length: bool = True
    """False: no ``content-length``, chunked transfer encoding."""


@dataclass(frozen=True, slots=True)
class StorageRequest:
    """A request as the peer saw it (header names in lower case)."""

    method: str
    path: str
    headers: dict[str, str]
    connection: int
    at: float


class StoragePeer:
    """The running peer; see the module docstring. Create with ``open_storage_peer``."""

    def __init__(self, *, service_key: str | None = None) -> None:
        self.url = ""
        self.requests: list[StorageRequest] = []
        self.record = True
        self._objects: dict[str, StorageObject] = {}
        self._directories: dict[str, Path] = {}
        self._service_key = service_key
        self._failures: list[tuple[int, float | None]] = []

    def put(
        self,
        path: str,
        body: bytes,
        *,
        content_type: str = "text/plain; charset=utf-8",
        status: int = 200,
        delay: float = 0.0,
        chunk_delay: float = 0.0,
        chunk_size: int = 65536,
        redirect_to: str | None = None,
        drop_after_bytes: int | None = None,
        content_length: bool = True,
    ) -> str:
        """Store ``body`` at ``bucket/name...``; return its public URL."""
        bucket, _, name = path.strip("/").partition("/")
        if not bucket or not name:
            raise ValueError(f"path must be 'bucket/name', not {path!r}")
        if chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        self._objects[f"{bucket}/{name}"] = StorageObject(
            body=body,
            content_type=content_type,
            status=status,
            delay=delay,
            chunk_delay=chunk_delay,
            chunk_size=chunk_size,
            redirect_to=redirect_to,
            drop_after_bytes=drop_after_bytes,
            content_length=content_length,
        )
        return self.public_url(path)

    def remove(self, path: str) -> None:
        """Forget an object (later requests get 404)."""
        self._objects.pop(path.strip("/"), None)

    def public_url(self, path: str) -> str:
        """``{url}/storage/v1/object/public/{path}``, percent-encoded."""
        return f"{self.url}{_PREFIX}public/{quote(path.strip('/'))}"

    def authenticated_url(self, path: str) -> str:
        """``{url}/storage/v1/object/{path}``: needs ``Authorization: Bearer``."""
        return f"{self.url}{_PREFIX}{quote(path.strip('/'))}"

    def fail_next(self, n: int, status: int = 503, *, retry_after: float | None = None) -> None:
        """Answer the next ``n`` requests, whatever they ask, with ``status``."""
        self._failures.extend([(status, retry_after)] * n)

    def serve_directory(self, directory: str | Path, bucket: str) -> None:
        """Serve the files under ``directory`` as objects of ``bucket`` (read per request)."""
        self._directories[bucket] = Path(directory).resolve()

    async def _handle(self, exchange: Exchange) -> None:
        request = exchange.request
        if self.record:
            self.requests.append(
                StorageRequest(
                    request.method,
                    request.path,
                    request.headers,
                    request.connection,
                    request.received_at,
                )
            )
        if self._failures:
            status, retry_after = self._failures.pop(0)
            extra = [] if retry_after is None else [("retry-after", _seconds(retry_after))]
            await _error(exchange, status, HTTPStatus(status).phrase, "Injected failure", extra)
            return
        if not request.path.startswith(_PREFIX):
            message = f"Route {request.method}:{request.path} not found"
            await _error(exchange, 404, "Not Found", message)
            return
        if request.method not in ("GET", "HEAD"):
            await _error(exchange, 405, "Method Not Allowed", "Only GET and HEAD are served")
            return
        rest = request.path[len(_PREFIX) :]
        if rest.startswith("public/"):
            key = rest[len("public/") :]
        else:
            key = rest.removeprefix("authenticated/")
            if not await self._authorized(exchange):
                return
        obj = await self._lookup(key)
        if obj is None:
            await _error(exchange, 404, "not_found", "Object not found")
            return
        await self._serve(exchange, key, obj)

    async def _authorized(self, exchange: Exchange) -> bool:
        authorization = exchange.request.headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            message = "headers must have required property 'authorization'"
            await _error(exchange, 400, "Error", message)
            return False
        if self._service_key is not None and token.strip() != self._service_key:
            await _error(exchange, 400, "Unauthorized", "invalid signature", status_in_body=403)
            return False
        return True

    async def _lookup(self, key: str) -> StorageObject | None:
        obj = self._objects.get(key)
        if obj is not None:
            return obj
        bucket, _, name = key.partition("/")
        root = self._directories.get(bucket)
        if root is None or not name:
            return None
        body = await trio.to_thread.run_sync(_read_inside, root, name)
        if body is None:
            return None
        guessed, _ = mimetypes.guess_type(name)
        if guessed is None or guessed == "text/plain":
            content_type = "text/plain; charset=utf-8"
        else:
            content_type = guessed
        return StorageObject(body=body, content_type=content_type)

    async def _serve(self, exchange: Exchange, key: str, obj: StorageObject) -> None:
        if obj.delay:
            await trio.sleep(obj.delay)
        if obj.redirect_to is not None:
            location = urljoin(self.url + "/", obj.redirect_to)
            await exchange.respond(302, [("location", location)])
            return
        body = obj.body
        headers: list[Header] = [
            ("content-type", obj.content_type),
            ("cache-control", "max-age=3600"),
            ("etag", f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'),
            ("last-modified", _LAST_MODIFIED),
        ]
        length = len(body) if obj.content_length else None
        await exchange.start(obj.status, headers, content_length=length)
        if exchange.request.method == "HEAD":
            await exchange.end()
            return
        limit = len(body) if obj.drop_after_bytes is None else min(obj.drop_after_bytes, len(body))
        view = memoryview(body)
        for offset in range(0, limit, obj.chunk_size):
            if offset and obj.chunk_delay:
                await trio.sleep(obj.chunk_delay)
            await exchange.send(bytes(view[offset : min(offset + obj.chunk_size, limit)]))
        if obj.drop_after_bytes is not None:
            await exchange.abort()
        await exchange.end()


@asynccontextmanager
async def open_storage_peer(
    *, host: str = "127.0.0.1", port: int = 0, service_key: str | None = None
) -> AsyncIterator[StoragePeer]:
    """Run a storage peer for the duration of the block.

    ``service_key``: when set, the authenticated routes accept only this bearer
    token; otherwise any bearer token is accepted.
    """
    peer = StoragePeer(service_key=service_key)
    async with serve_http(peer._handle, host=host, port=port) as server:
        peer.url = server.url
        yield peer


async def _error(
    exchange: Exchange,
    status: int,
    error: str,
    message: str,
    headers: list[Header] | None = None,
    *,
    status_in_body: int | None = None,
) -> None:
    body = {"statusCode": str(status_in_body or status), "error": error, "message": message}
    await exchange.respond(
        status,
        [("content-type", "application/json; charset=utf-8"), *(headers or [])],
        json.dumps(body).encode(),
    )


def _read_inside(root: Path, name: str) -> bytes | None:
    path = (root / name).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path.read_bytes()


def _seconds(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


async def _serve_forever(args: argparse.Namespace) -> None:
    async with open_storage_peer(host=args.host, port=args.port) as storage:
        storage.record = False
        if args.dir is not None:
            storage.serve_directory(args.dir, args.bucket)
        print(f"listening on {storage.url}", flush=True)
        with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for _ in signals:
                break


def main(argv: list[str] | None = None) -> None:
    """Command line: serve a directory as a bucket until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.peers.storage",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--dir", type=Path, help="directory whose files are served")
    parser.add_argument("--bucket", default="books")
    trio.run(_serve_forever, parser.parse_args(argv))


if __name__ == "__main__":
    main()
