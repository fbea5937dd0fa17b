"""Names only ever said to someone join the person who answers them."""

from __future__ import annotations

from tests.extract.conftest import extract

_SCENE = (
    "Stephen stood at the parapet. Mulligan shaved beside him.\n\n"
    "“God, Kinch, look at the sea,” said Mulligan.\n\n"
    "“I see it,” said Stephen.\n\n"
    "Mulligan laughed and wiped his razor.\n\n"
    "“Come down, Kinch, the breakfast is ready,” said Mulligan.\n\n"
    "“In a moment,” said Stephen.\n"
)


def test_a_name_only_said_to_someone_is_theirs() -> None:
    result = extract(_SCENE)
    stephen = next(c for c in result.characters if c.name == "Stephen")
    assert "Kinch" in stephen.aliases
    assert "Kinch" not in [c.name for c in result.characters]


def test_a_name_the_narration_uses_is_a_person_of_its_own() -> None:
    text = _SCENE + "\nKinch came up the stairs later, whistling.\n"
    names = [c.name for c in extract(text).characters]
    assert "Kinch" in names


def test_one_exchange_is_not_enough() -> None:
    text = (
        "Stephen stood at the parapet. Mulligan shaved beside him.\n\n"
        "“God, Kinch, look at the sea,” said Mulligan.\n\n"
        "“I see it,” said Stephen.\n"
    )
    stephen = next(c for c in extract(text).characters if c.name == "Stephen")
    assert "Kinch" not in stephen.aliases
