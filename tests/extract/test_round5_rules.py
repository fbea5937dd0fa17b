"""Round-five rules, each on a small inline scene: surnames of a dominant
bearer, noun-phrase speakers, pronoun frames read again, parents of a
family without a surname, and names only spoken of inside quotes."""

from __future__ import annotations

from tests.extract.conftest import extract, speaker_name


def test_bare_surname_of_the_main_bearer_counts_for_him_but_is_no_alias() -> None:
    text = (
        "Tom Mulligan came up the stairs. Tom Mulligan laughed. Mulligan shaved.\n\n"
        "Tom Mulligan sang a song, and Mulligan whistled. Mulligan waved.\n\n"
        "His cousin Harry Mulligan was far away.\n"
    )
    result = extract(text)
    tom = next(c for c in result.characters if c.name == "Tom Mulligan")
    assert tom.mention_count == 6
    # "Mulligan" also names Harry, so listing it would make Tom the family.
    assert "Mulligan" not in tom.aliases


def test_bare_surname_of_the_only_bearer_is_an_alias() -> None:
    text = (
        "Tom Mulligan came up the stairs. Tom Mulligan laughed. Mulligan shaved.\n\n"
        "Mulligan whistled.\n"
    )
    tom = next(c for c in extract(text).characters if c.name == "Tom Mulligan")
    assert "Mulligan" in tom.aliases


def test_bare_surname_shared_with_a_woman_stays_ambiguous() -> None:
    text = (
        "Mr. Morel came home late. Morel sat down. Morel ate. Morel slept.\n\n"
        "Mrs. Morel said nothing to him.\n"
    )
    result = extract(text)
    assert not any("Morel" in c.aliases for c in result.characters)


def test_noun_phrase_speaker_is_who_the_other_side_addresses() -> None:
    text = (
        "Rudolf sat at breakfast with Robert and Rose. Robert went out.\n\n"
        "Above them Countess Amelia smiled from her portrait.\n\n"
        "“You have done nothing,” said the young woman.\n\n"
        "“My dear Rose,” said Rudolf, “why should I do anything?”\n"
    )
    result = extract(text)
    assert speaker_name(result, "done nothing") == "Rose"


def test_noun_phrase_speaker_named_later_is_not_a_name_inside_a_quote() -> None:
    text = (
        "Dick stood at the corner with his box.\n\n"
        "“How much?” asked a gentleman.\n\n"
        "“Ten cents,” said Dick. “This coat belonged to General Washington.”\n\n"
        "“That is steep,” said the gentleman.\n\n"
        "Mr. Greyson paid him and walked away.\n"
    )
    result = extract(text)
    assert speaker_name(result, "That is steep") == "Mr. Greyson"


def test_pronoun_frame_is_read_again_once_the_turn_before_is_known() -> None:
    text = (
        "Lord Henry looked at the portrait Basil had painted.\n\n"
        "“It is your best work, Basil,” said Lord Henry.\n\n"
        "“I shall not send it anywhere,” Basil answered.\n\n"
        "Lord Henry raised his eyebrows. “Not send it anywhere? Why?”\n\n"
        "“You will laugh at me,” he replied.\n"
    )
    result = extract(text)
    assert speaker_name(result, "laugh at me") == "Basil"


def test_her_mother_without_a_surname_is_the_married_mother_of_the_family() -> None:
    text = (
        "Mr. Bennet and Mrs. Bennet sat with Lizzy.\n\n"
        "Mrs. Long came in, and Lizzy greeted her. Mrs. Long sat down.\n\n"
        "“I hope Mr. Bingley will like it, Lizzy,” said Mr. Bennet.\n\n"
        "“We cannot know what he likes,” said her mother.\n"
    )
    result = extract(text)
    assert speaker_name(result, "cannot know") == "Mrs. Bennet"


def test_a_name_only_spoken_of_is_a_person_when_a_pronoun_follows_it() -> None:
    text = (
        "Stephen sat on the parapet.\n\n"
        "“How long is Haines going to stay? If he stays, I go,” said Stephen.\n\n"
        "“Is it Haines? He is harmless,” said Stephen again.\n"
    )
    result = extract(text)
    assert any(c.name == "Haines" for c in result.characters)
