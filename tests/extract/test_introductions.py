"""People who name themselves in speech."""

from __future__ import annotations

from tests.extract.conftest import extract


def test_a_name_given_in_a_self_introduction_joins_the_speaker() -> None:
    text = (
        "Buck Mulligan stood on the stairs. Buck Mulligan laughed.\n\n"
        "Buck Mulligan’s gay voice went on.\n\n"
        "“My name is absurd too: Malachi Mulligan, two dactyls,” said Buck Mulligan.\n\n"
        "“It is a fine name, Malachi,” Stephen said.\n"
    )
    result = extract(text)
    buck = next(c for c in result.characters if c.name == "Buck Mulligan")
    assert "Malachi Mulligan" in buck.aliases
    # Now that every Mulligan is one man, his bare surname is his alias.
    assert not any(c.name == "Malachi Mulligan" for c in result.characters)


def test_a_name_the_narration_uses_is_somebody_else() -> None:
    text = (
        "Pierre sat by the fire with the soldier.\n\n"
        "“My name is Platón,” said Pierre, though it was the soldier who spoke.\n\n"
        "Platón Karatáev smiled. Platón sang a song, and Pierre listened.\n"
    )
    result = extract(text)
    pierre = next(c for c in result.characters if c.name == "Pierre")
    assert "Platón" not in pierre.aliases


def test_another_name_later_in_the_sentence_is_not_the_speaker() -> None:
    text = (
        "The old woman came to the door. Holmes listened.\n\n"
        "“My name is Sawyer--hers is Dennis, which Tom Dennis married,” said Holmes.\n"
    )
    result = extract(text)
    holmes = next(c for c in result.characters if c.name == "Holmes")
    assert not any("Dennis" in a for a in holmes.aliases)
