"""Round-eight rules, each on a small inline scene."""

from __future__ import annotations

from tests.extract.conftest import extract, holder, speaker_name


def test_a_name_after_the_conjunction_for_is_a_subject() -> None:
    text = (
        "“I shall go to London,” said Willoughby.\n\n"
        "Marianne wept all the morning, and Elinor sat with her.\n\n"
        "“Who can this be?” said Elinor.\n\n"
        "Marianne had said nobody would come; for Colonel Brandon did come in, "
        "and Elinor saw the care in his look.\n\n"
        "“I met Mrs. Jennings in Bond Street,” said he, “and she sent me on.”\n"
    )
    assert speaker_name(extract(text), "Bond Street") == "Colonel Brandon"


def test_a_state_of_the_union_is_a_place_not_a_person() -> None:
    text = (
        "John Ferrier looked down on the broad valley of Utah. She was the happiest "
        "girl in all Utah. She sang.\n\n"
        "“She has grown to be the flower of Utah,” said the leader.\n\n"
        "“We had best shin out of Utah,” said Ferrier.\n\n"
        "“Leave Utah!” she cried.\n\n"
        "A cloud lay over the State of Utah. It spread, and they had left Utah before the spring.\n"
    )
    names = {n for c in extract(text).characters for n in (c.name, *c.aliases)}
    assert "John Ferrier" in names
    assert "Utah" not in names


def test_a_russian_patronymic_tells_the_gender() -> None:
    text = (
        "Sofya Semyonovna Marmeladov came in. Sofya Semyonovna sat down.\n\n"
        "“I am the daughter,” said Sofya Semyonovna.\n\n"
        "Mr. Marmeladov was drunk. “I am a pig,” said Marmeladov. Marmeladov wept.\n\n"
        "“Sit down, Semyon Zaharovitch,” said Sofya Semyonovna. Semyon Zaharovitch sat down.\n"
    )
    result = extract(text)
    daughter = holder(result, "Sofya Semyonovna")
    assert daughter.pronouns == "she/her/hers"
    assert "Mr. Marmeladov" not in daughter.aliases
    assert holder(result, "Semyon Zaharovitch").pronouns == "he/him/his"


def test_miss_and_a_surname_is_the_one_woman_of_that_surname() -> None:
    text = (
        "Lucie Manette came in. Then Lucie sat down, and she smiled. Doctor Manette rose.\n\n"
        "“Father!” said Lucie. Alexandre Manette was her father. Then Lucie wept, and "
        "she hid her face.\n\n"
        "“You are tired,” said Doctor Manette. Lucie Manette nodded.\n\n"
        "“I am not,” said Miss Manette. Miss Manette went out.\n"
    )
    result = extract(text)
    assert holder(result, "Miss Manette") is holder(result, "Lucie")


def test_a_woman_called_miss_and_her_given_name_is_not_miss_and_the_surname() -> None:
    text = (
        "Marianne Dashwood came in. Then Marianne sat down, and she smiled.\n\n"
        "“Come, Miss Marianne,” said John Dashwood. Then Miss Marianne rose, and she went.\n\n"
        "“Where is she?” said Miss Dashwood. Miss Dashwood looked out.\n"
    )
    result = extract(text)
    assert holder(result, "Miss Dashwood") is not holder(result, "Marianne")


def test_a_nationality_said_twice_as_a_name_stays_an_adjective_elsewhere() -> None:
    adjectives = " ".join(
        f"Mr. Lorry met a French {noun} and spoke of French {thing}."
        for noun, thing in [
            ("gentleman", "credit"),
            ("lady", "law"),
            ("family", "houses"),
            ("banker", "coast"),
            ("officer", "wine"),
        ]
    )
    text = (
        f"{adjectives}\n\n"
        "“Guilty,” said French Lewis. “Of what?” asked Mr. Lorry.\n\n"
        "“Of everything,” said French Lewis.\n"
    )
    names = {n for c in extract(text).characters for n in (c.name, *c.aliases)}
    assert "Mr. Lorry" in names
    assert "French" not in names


def test_mister_and_a_surname_is_not_the_master_of_the_family() -> None:
    text = (
        "Bob Cratchit came home, and Bob kissed his wife. Master Peter Cratchit "
        "plunged a fork into the pan, and Master Peter laughed. Then Peter sat down, "
        "and he smiled.\n\n"
        "“Welcome home, Mr. Cratchit,” said Mrs. Cratchit.\n"
    )
    result = extract(text)
    assert holder(result, "Mr. Cratchit") is holder(result, "Bob")
    assert holder(result, "Master Peter") is not holder(result, "Bob")


def test_the_owner_of_a_sentences_subject_is_its_topic() -> None:
    text = (
        "“You killed her!” said Curly to Tootles.\n\n"
        "They turned from him. Tootles' face was very white, but there was a "
        "dignity about him now.\n\n"
        "“I did it,” he said, reflecting.\n"
    )
    assert speaker_name(extract(text), "I did it") == "Tootles"


def test_a_clipped_name_is_the_full_name_it_begins() -> None:
    text = (
        "Tinker Bell flew in. Then Tink hid in the jug, and Tink was cross. "
        "Peter looked for Tink everywhere, and Tinker Bell laughed at him.\n\n"
        "“Where is she?” said Peter.\n"
    )
    result = extract(text)
    assert holder(result, "Tink") is holder(result, "Tinker Bell")
