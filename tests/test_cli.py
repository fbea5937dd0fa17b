"""The ``falsafa`` command: usage, and output cut short by its reader."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from falsafa.cli import main

TEXT = "CHAPTER I\n\n“Have you heard?” said Mrs. Bennet to Mr. Bennet.\n\n“No,” said Mr. Bennet.\n"


def _run_into_closed_pipe(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``falsafa ARGS`` writing into a pipe nobody reads any more, as
    ``falsafa config | head -1`` does once head has its line."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write now fails with EPIPE, at once
    try:
        return subprocess.run(
            [sys.executable, "-m", "falsafa.cli", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)


def test_config_into_a_closed_pipe_exits_quietly() -> None:
    done = _run_into_closed_pipe("config")
    assert done.returncode == 1
    assert done.stderr == "", done.stderr


def test_extract_json_into_a_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    path = tmp_path / "book.txt"
    path.write_text(TEXT, encoding="utf-8")
    done = _run_into_closed_pipe("extract", "--json", str(path))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr


def test_config_into_an_open_pipe_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config"]) == 0
    assert capsys.readouterr().out.startswith("| variable | default | meaning |")


def test_usage_and_unknown_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2 and "usage: falsafa COMMAND" in capsys.readouterr().out
    assert main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err
