"""data/adjectives.txt: the word classes the descriptor rules read, rebuilt byte for byte."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from falsafa.extract import facts

ROOT = Path(__file__).resolve().parents[2]


def test_adjectives_are_adjectives_and_no_adverbs() -> None:
    for word in ("lively", "playful", "disagreeable", "proudest", "handsome", "amiable"):
        assert facts._adjective(word), word
    for word in ("then", "now", "always", "sentiment", "mama", "very", "like", "present"):
        assert not facts._adjective(word), word
    # Before a name, a word that is also only a noun is most often a compound.
    assert facts._adjective("daughter") and not facts._adjective("daughter", only=True)
    assert facts._adjective("plump", only=True)


def test_the_generator_reproduces_the_data_file() -> None:
    if importlib.util.find_spec("lemminflect") is None:
        if os.environ.get("CI"):
            pytest.fail("the train extra is not installed: scripts/setup.sh should bring it")
        pytest.skip("the train extra is not installed (pip install -e '.[train]')")
    # The script as a person runs it: --check exits 0 only when the file
    # it would write is the one in the package, byte for byte.
    script = ROOT / "scripts" / "build_adjectives.py"
    done = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "up to date"
