"""``falsafa add FILE``: a local book through the running service, a bar, the cast.

A real service (the ``start_service`` fixture), ``python -m http.server`` as
the storage stand-in ``scripts/dev.sh`` runs, and the stack file dev.sh
writes beside the store. ``falsafa add`` runs as a separate process: under a
pseudo-terminal (``script``) it draws a bar, through a pipe it prints lines.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trio

from falsafa.config import Settings
from falsafa.devstack import STACK_FILE, DevStack, local_book_id
from falsafa.supervisor import ServiceHandle
from tests.conftest import StartService, free_port
from tests.support import BOOKS

CAROL = BOOKS / "a_christmas_carol.txt"
TIME_MACHINE = BOOKS / "the_time_machine.txt"
Stack = tuple[ServiceHandle, dict[str, str], Path]


def _answers(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def storage_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``python -m http.server`` on a directory, as scripts/dev.sh runs it."""
    storage_dir = tmp_path / "dev-storage"
    storage_dir.mkdir()
    port = free_port()
    command = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory"]
    server = subprocess.Popen(
        [*command, str(storage_dir), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not _answers(port):
            assert time.monotonic() < deadline, "http.server did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", storage_dir
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
async def stack(
    make_settings: Callable[..., Settings],
    start_service: StartService,
    storage_server: tuple[str, Path],
    tmp_path: Path,
) -> Stack:
    storage, storage_dir = storage_server
    settings = make_settings(
        storage_origins=frozenset({storage}), sqlite_path=tmp_path / "falsafa.sqlite3"
    )
    service = await start_service(settings)
    assert service.url is not None
    DevStack(service.url, storage, storage_dir, settings.sqlite_path).write(tmp_path / STACK_FILE)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FALSAFA_", "OPENAI_", "REDIS_", "SUPABASE_", "COLUMNS"))
    }
    env |= {"FALSAFA_STORE": "sqlite", "FALSAFA_SQLITE_PATH": str(settings.sqlite_path)}
    return service, env, storage_dir


async def _run(command: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    done = await trio.run_process(
        command, env=env, capture_stdout=True, capture_stderr=True, check=False
    )
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def _add(*args: str) -> list[str]:
    return [sys.executable, "-m", "falsafa.cli", "add", *args]


async def test_under_a_terminal_a_bar_then_the_cast_and_a_chat_command_that_streams(
    stack: Stack,
) -> None:
    if shutil.which("script") is None:
        pytest.skip("script (util-linux) is not installed: no pseudo-terminal to draw on")
    service, env, _storage = stack
    command = " ".join(shlex.quote(word) for word in _add(str(CAROL), "--title", "Carol"))
    code, screen, _ = await _run(["script", "-qec", command, "/dev/null"], env)
    assert code == 0, screen
    # tqdm redraws one line with carriage returns: the stage, a percentage, a bar.
    assert "\r" in screen and re.search(r"extracting\s+\d+%\|█*", screen), screen[:2000]
    assert re.search(r"done\s+100%\|█+\|", screen)
    assert '"Carol" is processed' in screen
    assert re.search(r"^\s+1\s+\d+ lines\s+[0-9a-f-]{36}\s+Scrooge \(", screen, re.M)
    assert re.search(r"^\s+\d+\s+1 line\s+-\s+Tiny Tim", screen, re.M), "the whole cast"
    book = await service.services.store.get_book(local_book_id(CAROL.read_bytes()))
    assert book is not None and book.processing_status == "completed" and book.cast

    chat = next(line.strip() for line in screen.splitlines() if " dev chat --book-id " in line)
    code, out, err = await _run(["bash", "-c", chat], env)
    assert code == 0, err
    assert out.startswith("Scrooge: ") and len(out.split()) > 5, out


async def test_through_a_pipe_plain_lines_and_the_same_file_is_the_same_book(
    stack: Stack,
) -> None:
    _service, env, storage_dir = stack
    code, out, err = await _run(_add(str(TIME_MACHINE)), env)
    assert code == 0, err
    assert "\r" not in err and "add: extracting" in err and err.splitlines()[-1] == "add: done 100%"
    book_id = local_book_id(TIME_MACHINE.read_bytes())
    assert f'"The Time Machine" is processed: book {book_id}' in out
    assert " dev chat --book-id " in out
    assert [p.name for p in storage_dir.iterdir()] == [f"{book_id}.txt"]

    code, again, err = await _run(_add(str(TIME_MACHINE)), env)
    assert code == 0 and err == ""
    assert f'"The Time Machine" was added before: book {book_id}' in again
    assert again.split("\n", 1)[1] == out.split("\n", 1)[1], "the same cast"
    assert [p.name for p in storage_dir.iterdir()] == [f"{book_id}.txt"]


async def test_refusals_say_why(stack: Stack, tmp_path: Path) -> None:
    _service, env, _storage = stack
    pdf = tmp_path / "book.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    code, _, err = await _run(_add(str(pdf)), env)
    assert code == 1 and "book.pdf is not .txt or .md (the service takes nothing else)" in err
    binary = tmp_path / "book.txt"
    binary.write_bytes(b"\x1f\x8b\x08\x00 compressed")
    code, _, err = await _run(_add(str(binary)), env)
    assert code == 1 and "the file is binary (compressed or NUL bytes)" in err
    elsewhere = env | {"FALSAFA_SQLITE_PATH": str(tmp_path / "other" / "falsafa.sqlite3")}
    code, _, err = await _run(_add(str(CAROL)), elsewhere)
    assert code == 1 and "no local service runs on the store" in err
    assert "start it with scripts/dev.sh" in err
