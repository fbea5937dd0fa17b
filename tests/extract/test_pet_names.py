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


def test_a_name_the_narration_also_uses_can_still_be_a_pet_name() -> None:
    # "Maggie" for the Mrs. Hilbery of the frames: the narration may use the
    # family's name too; what it answers to decides.
    text = _SCENE + "\nKinch, Mulligan thought, was slow in the mornings.\n"
    stephen = next(c for c in extract(text).characters if c.name == "Stephen")
    assert "Kinch" in stephen.aliases


def test_a_name_the_frames_give_a_speaker_is_a_person_of_its_own() -> None:
    text = (
        "Stephen stood at the parapet. Mulligan shaved beside him. Kinch, "
        "the cook, came up the stairs.\n\n"
        "“God, Kinch, look at the sea,” said Mulligan.\n\n"
        "“I see it,” said Stephen.\n\n"
        "“Breakfast, sirs,” said Kinch.\n\n"
        "“Come down, Kinch, the breakfast is ready,” said Mulligan.\n\n"
        "“In a moment,” said Stephen.\n\n"
        "“It will get cold,” said Kinch.\n"
    )
    names = [c.name for c in extract(text).characters]
    assert "Kinch" in names
    assert "Stephen" in names


def test_one_exchange_is_not_enough() -> None:
    text = (
        "Stephen stood at the parapet. Mulligan shaved beside him.\n\n"
        "“God, Kinch, look at the sea,” said Mulligan.\n\n"
        "“I see it,” said Stephen.\n"
    )
    stephen = next(c for c in extract(text).characters if c.name == "Stephen")
    assert "Kinch" not in stephen.aliases


def test_a_kinship_name_joins_the_surname_the_frames_use() -> None:
    text = (
        "Mrs. Harper sat by the fire, and her nephew Tom came in from the rain.\n\n"
        "“Aunt Polly, may I go out again?” asked Tom.\n\n"
        "“Not in this weather,” said Mrs. Harper.\n\n"
        "Tom sulked by the window for an hour.\n\n"
        "“Aunt Polly, it has stopped,” said Tom.\n\n"
        "“Then go, and be back by six,” said Mrs. Harper.\n"
    )
    result = extract(text)
    harper = next(c for c in result.characters if c.name == "Mrs. Harper")
    assert "Aunt Polly" in harper.aliases
    assert "Tom" in [c.name for c in result.characters]


def test_a_name_the_narration_sets_beside_the_answerer_twice_is_someone_else() -> None:
    # The one who answers when a name is called is its bearer, unless the
    # narration has named the two side by side: then the name belongs to a
    # second person in the room, whom the answerer speaks for.
    text = (
        "Anna sat with Mrs. Grant in the parlour. Mrs. Grant poured the tea "
        "while Anna watched the door. Tom Price came in.\n\n"
        "“Mrs. Grant, the carriage is at the door,” said Tom Price.\n\n"
        "“She will come down presently,” said Anna.\n\n"
        "Tom Price bowed and went out, and came back soon after.\n\n"
        "“Mrs. Grant, the horses are restless,” said Tom Price.\n\n"
        "“Tell them she is coming,” said Anna.\n"
    )
    result = extract(text)
    anna = [c for c in result.characters if "Anna" in (c.name, *c.aliases)]
    assert [c.name for c in anna] == ["Anna"]
    assert "Mrs. Grant" not in anna[0].aliases
    assert "Mrs. Grant" in [c.name for c in result.characters]
