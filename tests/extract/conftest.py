"""Shared helpers for the extraction tests: where the shared data lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from falsafa.extract.builtin import BuiltinExtractor
from falsafa.extract.model import Character, Extraction, Quote


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


def _quote(result: Extraction, quote_text: str) -> Quote:
    for q in result.quotes:
        if quote_text in q.text:
            return q
    raise AssertionError(f"no quote containing {quote_text!r}: {[q.text for q in result.quotes]}")


def _name(result: Extraction, character_id: str | None) -> str | None:
    c = result.character(character_id) if character_id else None
    return c.name if c else None


def speaker_name(result: Extraction, quote_text: str) -> str | None:
    return _name(result, _quote(result, quote_text).speaker)


def addressee_name(result: Extraction, quote_text: str) -> str | None:
    return _name(result, _quote(result, quote_text).addressee)


@pytest.fixture
def shared() -> Path:
    path = shared_dir()
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path} (set FALSAFA_SHARED_DIR)")
    return path
