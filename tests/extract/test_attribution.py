"""Who says each quote: the sieve on small scenes."""

from __future__ import annotations

from tests.extract.conftest import extract, speaker_name


def test_pronoun_subject_is_resolved_by_gender() -> None:
    text = (
        "Mr. Darcy stood by the window while Miss Elizabeth Bennet read.\n\n"
        "“It is late,” she said.\n\n"
        "“Is it?” he replied.\n"
    )
    result = extract(text)
    assert "Elizabeth Bennet" in (speaker_name(result, "late") or "")
    assert speaker_name(result, "Is it") == "Mr. Darcy"


def test_vocative_gives_addressee_and_turn_taking_fills_untagged_lines() -> None:
    text = (
        "Holmes lit his pipe while Watson waited.\n\n"
        "“Watson, what do you make of it?” asked Holmes.\n\n"
        "“Nothing at all,” said Watson.\n\n"
        "“Look again.”\n\n"
        "“I see a hat.”\n\n"
        "“Precisely.”\n"
    )
    result = extract(text)
    first = next(q for q in result.quotes if "make of it" in q.text)
    assert result.character(first.addressee or "") is not None
    assert result.character(first.addressee or "").name == "Watson"  # type: ignore[union-attr]
    assert speaker_name(result, "Look again") == "Holmes"
    assert speaker_name(result, "I see a hat") == "Watson"
    assert speaker_name(result, "Precisely") == "Holmes"
    assert any(r.kind == "speaks_to" for r in result.relations)
    assert any(r.kind == "co_occurs" for r in result.relations)


def test_first_person_narrator_named_by_vocatives() -> None:
    text = (
        "I found my friend Holmes in his room. He looked me over.\n\n"
        "“You have been walking, Watson,” said Holmes.\n\n"
        "“Seven miles!” I answered.\n\n"
        "“Too far, Watson,” he said.\n"
    )
    result = extract(text)
    assert speaker_name(result, "Seven miles") == "Watson"


def test_paragraph_narration_names_the_speaker() -> None:
    text = "Mary Lennox put down her cup.\n\nTom Hardy shook his head slowly. “I will not go.”\n"
    assert speaker_name(extract(text), "I will not go") == "Tom Hardy"


def test_descriptors_and_actions() -> None:
    text = (
        "Stately, plump Buck Mulligan came from the stairhead. Poor Buck Mulligan laughed.\n\n"
        "Buck Mulligan, a tall young man, peeped under the mirror.\n"
    )
    c = next(c for c in extract(text).characters if c.name == "Buck Mulligan")
    words = {w for w, _ in c.descriptors}
    assert {"plump", "poor"} <= words
    assert {"tall", "young"} <= words
    assert "laughed" in {w for w, _ in c.actions}


def test_unnamed_noun_phrase_speaker_is_not_the_interlocutor() -> None:
    text = (
        "Dick looked up at the passer-by.\n\n"
        "“Shine yer boots, sir?” said Dick.\n\n"
        "“How much?” asked the gentleman.\n\n"
        "“Ten cents,” said Dick.\n\n"
        "“That is steep,” said the gentleman. Greyson was his name.\n"
    )
    result = extract(text)
    assert speaker_name(result, "How much") != "Dick"
    assert speaker_name(result, "Ten cents") == "Dick"


def test_conversation_is_anchored_backwards_too() -> None:
    text = (
        "Emma Woodhouse sat with Harriet Smith by the fire.\n\n"
        "This was invitation enough.\n\n"
        "“Who is coming to dinner?”\n\n"
        "“Nobody at all.”\n\n"
        "“Then we shall be dull.”\n\n"
        "“Not at all, my dear,” said Harriet.\n"
    )
    result = extract(text)
    assert speaker_name(result, "Nobody at all") == "Harriet Smith"
    assert speaker_name(result, "Who is coming") == "Emma Woodhouse"
    assert speaker_name(result, "we shall be dull") == "Emma Woodhouse"


def test_pronoun_prefers_the_sentence_subject_over_a_nearer_aside() -> None:
    text = (
        "Mrs. Hall lit the fire. As soon as the bacon was under way, and Millie, "
        "her maid, had been brisked up, she carried the cloth into the parlour.\n\n"
        "Mrs. Hall looked at the guest. “Can I take your hat?” she said.\n"
    )
    assert speaker_name(extract(text), "take your hat") == "Mrs. Hall"


def test_bare_surname_shared_by_a_family_is_the_man() -> None:
    text = (
        "Mr. Temple was a kind man. Charlotte Temple was his only daughter, and Charlotte "
        "loved him. Mr. Temple walked out with a young officer.\n\n"
        "“You are a benevolent fellow,” said the officer.\n\n"
        "“You cannot oblige me more,” said Temple.\n"
    )
    assert speaker_name(extract(text), "oblige me") == "Mr. Temple"


def test_pronoun_frame_in_a_dialogue_is_the_other_party() -> None:
    text = (
        "Lord Henry lay on the divan, and Basil Hallward stood by his easel.\n\n"
        "“It is my best work,” said Basil Hallward.\n\n"
        "“You must send it to the Grosvenor,” said Lord Henry.\n\n"
        "“I don't think I shall send it anywhere,” he answered.\n"
    )
    assert speaker_name(extract(text), "anywhere") == "Basil Hallward"


def test_unframed_dialogue_opens_with_the_subject_of_the_narration_before_it() -> None:
    text = (
        "Tom Ford was sprawling in a deep chair, eating candy. Tom was a fat boy.\n\n"
        "Mr. Pett was sniffing suspiciously.\n\n"
        "“You've been smoking.”\n\n"
        "“Me!”\n\n"
        "“Smoking cigarettes.”\n\n"
        "“No, sir!”\n"
    )
    result = extract(text)
    assert speaker_name(result, "been smoking") == "Mr. Pett"
    assert speaker_name(result, "Me!") == "Tom Ford"
    assert speaker_name(result, "Smoking cigarettes") == "Mr. Pett"
