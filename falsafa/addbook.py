"""``falsafa add FILE``: your own book through the local service, as the frontend puts one in.

Usage (with ``scripts/dev.sh`` running; ``scripts/dev.sh FILE`` does both)::

    falsafa add path/to/book.txt [--title "My Book"] [--timeout 600]

Exactly the service's path: the file goes into the storage stand-in
``scripts/dev.sh`` serves, the book row is created for the local reader, and
``POST /character/processing`` queues it for the worker. While the job runs
the book row's stage and fraction are shown, as a bar on a terminal (tqdm)
and as plain lines elsewhere. Then the cast: every character found, the
lines each speaks and, for those with a persona, a ready-to-paste
``falsafa dev chat`` command. The same file added again is the same book
(its id comes from the bytes): one already processed is shown at once.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any, Protocol

import httpx
import trio
from tqdm import tqdm

from falsafa.book import UnreadableText, decode_text
from falsafa.config import ConfigError, Settings
from falsafa.devstack import LOCAL_READER, DevStack, NoStack, local_book_id
from falsafa.devtools import cast_lines, cast_of_book
from falsafa.store import Book, Store, StoreError, store_for

__all__ = ["main"]

EXTENSIONS = (".txt", ".md")  # what the service takes
POLL_INTERVAL = 0.2  # seconds between two reads of the book row


class AddFailed(Exception):
    """The book could not be added; the message says why."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="falsafa add",
        description="Put a .txt or .md book through the local service, then show its cast.",
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--title", help="the book's title (default: from the file name)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds (default 600)")
    return parser


class Progress(Protocol):
    def show(self, stage: str, fraction: float) -> None: ...

    def close(self) -> None: ...


class Bar:
    """A bar on a terminal: the stage, the percentage, the time so far."""

    def __init__(self) -> None:
        size = shutil.get_terminal_size()
        self._bar = tqdm(
            total=100,
            file=sys.stderr,
            bar_format="{desc:<11} {percentage:3.0f}%|{bar}| {elapsed}",
            # shutil falls back to $COLUMNS or 80x24 where the terminal says
            # 0x0 (a fresh pseudo-terminal); tqdm would draw nothing there.
            ncols=min(100, size.columns),
            nrows=size.lines,
        )

    def show(self, stage: str, fraction: float) -> None:
        self._bar.set_description_str(stage, refresh=False)
        self._bar.update(round(fraction * 100) - self._bar.n)

    def close(self) -> None:
        self._bar.close()


class Lines:
    """Plain lines for a log or a pipe: one per stage, and every tenth."""

    def __init__(self) -> None:
        self._last: tuple[str, int] | None = None

    def show(self, stage: str, fraction: float) -> None:
        step = (stage, int(fraction * 10))
        if step != self._last:
            self._last = step
            print(f"add: {stage} {fraction:.0%}", file=sys.stderr, flush=True)

    def close(self) -> None:
        pass


def _read(path: Path) -> tuple[bytes, str]:
    if path.suffix.lower() not in EXTENSIONS:
        raise AddFailed(f"{path} is not .txt or .md (the service takes nothing else)")
    try:
        data = path.read_bytes()
        decode_text(data)  # the reason the service would give, before any upload
    except OSError as exc:
        raise AddFailed(f"cannot read {path}: {exc.strerror}") from None
    except UnreadableText as exc:
        raise AddFailed(f"{path}: {exc}") from None
    return data, path.suffix.lower()


def _upload(stack: DevStack, data: bytes, book_id: uuid.UUID, suffix: str) -> str:
    """Put the file where the storage stand-in serves it; its URL."""
    name = f"{book_id}{suffix}"
    target = stack.storage_dir / name
    if not target.exists() or target.read_bytes() != data:
        stack.storage_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(target)
    return f"{stack.storage}/{name}"


async def _submit(client: httpx.AsyncClient, stack: DevStack, book: Book, url: str) -> None:
    body = {"book_id": str(book.id), "user_id": str(book.user_id), "file_url": url}
    try:
        response = await client.post(f"{stack.service}/character/processing", json=body)
    except httpx.HTTPError as exc:
        raise AddFailed(f"the service at {stack.service} did not answer: {exc!r}") from None
    if response.status_code != 202:
        raise AddFailed(
            f"POST /character/processing answered {response.status_code}: {response.text}"
        )


async def _follow(store: Store, book_id: uuid.UUID, progress: Progress, timeout: float) -> Book:
    with trio.move_on_after(timeout):
        while True:
            book = await store.get_book(book_id)
            if book is None:
                raise AddFailed(f"book {book_id} is gone")
            if book.processing_status in {"completed", "failed"}:
                if book.processing_status == "completed":
                    progress.show("done", 1.0)
                return book
            if book.processing_stage is not None:
                progress.show(book.processing_stage, book.processing_progress or 0.0)
            await trio.sleep(POLL_INTERVAL)
    raise AddFailed(f"the book is not processed after {timeout:g} s (see the service log)")


def _title(path: Path) -> str:
    return " ".join(path.stem.replace("_", " ").replace("-", " ").split()).title()


def _chat_command(settings: Settings, book: Book, name: str) -> str:
    # This installation's own command, whatever else PATH holds.
    sibling = Path(sys.executable).with_name("falsafa")
    falsafa = str(sibling) if sibling.exists() else shutil.which("falsafa") or "falsafa"
    words = [
        f"FALSAFA_SQLITE_PATH={shlex.quote(str(settings.sqlite_path.resolve()))}",
        shlex.quote(falsafa),
        "dev chat --book-id",
        str(book.id),
        "--character",
        shlex.quote(name),
        shlex.quote("Who are you, and what do you want?"),
    ]
    return " ".join(words)


def _report(settings: Settings, book: Book, characters: list[Any], already: bool) -> None:
    cast = cast_of_book(book, characters)
    state = "was added before" if already else "is processed"
    print(f'"{book.title}" {state}: book {book.id}, {len(cast)} characters.\n')
    print("\n".join(cast_lines(cast)))
    speaking = [member for member in cast if member.character_id is not None]
    if not speaking:
        print("\nNo character has enough to say for a persona.")
        return
    print(
        "\nTalk with any of them that has a chat id (a name, an alias or a unique part of one),"
        " e.g.:\n"
    )
    print("  " + _chat_command(settings, book, speaking[0].name))
    print("\n(add --position 0.3 or --chapter 5 to talk as a reader who got that far)")


async def _add(settings: Settings, args: argparse.Namespace) -> int:
    stack = DevStack.for_store(settings.sqlite_path)
    data, suffix = _read(args.file)
    book_id = local_book_id(data)
    store = store_for(settings)
    headers = {"X-Falsafa-Secret": settings.api_secret} if settings.api_secret else {}
    try:
        book = await store.get_book(book_id)
        already = book is not None and book.processing_status == "completed"
        if book is None:
            book = Book(book_id, LOCAL_READER, args.title or _title(args.file))
            await store.create_book(book)
        if not already:
            url = _upload(stack, data, book_id, suffix)
            async with httpx.AsyncClient(headers=headers, timeout=30, trust_env=False) as client:
                await _submit(client, stack, book, url)
            progress: Progress = Bar() if sys.stderr.isatty() else Lines()
            try:
                book = await _follow(store, book_id, progress, args.timeout)
            finally:
                progress.close()
            if book.processing_status == "failed":
                raise AddFailed(f"processing failed: {book.processing_error}")
        assert book is not None
        _report(settings, book, await store.list_characters(book_id), already)
    finally:
        await store.aclose()
    return 0


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as exc:
        print(f"falsafa add: configuration error: {exc}", file=sys.stderr)
        return 2
    if settings.store != "sqlite":
        print("falsafa add: runs on the local store (FALSAFA_STORE=sqlite)", file=sys.stderr)
        return 2
    try:
        return trio.run(_add, settings, args)
    except (AddFailed, NoStack) as exc:
        print(f"falsafa add: {exc}", file=sys.stderr)
        return 1
    except StoreError as exc:
        print(f"falsafa add: store error: {exc}", file=sys.stderr)
        return 1
