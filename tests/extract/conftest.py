"""Shared helpers for the extraction tests: where the shared data lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from falsafa.extract.builtin import BuiltinExtractor
from falsafa.extract.model import Character, Extraction


def shared_dir() -> Path:
    env = os.environ.get("FALSAFA_SHARED_DIR")
    return Path(env) if env else (Path(__file__).resolve().parents[2] / ".." / "shared").resolve()


def extract(text: str) -> Extraction:
    return BuiltinExtractor().extract(text)


def holder(result: Extraction, name: str) -> Character:
    """The one character that has ``name`` as its name or an alias."""
    found = [c for c in result.characters if name in (c.name, *c.aliases)]
    assert len(found) == 1, (name, [(c.name, c.aliases) for c in result.characters])
    return found[0]


def speaker_name(result: Extraction, quote_text: str) -> str | None:
    for q in result.quotes:
        if quote_text in q.text:
            c = result.character(q.speaker) if q.speaker else None
            return c.name if c else None
    raise AssertionError(f"no quote containing {quote_text!r}: {[q.text for q in result.quotes]}")


@pytest.fixture
def shared() -> Path:
    path = shared_dir()
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path} (set FALSAFA_SHARED_DIR)")
    return path
