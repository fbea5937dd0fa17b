"""The local stack ``scripts/dev.sh`` runs, as the ``falsafa add`` and ``falsafa dev chat`` see it.

Usage::

    stack = DevStack.for_store(settings.sqlite_path)   # written by dev.sh beside the store
    stack.service                                       # "http://127.0.0.1:8000"
    stack.storage, stack.storage_dir                    # the stand-in for Supabase storage
    book_id = local_book_id(data)                       # the same file is the same book
    await stream_reply(client, stack, body, out=sys.stdout)   # tokens as they come

``scripts/dev.sh`` writes ``dev-stack.json`` beside the SQLite store it
runs (so a checkout's own ``var/``), and removes it when it stops. The
local reader owns every book ``falsafa add`` puts in; ids come from the
file's bytes, so adding the same book again finds the one already there.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import httpx

__all__ = [
    "LOCAL_READER",
    "STACK_FILE",
    "ChatFailed",
    "DevStack",
    "NoStack",
    "local_book_id",
    "stream_reply",
]

STACK_FILE = "dev-stack.json"
_LOCAL = uuid.UUID("3b8f1f9e-0a51-4f8e-9d3c-5a0f2f6c7e21")
# The owner of the books added locally (the frontend has a signed-in user).
LOCAL_READER = uuid.uuid5(_LOCAL, "local reader")


class NoStack(RuntimeError):
    """No local stack runs for this store; the message says how to start one."""


class ChatFailed(RuntimeError):
    """The service refused the chat request or ended the stream with an error."""


def local_book_id(data: bytes) -> uuid.UUID:
    """The book id of a file's bytes: adding it again finds the same book."""
    return uuid.uuid5(_LOCAL, "book:" + hashlib.sha256(data).hexdigest())


@dataclass(frozen=True, slots=True)
class DevStack:
    service: str  # the service's base URL
    storage: str  # the storage stand-in's base URL: storage/NAME serves storage_dir/NAME
    storage_dir: Path
    store: Path  # the SQLite store the service runs on

    @classmethod
    def for_store(cls, sqlite_path: Path) -> DevStack:
        path = sqlite_path.resolve().parent / STACK_FILE
        hint = "start it with scripts/dev.sh (or scripts/dev.sh FILE, which also adds FILE)"
        try:
            doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NoStack(f"no local service runs on the store {sqlite_path}: {hint}") from None
        except (OSError, ValueError) as exc:
            raise NoStack(f"{path} is unreadable ({exc}): {hint}") from None
        return cls(
            service=str(doc["service"]),
            storage=str(doc["storage"]),
            storage_dir=Path(doc["storage_dir"]),
            store=Path(doc["store"]),
        )

    def write(self, path: Path) -> None:
        doc = {
            "service": self.service,
            "storage": self.storage,
            "storage_dir": str(self.storage_dir),
            "store": str(self.store),
        }
        path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


async def stream_reply(
    client: httpx.AsyncClient, stack: DevStack, body: dict[str, Any], *, out: TextIO
) -> str:
    """POST /character/chat and write each token to ``out`` as it arrives;
    the full reply, or ``ChatFailed`` with the service's words."""
    async with client.stream("POST", f"{stack.service}/character/chat", json=body) as response:
        if response.status_code != 200:
            await response.aread()
            raise ChatFailed(f"HTTP {response.status_code}: {_error(response.text)}")
        async for line in response.aiter_lines():
            if not line.startswith("data:"):
                continue  # blank lines and ": keep-alive" comments
            event = json.loads(line[5:])
            if "token" in event:
                out.write(event["token"])
                out.flush()
            elif event.get("done"):
                out.write("\n")
                return str(event["full_response"])
            elif "error" in event:
                raise ChatFailed(f"{event['error']} (code {event.get('code')})")
    raise ChatFailed("the stream ended without a done event")


def _error(text: str) -> str:
    try:
        return str(json.loads(text)["error"])
    except (ValueError, KeyError, TypeError):
        return text[:200]
