"""Characters called by a capitalised description, and "the <Title>" for its one bearer."""

from __future__ import annotations

from falsafa.extract.model import Extraction
from tests.extract.conftest import extract, speaker_name

_TIME = (
    "The Time Traveller came in. The Medical Man looked up at him.\n\n"
    "“Hello,” said the Time Traveller.\n\n"
    "“Where have you been?” the Medical Man asked.\n\n"
    "The Time Traveller smiled, and he sat down. He was tired.\n\n"
    "“Nowhere,” said the Time Traveller.\n\n"
    "The Medical Man shook his head. He was puzzled.\n"
)


def _names(result: Extraction) -> set[str]:
    return {c.name for c in result.characters}


def _mentions_after_the(result: Extraction, text: str) -> list[str]:
    return [
        m.text for m in result.mentions if text[max(0, m.start - 4) : m.start] in ("the ", "The ")
    ]


def test_description_is_a_character_that_speaks() -> None:
    result = extract(_TIME)
    assert {"the Time Traveller", "the Medical Man"} <= _names(result)
    assert speaker_name(result, "Hello") == "the Time Traveller"
    assert speaker_name(result, "Nowhere") == "the Time Traveller"
    assert speaker_name(result, "Where have you been") == "the Medical Man"
    traveller = next(c for c in result.characters if c.name == "the Time Traveller")
    assert traveller.gender == "male"
    assert traveller.mention_count >= 4


def test_description_must_recur() -> None:
    text = (
        "The Invisible Man was in the room. “Go away,” said the Invisible Man.\n\n"
        "Nobody answered him, and he left.\n"
    )
    assert not any("Invisible" in n for n in _names(extract(text)))


def test_places_ships_and_institutions_are_not_described_people() -> None:
    text = (
        "We walked along the Strand and then down to the Thames. The Strand was busy; "
        "in the Strand a man sold papers and near the Thames a boy sang.\n\n"
        "We went aboard the Pequod. She was a fine ship, and on board the Pequod "
        "she rolled. The Pequod sailed at noon, for in the Pequod she carried oil.\n\n"
        "The Church was full. He said the Church was old. In the Church she prayed, "
        "and the Church said nothing.\n\n"
        "The Morlocks came at night. The Morlocks said nothing, and the Morlocks fled.\n"
    )
    names = _names(extract(text))
    for word in ("Strand", "Thames", "Pequod", "Church", "Morlocks"):
        assert not any(word in n for n in names), (word, names)


def test_title_alone_names_its_only_bearer() -> None:
    text = (
        "Judge Miller lived in a big house. Buck was his dog.\n\n"
        "“Come here,” said the Judge.\n\n"
        "The Judge was a kind man, and the Judge loved his dog.\n"
    )
    result = extract(text)
    assert speaker_name(result, "Come here") == "Judge Miller"
    judge = next(c for c in result.characters if c.name == "Judge Miller")
    assert judge.mention_count >= 4
    assert "Judge" not in judge.aliases  # a role, not a name


def test_title_shared_by_two_characters_names_nobody() -> None:
    text = (
        "Prince Andrew and Prince Vasíli sat at the table. Prince Andrew drank, "
        "and Prince Vasíli spoke.\n\n"
        "“We must go,” said the Prince.\n\n"
        "The Prince rose, and the Prince left.\n"
    )
    result = extract(text)
    assert _mentions_after_the(result, text) == []


def test_description_also_said_bare_is_one_character_with_that_name() -> None:
    # "the Sparrow" is the boy the book also calls plain "Sparrow".
    text = (
        "The Sparrow was a sharp boy. “Come on,” said the Sparrow, and he ran.\n\n"
        "Sparrow laughed at Tom. “Why?” said Tom.\n\n"
        "“Because,” said the Sparrow. The Sparrow went out, and Sparrow whistled.\n\n"
        "“Wait,” said Tom, and he followed the Sparrow.\n"
    )
    result = extract(text)
    sparrows = [c for c in result.characters if "Sparrow" in c.name]
    assert len(sparrows) == 1, [c.name for c in result.characters]
    sparrow = sparrows[0]
    assert "Sparrow" in sparrow.aliases  # the bare name is his too
    bare = text.index("Sparrow laughed")
    assert any(m.start == bare and m.character_id == sparrow.id for m in result.mentions)
    assert speaker_name(result, "Come on") == sparrow.name
    assert speaker_name(result, "Because") == sparrow.name
    assert speaker_name(result, "Why?") == "Tom"
