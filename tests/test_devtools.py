"""``falsafa dev`` (the frontend's stand-in) and ``scripts/dev.sh --smoke``."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import trio

from falsafa.book import BookLayout
from falsafa.cli import main as falsafa_main
from falsafa.store import Book, CastMember, CharacterRecord, SqliteStore, character_uuid
from tests.book.books import read_pdnc
from tests.support import BOOKS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith(("FALSAFA_", "SUPABASE_")):
            monkeypatch.delenv(name)
    path = tmp_path / "dev.sqlite3"
    monkeypatch.setenv("FALSAFA_STORE", "sqlite")
    monkeypatch.setenv("FALSAFA_SQLITE_PATH", str(path))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = falsafa_main(["dev", *args])
    out, err = capsys.readouterr()
    return code, out, err


def seed(db: Path, book_id: str, names: list[tuple[str, tuple[str, ...]]]) -> None:
    """Characters and ``completed``, as a finished job leaves them."""

    async def go() -> None:
        store = SqliteStore(db)
        try:
            bid = uuid.UUID(book_id)
            characters = [
                CharacterRecord(
                    id=character_uuid(bid, name),
                    book_id=bid,
                    name=name,
                    aliases=aliases,
                    rank=rank,
                    mention_count=100 - rank,
                )
                for rank, (name, aliases) in enumerate(names)
            ]
            await store.save_book_results(bid, characters, [])
        finally:
            await store.aclose()

    trio.run(go)


def created_book(capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    code, out, err = run(capsys, "create-book", "--title", "A Christmas Carol", *extra)
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def test_create_book_prints_ids_and_stores_the_row(db: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    user = str(uuid.uuid4())
    doc = created_book(capsys, "--user-id", user)
    assert set(doc) == {"book_id", "user_id"} and doc["user_id"] == user

    async def fetch() -> Book | None:
        store = SqliteStore(db)
        try:
            return await store.get_book(uuid.UUID(doc["book_id"]))
        finally:
            await store.aclose()

    book = trio.run(fetch)
    assert book is not None
    assert (book.title, str(book.user_id), book.processing_status) == (
        "A Christmas Carol",
        user,
        "pending",
    )


def test_create_session_by_rank_and_by_alias(db: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    book = created_book(capsys)
    seed(db, book["book_id"], [("Scrooge", ("Ebenezer",)), ("Bob", ("Bob Cratchit",))])
    code, out, err = run(
        capsys, "create-session", "--book-id", book["book_id"], "--user-id", book["user_id"]
    )
    assert code == 0, err
    first = json.loads(out)
    assert set(first) == {"session_id", "character_id", "character_name", "book_id", "user_id"}
    assert first["character_name"] == "Scrooge" and first["book_id"] == book["book_id"]

    code, out, err = run(
        capsys, "create-session", "--book-id", book["book_id"], "--character", "bob cratchit"
    )
    assert code == 0, err
    second = json.loads(out)
    assert second["character_name"] == "Bob" and second["user_id"] == book["user_id"]
    assert second["session_id"] != first["session_id"]

    code, out, _ = run(capsys, "create-session", "--book-id", book["book_id"], "--rank", "1")
    assert code == 0 and json.loads(out)["character_name"] == "Bob"


def test_create_session_refusals_say_why(db: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    book = created_book(capsys)
    bid = book["book_id"]
    code, _, err = run(capsys, "create-session", "--book-id", bid)
    assert code == 1 and "no characters (processing_status=pending)" in err
    seed(db, bid, [("Scrooge", ())])
    code, _, err = run(capsys, "create-session", "--book-id", bid, "--character", "Tiny Tim")
    assert code == 1 and "no character named 'Tiny Tim' (top characters: Scrooge)" in err
    code, _, err = run(capsys, "create-session", "--book-id", bid, "--rank", "3")
    assert code == 1 and "out of range" in err
    other = str(uuid.uuid4())
    code, _, err = run(capsys, "create-session", "--book-id", bid, "--user-id", other)
    assert code == 1 and f"not {other}" in err
    code, _, err = run(capsys, "create-session", "--book-id", str(uuid.uuid4()))
    assert code == 1 and "does not exist" in err


def test_characters_lists_the_whole_cast_by_rank(db: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    book = created_book(capsys)
    seed(db, book["book_id"], [("Scrooge", ("Ebenezer",)), ("Bob", ())])
    bid = uuid.UUID(book["book_id"])
    scrooge = character_uuid(bid, "Scrooge")
    cast = [
        CastMember("Scrooge", ("Ebenezer",), 329, 695, scrooge),
        CastMember("Bob", (), 38, 98, character_uuid(bid, "Bob")),
        CastMember("Tiny Tim", ("Tim",), 1, 25, None),  # too little for a persona
    ]
    trio.run(_set_cast, db, bid, cast)
    code, out, _ = run(capsys, "characters", "--book-id", book["book_id"])
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    assert lines[0].split()[:3] == ["1", "329", "lines"]
    assert lines[0].endswith(f"{scrooge}  Scrooge (Ebenezer)")
    assert lines[2].split()[:4] == ["3", "1", "line", "-"] and lines[2].endswith("Tiny Tim (Tim)")
    code, out, _ = run(capsys, "characters", "--book-id", book["book_id"], "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["rank"], r["name"], r["aliases"], r["lines"]) for r in rows] == [
        (1, "Scrooge", ["Ebenezer"], 329),
        (2, "Bob", [], 38),
        (3, "Tiny Tim", ["Tim"], 1),
    ]
    assert rows[0]["character_id"] == str(scrooge) and rows[2]["character_id"] is None


def test_characters_of_a_book_without_a_stored_cast_are_its_personas(db: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    book = created_book(capsys)
    seed(db, book["book_id"], [("Scrooge", ("Ebenezer",)), ("Bob", ())])
    code, out, _ = run(capsys, "characters", "--book-id", book["book_id"])
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2
    assert lines[0].endswith("Scrooge (Ebenezer)") and lines[1].endswith("  Bob")


def test_a_character_is_found_by_a_unique_part_of_a_name(db: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    book = created_book(capsys)
    names = [("Mr. Darcy", ("Fitzwilliam Darcy",)), ("Mr. Bennet", ()), ("Mrs. Bennet", ())]
    seed(db, book["book_id"], names)
    bid = book["book_id"]
    code, out, err = run(capsys, "create-session", "--book-id", bid, "--character", "Darcy")
    assert code == 0, err
    assert json.loads(out)["character_name"] == "Mr. Darcy"
    # An exact name wins over the names it is part of.
    code, out, _ = run(capsys, "create-session", "--book-id", bid, "--character", "mr. bennet")
    assert code == 0 and json.loads(out)["character_name"] == "Mr. Bennet"
    code, _, err = run(capsys, "create-session", "--book-id", bid, "--character", "Bennet")
    assert code == 1
    assert "'Bennet' could be any of: Mr. Bennet (no aliases); Mrs. Bennet (no aliases)" in err
    code, _, err = run(capsys, "create-session", "--book-id", bid, "--character", "Dar")
    assert code == 1 and "no character named 'Dar'" in err


def test_a_cast_member_without_a_persona_is_named_as_such(db: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    book = created_book(capsys)
    seed(db, book["book_id"], [("Scrooge", ())])
    bid = uuid.UUID(book["book_id"])
    cast = [CastMember("Scrooge", (), 329, 695, character_uuid(bid, "Scrooge"))]
    trio.run(_set_cast, db, bid, [*cast, CastMember("Tiny Tim", ("Tim",), 1, 25, None)])
    code, _, err = run(capsys, "create-session", "--book-id", str(bid), "--character", "Tim")
    assert code == 1
    assert "Tiny Tim has no persona (1 line, too little to speak for them)" in err
    assert "these have one: Scrooge" in err


def test_chapters_lists_the_ordinals_reading_chapter_takes(db: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    book = created_book(capsys)
    code, _, err = run(capsys, "chapters", "--book-id", book["book_id"])
    assert code == 1 and "has no chapter list yet (status pending)" in err
    layout = BookLayout.of(read_pdnc("PrideAndPrejudice"))  # volumes restart at CHAPTER I.

    async def save() -> None:
        store = SqliteStore(db)
        try:
            await store.save_book_results(uuid.UUID(book["book_id"]), [], [], layout)
        finally:
            await store.aclose()

    trio.run(save)
    code, out, _ = run(capsys, "chapters", "--book-id", book["book_id"])
    lines = out.splitlines()
    assert code == 0 and len(lines) == 61
    assert lines[0].split()[0] == "1" and lines[0].endswith("  CHAPTER I.")
    assert lines[23].split()[0] == "24" and lines[23].endswith("  VOL. II, CHAPTER I.")
    code, out, _ = run(capsys, "chapters", "--book-id", book["book_id"], "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["reading_chapter"] for r in rows] == list(range(1, 62))
    assert rows[23]["title"] == "VOL. II, CHAPTER I." and 0 < rows[23]["starts_at"] < 1


async def _set_cast(db: Path, book_id: uuid.UUID, cast: list[CastMember]) -> None:
    store = SqliteStore(db)
    try:
        await store.set_book_cast(book_id, cast)
    finally:
        await store.aclose()


def test_wait_reports_completion_or_times_out(db: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    book = created_book(capsys)
    code, out, err = run(capsys, "wait", "--book-id", book["book_id"], "--timeout", "0.3")
    assert code == 1 and "still pending after 0.3 s" in err
    assert json.loads(out)["status"] == "pending"
    seed(db, book["book_id"], [("Scrooge", ())])
    code, out, _ = run(capsys, "wait", "--book-id", book["book_id"])
    assert code == 0 and json.loads(out)["status"] == "completed"


def test_bad_arguments_and_configuration(db: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exc:
        falsafa_main(["dev", "create-session", "--book-id", "not-a-uuid"])
    assert exc.value.code == 2
    assert "not a UUID" in capsys.readouterr().err
    monkeypatch.setenv("FALSAFA_STORE", "supabase")
    code, _, err = run(capsys, "characters", "--book-id", str(uuid.uuid4()))
    assert code == 2 and "SUPABASE_URL: required" in err


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _smoke_env(redis_url: str, tmp: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FALSAFA_", "SUPABASE_", "OPENAI_", "REDIS_"))
    }
    return env | {"REDIS_URL": redis_url, "TMPDIR": str(tmp)}


def _check_smoke(done: subprocess.CompletedProcess[str], elapsed: float, tmp: Path) -> str:
    """What every smoke run shows; the character's name."""
    report = f"exit {done.returncode} after {elapsed:.1f} s\nstderr:\n{done.stderr}"
    assert done.returncode == 0, report + f"\nstdout:\n{done.stdout[-2000:]}"
    assert "smoke test passed" in done.stderr, report
    # falsafa add's cast and the chat command it printed, which streamed a reply
    assert re.search(r"^\s+1\s+\d+ lines\s+[0-9a-f-]{36}\s+\S", done.stdout, re.M), report
    assert "running the chat command falsafa add printed" in done.stderr, report

    events = [json.loads(x[5:]) for x in done.stdout.splitlines() if x.startswith("data:")]
    assert events and all("token" in e for e in events[:-1])
    assert events[-1]["done"] is True
    reply = events[-1]["full_response"]
    assert reply and reply == "".join(e["token"] for e in events[:-1])
    character = re.search(r"chat session \S+ with (.+)", done.stderr).group(1)  # type: ignore[union-attr]
    assert f"{character} says: {reply}" in done.stdout
    assert re.search(rf"^{re.escape(character)}: \S+ \S+", done.stdout, re.M), "dev chat's reply"

    # Everything it started is gone: the service, the storage server, the temp dir.
    serve_pid = int(re.search(r"\(pid (\d+),", done.stderr).group(1))  # type: ignore[union-attr]
    with pytest.raises(ProcessLookupError):
        os.kill(serve_pid, 0)
    storage_port = int(re.search(r"at http://127\.0\.0\.1:(\d+) \(stand-in", done.stderr).group(1))  # type: ignore[union-attr]
    serve_port = int(re.search(r"up at http://127\.0\.0\.1:(\d+)", done.stderr).group(1))  # type: ignore[union-attr]
    assert not _listening(storage_port) and not _listening(serve_port)
    assert not list(tmp.glob("falsafa-dev.*")), "temporary directory removed"
    return character


def test_dev_sh_smoke_runs_the_whole_flow(redis_url: str, tmp_path: Path) -> None:
    """The README's first command, non-interactively: the sample book put in
    with falsafa add, its cast, the printed chat command run, one reply
    streamed over SSE; nothing left running."""
    # A port that is taken, so that dev.sh has to find another one.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = _smoke_env(redis_url, tmp_path) | {"FALSAFA_BIND": f"127.0.0.1:{port}"}
        started = time.monotonic()
        done = subprocess.run(
            [str(ROOT / "scripts" / "dev.sh"), "--smoke"],
            cwd=tmp_path,  # it finds the repository from its own path
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert _check_smoke(done, time.monotonic() - started, tmp_path) == "Scrooge"
    assert f"127.0.0.1:{port} is taken; using 127.0.0.1:" in done.stderr
    assert f"using Redis at {redis_url}" in done.stderr
    assert '"A Christmas Carol" is processed' in done.stdout


def test_two_checkouts_dev_sh_on_one_redis_each_with_its_own_book(
    redis_url: str, tmp_path: Path
) -> None:
    """``scripts/dev.sh FILE`` with your own book, while another dev.sh (its
    own store, so its own key prefix) runs on the same Redis server."""
    book = tmp_path / "my book.txt"
    book.write_bytes((BOOKS / "the_time_machine.txt").read_bytes())
    runs = []
    for name, args in (("sample", []), ("mine", [str(book)])):
        tmp = tmp_path / name
        tmp.mkdir()
        command = [str(ROOT / "scripts" / "dev.sh"), "--smoke", *args]
        env = _smoke_env(redis_url, tmp)
        runs.append(
            (
                tmp,
                time.monotonic(),
                subprocess.Popen(
                    command,
                    cwd=tmp,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
        )
    outcomes = []
    for tmp, started, process in runs:
        out, err = process.communicate(timeout=400)
        done = subprocess.CompletedProcess(process.args, process.returncode, out, err)
        outcomes.append((_check_smoke(done, time.monotonic() - started, tmp), done))
    (carol, sample), (_, mine) = outcomes
    assert carol == "Scrooge" and '"A Christmas Carol" is processed' in sample.stdout
    assert '"My Book" is processed' in mine.stdout
    assert "A Christmas Carol" not in mine.stdout and "Scrooge" not in mine.stdout


def _dev_sh_until_ready(env: dict[str, str], cwd: Path) -> str:
    """Run scripts/dev.sh (not --smoke) until it waits for Ctrl-C, then press it.

    Ctrl-C is restored in the child: a suite started in the background by a
    non-interactive shell inherits SIGINT ignored, and a shell script cannot
    trap a signal ignored when it starts, so dev.sh would never hear it.
    """
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "dev.sh")],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stdout is not None
    lines = []
    try:
        for line in process.stdout:  # blocks until dev.sh prints or exits
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
    output = "".join(lines) + rest
    assert "Press Ctrl-C" in output and process.returncode == 130, output
    assert "stopped everything it started" in output
    return output


def test_dev_sh_twice_keeps_one_sample_book_and_both_logs(redis_url: str, tmp_path: Path) -> None:
    env = _smoke_env(redis_url, tmp_path) | {
        "FALSAFA_SQLITE_PATH": str(tmp_path / "var" / "falsafa.sqlite3")
    }
    first = _dev_sh_until_ready(env, tmp_path)
    second = _dev_sh_until_ready(env, tmp_path)
    book = re.search(r'"A Christmas Carol" is processed: book (\S+),', first).group(1)  # type: ignore[union-attr]
    assert f'"A Christmas Carol" was added before: book {book},' in second
    assert "is processed" not in second, "no second copy"
    logs = tmp_path / "var"
    first_pid = re.search(r"\(pid (\d+),", first).group(1)  # type: ignore[union-attr]
    second_pid = re.search(r"\(pid (\d+),", second).group(1)  # type: ignore[union-attr]
    assert first_pid != second_pid
    kept = (logs / "dev-serve.log.1").read_text()
    latest = (logs / "dev-serve.log").read_text()
    assert '"msg": "service started"' in kept and '"msg": "service started"' in latest
    assert '"msg": "book accepted"' in kept and '"msg": "book accepted"' not in latest
    assert not (logs / "dev-stack.json").exists(), "the stack file goes with the service"
