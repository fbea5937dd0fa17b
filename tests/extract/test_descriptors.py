"""Descriptors: adjectives the narration applies to a character, with word-class sense."""

from __future__ import annotations

from tests.extract.conftest import extract, holder


def descriptors(text: str, name: str) -> set[str]:
    return {w for w, _ in holder(extract(text), name).descriptors}


def test_appositions_and_predicates_give_the_adjectives() -> None:
    text = (
        "Elizabeth Bennet, who had a lively, playful disposition, laughed at the story.\n\n"
        "Mr. Fitzwilliam Darcy, by all accounts, was the proudest, most disagreeable man.\n\n"
        "Elizabeth Bennet was handsome, and Mr. Fitzwilliam Darcy was silent.\n\n"
        "Elizabeth Bennet and Mr. Fitzwilliam Darcy walked on. Elizabeth Bennet smiled.\n\n"
    )
    assert descriptors(text, "Elizabeth Bennet") == {"lively", "playful", "handsome"}
    assert descriptors(text, "Mr. Fitzwilliam Darcy") == {"proudest", "disagreeable", "silent"}


def test_no_function_words_adverbs_or_words_of_another_clause() -> None:
    text = (
        "In vain Elizabeth Bennet tried to sleep. His anxiety for Elizabeth Bennet was evident.\n\n"
        "Elizabeth Bennet was then at home. Elizabeth Bennet was the real cause of it.\n\n"
        "Elizabeth Bennet was not handsome. In the afternoon Elizabeth Bennet walked out.\n\n"
        "Elizabeth Bennet was like her father. Elizabeth Bennet, a lively girl, ran in.\n\n"
        "However little Elizabeth Bennet cared, she went.\n\n"
    )
    # Only the apposition describes her: "vain" is an idiom, "evident" is said
    # of the anxiety, "then" is an adverb of time, "real" of the cause,
    # "handsome" is denied, "afternoon" is a noun, "like" a preposition,
    # "however little" a degree.
    assert descriptors(text, "Elizabeth Bennet") == {"lively"}
