"""``falsafa dev``: what the frontend does in production, for local runs.

Usage::

    falsafa dev create-book --title "A Christmas Carol"        # {"book_id": ..., "user_id": ...}
    falsafa dev create-session --book-id B --user-id U --rank 0
    falsafa dev create-session --book-id B --user-id U --character Scrooge
    falsafa dev characters --book-id B [--json]                  # the whole cast, by rank
    falsafa dev chapters --book-id B [--json]                    # the ordinals reading_chapter takes
    falsafa dev wait --book-id B [--timeout 120]                 # until completed or failed
    falsafa dev chat --book-id B --character Darcy [--position 0.5 | --chapter 3] "Hello"

In production the frontend inserts the ``books`` row before it calls
``POST /character/processing``, and creates ``chat_sessions`` before
``POST /character/chat``; the backend never does either. These commands
stand in for it against the configured store (the same environment variables
as ``falsafa serve``), so ``scripts/dev.sh`` and a developer with ``curl``
can drive the whole flow. Output meant for scripts is one JSON object.
``chat`` streams one reply from the service ``scripts/dev.sh`` runs on the
same store (``falsafa.devstack``), in the local reader's session with that
character, so consecutive calls are one conversation.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import trio

from falsafa.book import WORD_RE
from falsafa.config import ConfigError, Settings
from falsafa.devstack import LOCAL_READER, ChatFailed, DevStack, NoStack, stream_reply
from falsafa.store import (
    Book,
    CastMember,
    CharacterRecord,
    ChatSession,
    Store,
    StoreError,
    store_for,
)

__all__ = ["DevError", "cast_lines", "cast_of_book", "main", "pick_character"]


# Seconds for one reply, first token to last (the service bounds the LLM).
CHAT_TIMEOUT = 300.0


class DevError(Exception):
    """A request this command cannot carry out; the message says why."""


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a UUID: {value!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="falsafa dev",
        description="Stand-ins for the frontend: create books and chat sessions in the store.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    book = commands.add_parser("create-book", help="insert a book row (status pending)")
    book.add_argument("--title", required=True)
    book.add_argument("--user-id", type=_uuid, help="owner (default: a new UUID)")
    book.add_argument("--book-id", type=_uuid, help="the book's id (default: a new UUID)")

    session = commands.add_parser("create-session", help="create a chat session with a character")
    session.add_argument("--book-id", type=_uuid, required=True)
    session.add_argument("--user-id", type=_uuid, help="must own the book (default: its owner)")
    who = session.add_mutually_exclusive_group()
    who.add_argument("--rank", type=int, default=0, help="0 = the main character (default)")
    who.add_argument(
        "--character", metavar="NAME", help="a name, an alias or a unique part of one, any case"
    )

    characters = commands.add_parser("characters", help="list a book's whole cast by rank")
    characters.add_argument("--book-id", type=_uuid, required=True)
    characters.add_argument("--json", action="store_true", help="one JSON object per line")

    chapters = commands.add_parser(
        "chapters", help="list a book's chapters: the ordinals reading_chapter takes"
    )
    chapters.add_argument("--book-id", type=_uuid, required=True)
    chapters.add_argument("--json", action="store_true", help="one JSON object per line")

    chat = commands.add_parser("chat", help="stream one reply from the local service")
    chat.add_argument("--book-id", type=_uuid, required=True)
    chat.add_argument(
        "--character", metavar="NAME", help="a name or a unique part of one (default: rank 1)"
    )
    where = chat.add_mutually_exclusive_group()
    where.add_argument("--position", type=float, help="reading_position: fraction read, 0..1")
    where.add_argument("--chapter", type=int, help="reading_chapter: last chapter read, from 1")
    chat.add_argument("message")

    wait = commands.add_parser("wait", help="wait until a book is completed (exit 0) or failed")
    wait.add_argument("--book-id", type=_uuid, required=True)
    wait.add_argument("--timeout", type=float, default=120.0, help="seconds (default 120)")
    return parser


async def _create_book(store: Store, args: argparse.Namespace) -> int:
    book = Book(
        id=args.book_id or uuid.uuid4(), user_id=args.user_id or uuid.uuid4(), title=args.title
    )
    await store.create_book(book)
    _print_json({"book_id": str(book.id), "user_id": str(book.user_id)})
    return 0


def _words(name: str) -> tuple[str, ...]:
    return tuple(WORD_RE.findall(name.casefold()))


def _matches(name: str, names: tuple[str, ...]) -> tuple[bool, bool]:
    """(exact, part): ``name`` is one of ``names`` (any case), or its words
    stand in a row in one of them ("Darcy" in "Mr. Darcy", "ebenezer s" not)."""
    wanted = _words(name)
    exact = any(_words(n) == wanted for n in names)
    part = bool(wanted) and any(
        _words(n)[i : i + len(wanted)] == wanted for n in names for i in range(len(_words(n)))
    )
    return exact, part


def pick_character(
    characters: list[CharacterRecord], name: str, cast: tuple[CastMember, ...] = ()
) -> CharacterRecord:
    """The one character ``name`` means: an exact name or alias first, else
    the only one with ``name`` as part of a name ("Darcy" -> "Mr. Darcy").
    ``DevError`` says why not: no such name, several candidates, or a cast
    member with too little material for a persona."""
    found = [(c, *_matches(name, (c.name, *c.aliases))) for c in characters]
    exact = [c for c, is_exact, _ in found if is_exact]
    partial = [c for c, _, is_part in found if is_part]
    if len(exact) == 1 or (not exact and len(partial) == 1):
        return (exact or partial)[0]
    if len(exact) > 1 or len(partial) > 1:
        names = "; ".join(
            f"{c.name} ({', '.join(c.aliases) or 'no aliases'})" for c in exact or partial
        )
        raise DevError(f"{name!r} could be any of: {names}; give a longer name")
    for member in cast:
        if any(_matches(name, (member.name, *member.aliases))):
            raise DevError(
                f"{member.name} has no persona ({_plural(member.lines, 'line')}, too little to speak"
                f" for them); these have one: {', '.join(c.name for c in characters[:12])}"
            )
    known = ", ".join(c.name for c in characters[:12])
    raise DevError(f"no character named {name!r} (top characters: {known})")


def _pick(
    characters: list[CharacterRecord], rank: int, name: str | None, cast: tuple[CastMember, ...]
) -> CharacterRecord:
    if name is not None:
        return pick_character(characters, name, cast)
    if not 0 <= rank < len(characters):
        raise DevError(f"--rank {rank} is out of range: the book has {len(characters)} characters")
    return characters[rank]


async def _book(store: Store, book_id: uuid.UUID) -> Book:
    book = await store.get_book(book_id)
    if book is None:
        raise DevError(f"book {book_id} does not exist")
    return book


async def _create_session(store: Store, args: argparse.Namespace) -> int:
    book = await _book(store, args.book_id)
    user_id = args.user_id or book.user_id
    if user_id != book.user_id:
        raise DevError(f"book {book.id} belongs to user {book.user_id}, not {user_id}")
    characters = await store.list_characters(book.id)
    if not characters:
        raise DevError(
            f"book {book.id} has no characters (processing_status={book.processing_status})"
        )
    character = _pick(characters, args.rank, args.character, book.cast)
    session = ChatSession(
        id=uuid.uuid4(), user_id=user_id, book_id=book.id, character_id=character.id
    )
    await store.create_session(session)
    _print_json(
        {
            "session_id": str(session.id),
            "character_id": str(character.id),
            "character_name": character.name,
            "book_id": str(book.id),
            "user_id": str(user_id),
        }
    )
    return 0


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def cast_of_book(book: Book, characters: list[CharacterRecord]) -> list[CastMember]:
    """The book's whole cast; for a book processed before the cast was
    stored, its persona characters."""
    if book.cast:
        return list(book.cast)
    return [CastMember(c.name, tuple(c.aliases), 0, c.mention_count, c.id) for c in characters]


def cast_lines(cast: list[CastMember]) -> list[str]:
    """One line per character: rank, lines spoken, name (aliases), and the
    id to chat with (``-``: no persona)."""
    out = []
    for rank, member in enumerate(cast, start=1):
        aliases = ", ".join(a for a in member.aliases if a != member.name)
        name = f"{member.name} ({aliases})" if aliases else member.name
        chat = str(member.character_id) if member.character_id else "-"
        out.append(f"{rank:>4}  {_plural(member.lines, 'line'):>11}  {chat:<36}  {name}")
    return out


async def _characters(store: Store, args: argparse.Namespace) -> int:
    book = await _book(store, args.book_id)
    cast = cast_of_book(book, await store.list_characters(args.book_id))
    if args.json:
        for rank, member in enumerate(cast, start=1):
            _print_json({"rank": rank, **member.to_json()})
    else:
        print("\n".join(cast_lines(cast)))
    return 0


async def _chapters(store: Store, args: argparse.Namespace) -> int:
    book = await _book(store, args.book_id)
    if book.layout is None:
        raise DevError(f"book {book.id} has no chapter list yet (status {book.processing_status})")
    length = max(1, book.layout.length)
    for chapter in book.layout.chapters:
        start = round(chapter.start / length, 4)
        if args.json:
            _print_json(
                {"reading_chapter": chapter.number, "title": chapter.title, "starts_at": start}
            )
        else:
            print(f"{chapter.number:>4}  {start:>7.1%}  {chapter.title}")
    return 0


async def _wait(store: Store, args: argparse.Namespace) -> int:
    book = await _book(store, args.book_id)
    with trio.move_on_after(args.timeout):
        while book.processing_status not in {"completed", "failed"}:
            await trio.sleep(0.2)
            book = await _book(store, args.book_id)
    status = book.processing_status
    _print_json({"book_id": str(book.id), "status": status, "error": book.processing_error})
    if status == "completed":
        return 0
    if status == "failed":
        raise DevError(f"processing failed: {book.processing_error}")
    raise DevError(f"still {status} after {args.timeout:g} s")


async def _chat(store: Store, args: argparse.Namespace) -> int:
    settings: Settings = args.settings
    stack = DevStack.for_store(settings.sqlite_path)
    book = await _book(store, args.book_id)
    characters = await store.list_characters(book.id)
    if not characters:
        raise DevError(
            f"book {book.id} has no characters (processing_status={book.processing_status})"
        )
    character = _pick(characters, 0, args.character, book.cast)
    # One session per reader and character: the next call continues the talk.
    session_id = uuid.uuid5(LOCAL_READER, f"session:{book.id}:{character.id}:{book.user_id}")
    if await store.get_session(session_id) is None:
        await store.create_session(ChatSession(session_id, book.user_id, book.id, character.id))
    body: dict[str, Any] = {
        "user_id": str(book.user_id),
        "book_id": str(book.id),
        "character_id": str(character.id),
        "session_id": str(session_id),
        "user_message": args.message,
    }
    if args.position is not None:
        body["reading_position"] = args.position
    if args.chapter is not None:
        body["reading_chapter"] = args.chapter
    headers = {"X-Falsafa-Secret": settings.api_secret} if settings.api_secret else {}
    print(f"{character.name}: ", end="", flush=True)
    async with httpx.AsyncClient(headers=headers, timeout=CHAT_TIMEOUT, trust_env=False) as client:
        try:
            await stream_reply(client, stack, body, out=sys.stdout)
        except ChatFailed as exc:
            print(flush=True)
            raise DevError(str(exc)) from None
        except httpx.HTTPError as exc:
            print(flush=True)
            raise DevError(f"the service at {stack.service} did not answer: {exc!r}") from None
    return 0


_COMMANDS: dict[str, Callable[[Store, argparse.Namespace], Awaitable[int]]] = {
    "create-book": _create_book,
    "create-session": _create_session,
    "characters": _characters,
    "chapters": _chapters,
    "chat": _chat,
    "wait": _wait,
}


def _print_json(doc: dict[str, Any]) -> None:
    print(json.dumps(doc), flush=True)


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    args.settings = settings
    store = store_for(settings)
    try:
        return await _COMMANDS[args.command](store, args)
    finally:
        await store.aclose()


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as exc:
        print(f"falsafa dev: configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        return trio.run(_run, settings, args)
    except DevError as exc:
        print(f"falsafa dev {args.command}: {exc}", file=sys.stderr)
        return 1
    except StoreError as exc:
        print(f"falsafa dev {args.command}: store error: {exc}", file=sys.stderr)
        return 1
    except NoStack as exc:
        print(f"falsafa dev {args.command}: {exc}", file=sys.stderr)
        return 1
