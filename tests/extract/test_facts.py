"""Descriptors and actions the narration gives a character (falsafa.extract.facts)."""

from __future__ import annotations

from tests.extract.conftest import extract


def test_descriptors_and_actions() -> None:
    text = (
        "Stately, plump Buck Mulligan came from the stairhead. Poor Buck Mulligan laughed.\n\n"
        "Buck Mulligan, a tall young man, peeped under the mirror.\n"
    )
    c = next(c for c in extract(text).characters if c.name == "Buck Mulligan")
    words = {w for w, _ in c.descriptors}
    assert {"plump", "poor"} <= words
    assert {"tall", "young"} <= words
    assert "laughed" in {w for w, _ in c.actions}
