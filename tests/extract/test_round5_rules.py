"""Round-five rules, each on a small inline scene: surnames of a dominant
bearer, noun-phrase speakers, pronoun frames read again, parents of a
family without a surname, and names only spoken of inside quotes."""

from __future__ import annotations

from tests.extract.conftest import extract


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


def test_a_name_only_spoken_of_is_a_person_when_a_pronoun_follows_it() -> None:
    text = (
        "Stephen sat on the parapet.\n\n"
        "“How long is Haines going to stay? If he stays, I go,” said Stephen.\n\n"
        "“Is it Haines? He is harmless,” said Stephen again.\n"
    )
    result = extract(text)
    assert any(c.name == "Haines" for c in result.characters)
