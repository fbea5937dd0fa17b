"""Stage one: the speech-verb frames next to a quote name its speaker."""

from __future__ import annotations

from tests.extract.conftest import extract, speaker_name


def test_explicit_frames_name_the_speaker() -> None:
    text = (
        "Mr. Bennet sat reading. Mrs. Bennet came in.\n\n"
        "“Have you heard the news?” said Mrs. Bennet.\n\n"
        "Mr. Bennet replied, “I have not.”\n"
    )
    result = extract(text)
    assert speaker_name(result, "news") == "Mrs. Bennet"
    assert speaker_name(result, "I have not") == "Mr. Bennet"


def test_kinship_noun_phrase_resolves_through_its_possessor() -> None:
    text = (
        "Mr. Bennet read his paper. Mrs. Bennet was restless all morning.\n\n"
        "Mr. Bennet made no answer.\n\n"
        "“Do you not want to know who has taken it?” cried his wife impatiently.\n"
    )
    assert speaker_name(extract(text), "who has taken it") == "Mrs. Bennet"


def test_name_or_pronoun_before_the_verb_is_the_subject() -> None:
    text = (
        "Mr. Denham sat down beside Katharine Hilbery at the tea table.\n\n"
        "“Have you ever been to Manchester?” he asked Katharine.\n\n"
        "“Never,” Katharine answered Mr. Denham.\n"
    )
    result = extract(text)
    assert speaker_name(result, "Manchester") == "Mr. Denham"
    assert "Katharine" in (speaker_name(result, "Never") or "")


def test_a_perceiver_is_not_the_speaker_and_a_voice_is_its_owner() -> None:
    text = (
        "Mary stood in the hall. Mrs. Lennox came down the stairs, and John Reed "
        "came in.\n\n"
        "“Is it so very bad?” Mary heard her say.\n\n"
        "“Come here!” cried the voice of John Reed.\n"
    )
    result = extract(text)
    assert speaker_name(result, "so very bad") != "Mary"
    assert speaker_name(result, "Come here") == "John Reed"
