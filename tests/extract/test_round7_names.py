"""Round-seven name rules, each on a small inline text: places reached by
"went to"/"leave", speech verbs across a quote mark, a longer name that
begins with a shorter one, a given name freed once one person bears it,
a diminutive of the one dominant bearer, and titled plural families."""

from __future__ import annotations

from tests.extract.conftest import extract


def _names(text: str) -> list[str]:
    return [c.name for c in extract(text).characters]


def test_a_place_one_goes_to_and_leaves_is_no_person() -> None:
    text = (
        "Elinor and Marianne lived at Norland with their mother. "
        "“Dear, dear Norland!” said Marianne. “When shall we leave Norland?”\n\n"
        "They went to Norland in the spring, and came back to Norland in June. "
        "Elinor wrote from Norland; Marianne walked at Norland every day. "
        "They were to leave Norland in September.\n\n"
        "“I shall miss Norland,” said Elinor.\n"
    )
    names = _names(text)
    assert "Norland" not in names
    assert {"Elinor", "Marianne"} <= set(names)


def test_a_speech_verb_across_a_quote_mark_is_not_the_name_speaking() -> None:
    text = (
        "Edward came in with Elinor. “Do you like London?” said Edward. "
        "“We shall go round by London,” cried Marianne. “Not by London,” said Elinor.\n\n"
        "Their friends lived in London, and the letters came from London, "
        "and they stayed in London all winter.\n"
    )
    assert "London" not in _names(text)


def test_a_name_that_begins_a_longer_name_is_that_person() -> None:
    text = (
        "“Wendy Moira Angela Darling,” she replied with some satisfaction.\n\n"
        "“I’m so sorry,” said Wendy Moira Angela. Wendy smiled. Wendy sat down. "
        "Peter looked at Wendy. Wendy laughed.\n"
    )
    result = extract(text)
    wendy = [c for c in result.characters if "Wendy" in c.name or "Wendy" in c.aliases]
    assert len(wendy) == 1
    assert wendy[0].name == "Wendy"


def test_a_diminutive_goes_to_the_one_dominant_bearer_of_the_name() -> None:
    lord = "Lord Henry smiled. " * 8
    text = (
        f"{lord}\n\n"
        "“Harry, you are wicked,” said Basil. Harry laughed. Harry lit a cigarette.\n\n"
        "“Good evening,” said Sir Henry Ashton. Sir Henry Ashton sat down.\n\n"
        "Lady Henry came in. Lady Henry smiled at everyone.\n"
    )
    result = extract(text)
    henry = next(c for c in result.characters if c.name == "Lord Henry")
    assert "Harry" in henry.aliases
    assert "Harry" not in [c.name for c in result.characters]


def test_titled_plural_sisters_are_a_group_that_no_pronoun_stands_for() -> None:
    text = (
        "Lucy Steele came to Barton. Lucy Steele smiled.\n\n"
        "Miss Steeles laughed. “How charming,” said Miss Steeles. Miss Steeles nodded.\n\n"
        "“How very charming,” she cried.\n"
    )
    result = extract(text)
    groups = {c.id for c in result.characters if c.name.endswith("Steeles")}
    assert groups
    she = next(q for q in result.quotes if "very charming" in q.text)
    assert she.speaker not in groups


def test_a_name_mostly_read_as_a_possessive_is_a_firm() -> None:
    text = (
        "Mr. Lorry worked for Tellson's Bank. Tellson's clerks were old. Tellson's paid him.\n\n"
        "Tellson's, who shook hands badly, never changed. Tellson's knew him. Tellson trusted him.\n\n"
        "“Tellson's knows this,” said Mr. Lorry.\n"
    )
    names = _names(text)
    assert "Tellson" not in names
    assert "Mr. Lorry" in names
